"""Languages (Vietnamese first, English available), time zone and formatting.

Times are stored in UTC and always shown in the contest's time zone
(Asia/Ho_Chi_Minh) as dd/mm/yyyy HH:MM, whatever the language.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_decimal, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user

from contest.extensions import babel
from contest.numbers import format_score, format_signed_score


def _translations():
    """The catalogue for the current locale, looked up once per request.

    Flask-Babel finds it through several context proxies and a locale-to-string conversion on every
    call, and a page translates a few hundred strings.  The result is kept beside Flask-Babel's own
    per-request state, tagged with the locale object it was found for, so ``force_locale`` (mail in
    the recipient's language) and a language switch are still honoured.
    """
    try:
        state = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no application context: Flask-Babel answers with the source strings
        return get_translations()
    if state is not None:
        known = state.__dict__.get("contest_translations")
        if known is not None and known[0] is state.__dict__.get("babel_locale"):
            return known[1]
    translations = get_translations()
    state = g.get("_flask_babel")
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.contest_translations = (state.babel_locale, translations)
    return translations


def gettext(string: str, **variables: object) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables: object) -> str:
    text = _translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: object) -> LazyString:
    return LazyString(gettext, string, **variables)


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


QUOTES = "“”\"«»"


def quoted(name: str) -> str:
    """``name`` between curly quotes, unless it already carries quotes of its own (a contest's name often quotes
    its motto): “Nhân bản Cuộc thi “Đổi mới sáng tạo” năm 2025”, never quotes nested in quotes of the same kind."""
    name = name or ""
    return name if any(q in name for q in QUOTES) else f"“{name}”"


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.filters["dt"] = format_datetime_local
    app.jinja_env.filters["d"] = format_date_local
    # Every score on every page and PDF goes through the one rounding rule of contest.numbers.
    app.jinja_env.filters["points"] = format_score
    app.jinja_env.filters["signed_points"] = format_signed_score
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["quoted"] = quoted
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )

    @app.context_processor
    def _languages() -> dict[str, object]:
        # Mail rendered by CLI commands and cron jobs has no request.
        path = request.full_path.rstrip("?") if has_request_context() else "/"
        return {"languages": app.config["LANGUAGES"], "request_path": path}
