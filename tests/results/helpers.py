"""Build scored rounds for the results tests: assignments, submitted sheets and criterion scores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    CriterionScore,
    Role,
    Round,
    ScoreSheet,
    SheetStatus,
    utcnow,
)
from tests.factories import make_edition, make_entry, make_user


def final_round(edition) -> Round:
    return edition.rounds[-1]


def split_points(total: float) -> tuple[Decimal, Decimal, Decimal]:
    """Spread an 80-point sheet total over the 20/30/30 criteria in half points."""
    share = Decimal(str(total)) / 80
    a = (share * 20 * 2).quantize(Decimal(1)) / 2
    b = (share * 30 * 2).quantize(Decimal(1)) / 2
    c = Decimal(str(total)) - a - b
    return a, b, c


def add_sheet(round_: Round, entry, judge, points, *, submitted: bool = True,
              comment: str | None = None, private_note: str | None = None) -> ScoreSheet:
    """One judge's sheet: ``points`` is a sheet total (split over criteria) or a 3-tuple."""
    if not isinstance(points, tuple):
        points = split_points(points)
    assignment = Assignment(round_id=round_.id, judge_id=judge.id, entry_id=entry.id,
                            state=AssignmentState.ACTIVE.value, published_at=utcnow())
    sheet = ScoreSheet(
        status=SheetStatus.SUBMITTED.value if submitted else SheetStatus.DRAFT.value,
        submitted_at=utcnow() if submitted else None,
        comment_to_applicant=comment,
        private_note=private_note,
    )
    sheet.scores = [
        CriterionScore(criterion_id=c.id, value=Decimal(str(v)))
        for c, v in zip(round_.criteria, points)
    ]
    assignment.sheet = sheet
    db.session.add(assignment)
    db.session.flush()
    return sheet


def make_judges(n: int) -> list:
    return [make_user(Role.JUDGE, full_name=f"Giám khảo Trần Thị {chr(65 + i)}") for i in range(n)]


def scored_contest(table: dict[str, dict[int, float]], *, titles: dict[str, str] | None = None,
                   category_code: str = "cntt", edition=None, n_judges: int | None = None,
                   comments: dict[tuple[str, int], str] | None = None,
                   notes: dict[tuple[str, int], str] | None = None):
    """``table``: entry label → {judge index: sheet total}. Returns (edition, round, entries, judges)."""
    edition = edition or make_edition()
    round_ = final_round(edition)
    n_judges = n_judges or (max(j for sheets in table.values() for j in sheets) + 1)
    judges = make_judges(n_judges)
    entries = {}
    for label, sheets in table.items():
        owner = make_user(Role.APPLICANT, full_name=f"Tác giả {label} Nguyễn Thị Hằng",
                          organization="Trường Đại học Thái Nguyên")
        entries[label] = make_entry(
            owner, edition, status="eligible", category_code=category_code,
            title=(titles or {}).get(label, f"Giải pháp {label}: máy sấy chè tiết kiệm điện"),
            organization="Trường Đại học Thái Nguyên",
        )
        for j, total in sheets.items():
            add_sheet(round_, entries[label], judges[j], total,
                      comment=(comments or {}).get((label, j)), private_note=(notes or {}).get((label, j)))
    db.session.commit()
    return edition, round_, entries, judges


def committee(edition, n: int = 3) -> list:
    from contest.approvals import add_committee_member

    members = [make_user(Role.COMMITTEE, full_name=f"Thành viên BTC {i + 1}") for i in range(n)]
    for m in members:
        add_committee_member(edition, m)
    db.session.commit()
    return members


def approve_all(result_set, members) -> None:
    """The list goes to the committee and every member approves every award's current revision."""
    from flask import current_app

    from contest.approvals import decide_award, send_for_approval, sent_at

    if sent_at(result_set) is None:
        with current_app.test_request_context("/"):
            send_for_approval(result_set)
    for award in result_set.awards:
        if award.level is None:
            continue
        for m in members:
            decide_award(award, m, "approve")
    db.session.commit()


def approved_result_set(round_: Round, organizer, members, **compute):
    """The round's result set computed (``compute`` as for ``compute_result_set``), frozen by
    ``organizer`` and approved by every member."""
    from contest import results

    result_set = results.compute_result_set(round_, **compute)
    results.freeze_result_set(result_set, organizer)
    db.session.commit()
    approve_all(result_set, members)
    return result_set


def later(days: int = 7):
    return utcnow() + timedelta(days=days)
