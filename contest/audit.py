"""Writing audit events: operations call :func:`record` for every state change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from contest.extensions import db
from contest.models import AuditEvent, User


def jsonable(value: Any) -> Any:
    """``value`` as an audit record (or a JSON export) keeps it: times as ISO text, decimals as text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def client_ip() -> str | None:
    if not has_request_context():
        return None
    # Behind the reverse proxy, ProxyFix has already put the client address here.
    return request.remote_addr


def record(
    action: str,
    obj: Any = None,
    *,
    actor: User | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the rest of the request)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()  # type: ignore[attr-defined]
    if obj is not None:
        db.session.flush()  # new objects need their id before it is recorded
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type or "system",
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
        ip=client_ip(),
    )
    db.session.add(event)
    return event
