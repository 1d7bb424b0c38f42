"""Languages (Vietnamese first, English available), time zone and formatting.

Times are stored in UTC and always shown in the contest's time zone
(Asia/Ho_Chi_Minh) as dd/mm/yyyy HH:MM, whatever the language.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_decimal, get_locale, gettext, lazy_gettext
from flask_login import current_user

from contest.extensions import babel

_ = gettext
_l = lazy_gettext

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and cron jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    # Vietnamese first: English only when the visitor asked for it explicitly.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def to_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime) -> datetime:
    """Interpret a naive datetime typed in a form as Asia/Ho_Chi_Minh time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(ZoneInfo("UTC"))


def format_datetime_local(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def format_date_local(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime_local(value, with_time=False)
    return value.strftime("%d/%m/%Y")


def format_points(value: float | Decimal | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern)


def format_size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return ""
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            digits = 0 if unit == "B" else 1
            return f"{format_decimal(round(size, digits))} {unit}"
        size /= 1024
    return str(num_bytes)


def current_language() -> str:
    return str(get_locale() or "vi")


def localized(obj: object, field: str) -> str:
    """The English variant of ``field`` when English is chosen and filled, else the Vietnamese one."""
    if current_language() == "en":
        english = getattr(obj, f"{field}_en", None)
        if english:
            return english
    return getattr(obj, field) or ""


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.filters["dt"] = format_datetime_local
    app.jinja_env.filters["d"] = format_date_local
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.add_extension("jinja2.ext.i18n")

    @app.context_processor
    def _languages() -> dict[str, object]:
        # Mail rendered by CLI commands and cron jobs has no request.
        path = request.full_path.rstrip("?") if has_request_context() else "/"
        return {"languages": app.config["LANGUAGES"], "request_path": path}
