"""Who judges what in a round: running the assignment engine, adjusting, publishing, filling holes.

The maths lives in :mod:`judging.assign`; this module turns rows into the
engine's arrays and its answer back into :class:`Assignment` rows.

Life of a pair: a run (or a hand adjustment) creates it PROPOSED; publishing
makes it ACTIVE and emails the judge; it ends CANCELLED (an organizer removed
it, or the judge was deactivated) or RECUSED (the judge declared a conflict).
Ended rows stay for the record and are never re-created by the engine.
"""

from __future__ import annotations

from flask_login import current_user

from contest import audit
from contest.extensions import db
from contest.models import Assignment, AssignmentState, User, utcnow

IN_FORCE = (AssignmentState.PROPOSED.value, AssignmentState.ACTIVE.value)
ENDED = (AssignmentState.CANCELLED.value, AssignmentState.RECUSED.value)


class AssignmentError(Exception):
    """A request the assignment rules refuse; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def _actor(actor: User | None) -> User | None:
    if actor is not None:
        return actor
    try:
        if current_user and current_user.is_authenticated:
            return current_user._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:  # outside a request
        return None
    return None


def assignment_json(assignment: Assignment) -> dict[str, object]:
    return {
        "round_id": assignment.round_id,
        "entry_id": assignment.entry_id,
        "judge_id": assignment.judge_id,
        "state": assignment.state,
        "manual": assignment.manual,
    }


def cancel_assignment(
    assignment: Assignment,
    reason: str | None = None,
    actor: User | None = None,
    *,
    state: AssignmentState = AssignmentState.CANCELLED,
) -> Assignment:
    """End a pair: ``CANCELLED`` (organizer, deactivation) or ``RECUSED`` (the judge's conflict).

    The row stays, with when and why it ended; the judge loses access at once.
    Ending an already ended pair changes nothing (double submits are harmless).
    The hole it leaves is filled by :func:`fill_holes`.
    """
    state = AssignmentState(state)
    if state.value not in ENDED:
        raise ValueError(f"an assignment ends as cancelled or recused, not {state.value}")
    if assignment.state in ENDED:
        return assignment
    before = assignment_json(assignment)
    assignment.state = state.value
    assignment.ended_at = utcnow()
    assignment.end_reason = reason
    db.session.flush()
    audit.record(
        "assignment.recused" if state == AssignmentState.RECUSED else "assignment.cancelled",
        assignment,
        actor=_actor(actor),
        before=before,
        after=assignment_json(assignment),
        reason=reason,
    )
    return assignment
