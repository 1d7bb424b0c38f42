"""The judge's pages: only the entries assigned to them."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from contest.access import roles_required
from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    ConflictOfInterest,
    Entry,
    Role,
    Round,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    utcnow,
)

bp = Blueprint("judge", __name__)


@cache
def _work_query() -> Select:
    """A judge's active assignments in OPEN rounds, with their sheets, and what the conflict check and the
    list read, in a few queries.  Built once: composing it with its options costs more than running it."""
    return (
        select(Assignment, ScoreSheet)
        .join(Round, Round.id == Assignment.round_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.judge_id == bindparam("judge_id"),
            Assignment.state == AssignmentState.ACTIVE.value,
            Round.status == RoundStatus.OPEN.value,
        )
        .order_by(Round.position, Assignment.id)
        .options(
            contains_eager(Assignment.round),
            lazyload(ScoreSheet.scores),  # the list shows each sheet's status, not its scores
            joinedload(Assignment.entry).joinedload(Entry.category),
            joinedload(Assignment.entry).selectinload(Entry.members),
            joinedload(Assignment.entry).selectinload(Entry.conflict_declarations),
        )
    )


@bp.route("/")
@roles_required(Role.JUDGE)
def dashboard() -> str:
    """The judge's work: active assignments in each OPEN round, with status, deadline and progress."""
    from contest.conflicts import ConflictContext, conflict_reasons
    from contest.web.judge.scoring import time_left

    now = utcnow()
    judge = current_user._get_current_object()  # read many times below: not through the proxy each time
    rows = db.session.execute(_work_query(), {"judge_id": judge.id}).all()
    context = ConflictContext.for_judges([judge])
    rounds: dict[int, dict] = {}
    for assignment, sheet in rows:
        if conflict_reasons(judge, assignment.entry, context.declared[judge.id], context):
            continue  # a conflict found after assignment hides the entry until organizers resolve it
        r = assignment.round
        deadline = r.scoring_deadline or r.closes_at
        group = rounds.setdefault(
            r.id,
            {"round": r, "items": [], "submitted": 0, "drafts": 0, "deadline": deadline,
             "left": time_left(deadline, now), "open": r.scoring_open(now)},
        )
        status = sheet.status if sheet else "none"
        group["items"].append({"assignment": assignment, "sheet": sheet, "status": status})
        group["submitted"] += status == SheetStatus.SUBMITTED.value
        group["drafts"] += status == SheetStatus.DRAFT.value
    for group in rounds.values():
        group["total"] = len(group["items"])
        group["percent"] = round(100 * group["submitted"] / group["total"]) if group["total"] else 0
    from contest.reviews import chaired_result_sets

    return render_template("judge/dashboard.html", groups=list(rounds.values()),
                           chaired_sets=len(chaired_result_sets(current_user)))


# The judge's profile, scoring and chair pages live in their own modules, registered on ``bp`` when imported.
import contest.web.judge.chair
import contest.web.judge.profile
import contest.web.judge.scoring
