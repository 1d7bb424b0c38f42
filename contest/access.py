"""Accounts: login manager wiring and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import LoginManager, current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from contest.extensions import db
from contest.i18n import _l
from contest.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


@cache
def _account_query() -> Select:
    # Built once: composing a statement with loader options costs more than running it from the cache.
    return (
        select(User)
        .where(User.id == bindparam("user_id"))
        .options(joinedload(User.role_rows), joinedload(User.judge_profile))
    )


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the session version: after a password change, old sessions fail here.
        try:
            raw_id, raw_version = user_id.split(":", 1)
            uid, version = int(raw_id), int(raw_version)
        except ValueError:
            return None
        # One query for the account, its roles and (for judges) the profile the conflict check reads:
        # this runs on every signed-in request.
        user = (
            db.session.execute(_account_query(), {"user_id": uid})
            .unique()  # one row per role: all of them fill the collection
            .scalar_one_or_none()
        )
        if user is None or user.session_version != version or not user.active:
            return None
        return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to logged-in users holding one of ``roles`` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask import current_app

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
