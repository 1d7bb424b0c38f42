"""The organizers' (Ban tổ chức) pages, and the committee members' approvals."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from contest.access import roles_required
from contest.extensions import db
from contest.models import CommitteeMembership, Edition, Entry, Role

bp = Blueprint("admin", __name__)



@bp.route("/")
@roles_required(Role.ORGANIZER)
def dashboard() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    counts = dict(
        db.session.execute(select(Entry.edition_id, func.count(Entry.id)).group_by(Entry.edition_id)).all()
    )
    status_counts: dict[int, dict[str, int]] = {}
    for edition_id, status, n in db.session.execute(
        select(Entry.edition_id, Entry.status, func.count(Entry.id)).group_by(Entry.edition_id, Entry.status)
    ):
        status_counts.setdefault(edition_id, {})[status] = n
    return render_template(
        "admin/dashboard.html", editions=editions, counts=counts, status_counts=status_counts
    )


@bp.route("/hoi-dong")
@roles_required(Role.COMMITTEE, Role.ORGANIZER)
def committee_home() -> str:
    from contest import approvals

    memberships = db.session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.user_id == current_user.id)
    ).all()
    editions = [db.session.get(Edition, m.edition_id) for m in memberships]
    lists = []
    for rs in approvals.sent_result_sets(current_user):
        awards = approvals.proposed_awards(rs)
        mine = sum(
            1 for a in awards
            if any(d.member_id == current_user.id for d in approvals.current_decisions(a))
        )
        lists.append({"rs": rs, "awards": len(awards), "decided": mine,
                      "open": approvals.is_open_for_decisions(rs), "sent_at": approvals.sent_at(rs)})
    return render_template("admin/committee_home.html", editions=editions, lists=lists)


# Each area of the organizers' work keeps its routes in its own module, registered on ``bp`` when imported.
import contest.web.admin.approvals  # noqa: E402,F401
import contest.web.admin.assignments  # noqa: E402,F401
import contest.web.admin.audit  # noqa: E402,F401
import contest.web.admin.chairs  # noqa: E402,F401
import contest.web.admin.editions  # noqa: E402,F401
import contest.web.admin.entries  # noqa: E402,F401
import contest.web.admin.judges  # noqa: E402,F401
import contest.web.admin.reports  # noqa: E402,F401
import contest.web.admin.results  # noqa: E402,F401
import contest.web.admin.rounds  # noqa: E402,F401
import contest.web.admin.votes  # noqa: E402,F401
