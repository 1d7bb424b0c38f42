"""Builders for approval tests: a computed result set with awards and a committee."""

from __future__ import annotations

from decimal import Decimal

from contest import approvals
from contest.extensions import db
from contest.models import Award, ResultSet, Role
from tests.factories import make_edition, make_entry, make_user


def result_set_with_awards(n_awards: int = 2, n_members: int = 3, *, sent: bool = True):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    levels = sorted(edition.award_levels, key=lambda lv: lv.position)
    rs = ResultSet(edition_id=edition.id, round_id=edition.rounds[-1].id, method="calibrated",
                   engine_version="1", payload={})
    for i in range(n_awards + 1):  # one more line without a prize
        entry = make_entry(owner, edition, status="eligible", title=f"Giải pháp {i + 1}")
        rs.awards.append(Award(
            entry_id=entry.id, rank=i + 1, expert_score=Decimal("70.5") - i, vote_score=Decimal("12.3"),
            total_score=Decimal("82.8") - i, computed_level_id=levels[min(i, len(levels) - 1)].id
            if i < n_awards else None,
        ))
    db.session.add(rs)
    db.session.commit()
    organizer = make_user(Role.ORGANIZER)
    members = [make_user(Role.APPLICANT, full_name=f"Thành viên BTC {i + 1}") for i in range(n_members)]
    for m in members:
        approvals.add_committee_member(edition, m, "Ủy viên", actor=organizer)
    if sent and members:
        send(rs, organizer)
    db.session.commit()
    return rs, members, organizer


def send(rs, organizer):
    """Send the list as the organizer's request would (mail templates need a request context)."""
    from flask import current_app

    with current_app.test_request_context():
        return approvals.send_for_approval(rs, actor=organizer)
