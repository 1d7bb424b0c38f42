"""Who may see an entry and its files: the one place that decides.

Other areas (the judges' scoring pages, the organizers' pages) call these instead of repeating the rules:

* ``can_view_entry(user, entry, now=None)`` — the entry's owner, an author whose account is linked to the entry,
  an organizer, or a judge with an ACTIVE assignment to the entry in a round that is OPEN (and not conflicted).
* ``can_edit_entry(user, entry)`` — only the owner (whether the entry is still editable is a separate,
  phase-dependent question: ``contest.entries.operations.edit_problem``).
* ``get_entry_for(user, entry_id, edit=False)`` — the entry, 404 if missing or not visible, 403 if visible but
  ``edit`` is asked and the user may not edit it.
* ``get_attachment_for(user, attachment_id)`` — the attachment, 404 if missing or its entry is not visible.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from contest.conflicts import is_conflicted
from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    Attachment,
    Entry,
    Role,
    Round,
    RoundStatus,
    User,
)


def _is_user(user: object) -> bool:
    return isinstance(user, User) or bool(getattr(user, "is_authenticated", False) and hasattr(user, "id"))


def is_author(user: User, entry: Entry) -> bool:
    return entry.owner_id == user.id or any(m.user_id == user.id for m in entry.members)


def judge_may_view(user: User, entry: Entry) -> bool:
    """An ACTIVE assignment to this entry in an OPEN round, and no conflict of interest."""
    assigned = db.session.scalar(
        select(Assignment.id)
        .join(Round, Round.id == Assignment.round_id)
        .where(
            Assignment.entry_id == entry.id,
            Assignment.judge_id == user.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            Round.status == RoundStatus.OPEN.value,
        )
        .limit(1)
    )
    return assigned is not None and not is_conflicted(user, entry)


def can_view_entry(user: object, entry: Entry) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_author(user, entry):  # type: ignore[arg-type]
        return True
    if user.has_role(Role.ORGANIZER):  # type: ignore[attr-defined]
        return True
    return user.has_role(Role.JUDGE) and judge_may_view(user, entry)  # type: ignore[attr-defined]


def can_edit_entry(user: object, entry: Entry) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and entry.owner_id == user.id  # type: ignore[attr-defined]


def get_entry_for(user: object, entry_id: int, *, edit: bool = False) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or not can_view_entry(user, entry):
        abort(404)
    if edit and not can_edit_entry(user, entry):
        abort(403)
    return entry


def get_attachment_for(user: object, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may read it; 404 for everyone else (its existence is not revealed)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_entry(user, attachment.entry):
        abort(404)
    return attachment
