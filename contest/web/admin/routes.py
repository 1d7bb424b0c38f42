"""The organizers' (Ban tổ chức) pages, and the committee members' approvals."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from contest.access import roles_required
from contest.extensions import db
from contest.models import CommitteeMembership, Edition, Role
from contest.phases import current_edition, entry_tally, next_steps, standing_tally

bp = Blueprint("admin", __name__)



@bp.route("/")
@roles_required(Role.ORGANIZER)
def dashboard() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    tallies = {e.id: entry_tally(e.id) for e in editions}
    standings = {e.id: standing_tally(e.id) for e in editions}
    current = current_edition()
    steps = next_steps(current) if current is not None else []
    from contest.complaints import counts as complaint_counts

    return render_template(
        "admin/dashboard.html", editions=editions, tallies=tallies, standings=standings, current=current, steps=steps,
        complaint_counts={e.id: complaint_counts(e) for e in editions},
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
import contest.web.admin.approvals
import contest.web.admin.assignments
import contest.web.admin.audit
import contest.web.admin.certificates
import contest.web.admin.chairs
import contest.web.admin.complaints
import contest.web.admin.decisions
import contest.web.admin.editions
import contest.web.admin.entries
import contest.web.admin.judges
import contest.web.admin.organizations
import contest.web.admin.reports
import contest.web.admin.results
import contest.web.admin.rounds
import contest.web.admin.votes
