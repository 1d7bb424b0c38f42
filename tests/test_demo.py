"""The demo data tells a whole contest year: a finished 2024 edition and the 2025 edition in full swing."""

from __future__ import annotations

import re
from statistics import mean

import pytest
from sqlalchemy import func, select

from contest import votes
from contest.extensions import db
from contest.models import (
    Assignment,
    AuditEvent,
    Award,
    AwardApproval,
    Complaint,
    Edition,
    Entry,
    ResultSet,
    ResultStatus,
    Round,
    ScoreSheet,
    SheetStatus,
    User,
    VotingPeriod,
    utcnow,
)
from tests.factories import TEST_PASSWORD


@pytest.fixture
def demo(app):
    from contest.demo import DEMO_PASSWORD

    result = app.test_cli_runner().invoke(args=["contest", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD != TEST_PASSWORD
    return {e.slug: e for e in db.session.scalars(select(Edition))}


def _final_result(edition: Edition) -> ResultSet:
    return db.session.scalar(select(ResultSet).where(ResultSet.edition_id == edition.id,
                                                     ResultSet.status == ResultStatus.FINALIZED.value))


def test_visitor_sees_last_years_award_list_with_ranks_and_levels(demo, client):
    html = client.get("/ket-qua").get_data(as_text=True)
    assert demo["2024"].name in html
    assert "Giải Nhất" in html and "Giải Nhì" in html
    result_set = _final_result(demo["2024"])
    winners = [a for a in result_set.awards if a.level is not None]
    assert len(winners) >= 4
    for award in winners:
        assert award.entry.title in html
    assert re.search(r">\s*1\s*<", html), "the list shows ranks"


def test_visitor_finds_this_years_ballot_open_with_the_round_entries(demo, client):
    response = client.get("/binh-chon")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    period = db.session.scalar(select(VotingPeriod).join(Round).where(Round.edition_id == demo["2025"].id))
    assert period.frozen_at is None and len(period.ballot) >= 5
    for line in period.ballot:
        assert line.entry.title in html
    assert demo["2025"].status == "open"


def test_last_years_ranking_is_calibrated_from_six_judges_one_lenient_one_erratic(demo):
    from contest.demo import ERRATIC_JUDGE, JUDGES, LENIENT_JUDGE

    result_set = _final_result(demo["2024"])
    assert result_set.method == "calibrated" and len(result_set.input_hash) == 64
    final = result_set.round
    sheets = db.session.scalars(
        select(ScoreSheet).join(Assignment).where(Assignment.round_id == final.id,
                                                  ScoreSheet.status == SheetStatus.SUBMITTED.value)
    ).all()
    by_judge: dict[str, list[float]] = {}
    for sheet in sheets:
        total = sum(float(s.value) for s in sheet.scores)
        by_judge.setdefault(sheet.assignment.judge.email, []).append(total)
    assert len(by_judge) == 6
    lenient, erratic = JUDGES[LENIENT_JUDGE][0], JUDGES[ERRATIC_JUDGE][0]
    others = [mean(v) for k, v in by_judge.items() if k not in (lenient, erratic)]
    assert mean(by_judge[lenient]) > max(others)
    spread = {k: max(v) - min(v) for k, v in by_judge.items()}
    assert spread[erratic] > 0
    # The tally was frozen before the computation and its points are part of the frozen inputs.
    period = votes.period_for_round(final)
    assert period.frozen_at is not None and votes.verify_frozen_tally(period)
    assert any(a.vote_score for a in result_set.awards)


def test_last_years_awards_were_approved_published_a_complaint_settled_and_finalized_with_certificates(demo, app):
    from contest import exports

    result_set = _final_result(demo["2024"])
    winners = [a for a in result_set.awards if a.level is not None]
    members = db.session.scalar(select(func.count(User.id)).where(User.email.like("hd.%")))
    for award in winners:
        approvals = db.session.scalars(select(AwardApproval).where(AwardApproval.award_id == award.id)).all()
        assert len([a for a in approvals if a.decision == "approve"]) == members
        assert award.entry.status == "awarded"
    assert result_set.published_at is not None and result_set.finalized_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "result_sets",
                                                                       AuditEvent.object_id == result_set.id)))
    assert {"results.freeze", "results.publish", "results.finalize"} <= actions
    settled = db.session.scalars(select(Complaint).where(Complaint.result_set_id == result_set.id)).all()
    assert [c.status for c in settled] == ["rejected"] and settled[0].decision_reason
    with app.test_request_context("/"):
        pdf = exports.certificate_pdf(winners[0])
    assert pdf.startswith(b"%PDF")


def test_this_years_first_round_is_being_scored(demo):
    preliminary = demo["2025"].rounds[0]
    assert preliminary.status == "open"
    held = db.session.scalars(select(Assignment).where(Assignment.round_id == preliminary.id,
                                                       Assignment.state == "active")).all()
    assert len({a.judge_id for a in held}) >= 3
    statuses = [a.sheet.status if a.sheet else None for a in held]
    assert SheetStatus.DRAFT.value in statuses and SheetStatus.SUBMITTED.value in statuses and None in statuses
    assert db.session.scalar(select(func.count(Award.id)).join(ResultSet).where(
        ResultSet.edition_id == demo["2025"].id)) == 0


def test_last_years_showcase_and_certificates_are_public(demo, client):
    from contest.models import Certificate

    page = client.get("/ky-yeu/2024").get_data(as_text=True)
    assert 'data-test="showcase-item"' in page
    certificate = db.session.scalar(select(Certificate).where(Certificate.revoked_at.is_(None)))
    assert "Giấy chứng nhận hợp lệ" in client.get(f"/xac-minh/{certificate.code}").get_data(as_text=True)


def test_last_years_audit_log_tells_the_year_on_its_own_dates(demo):
    """Submissions, screening, scoring and advancement are dated when they happened in the story, in order."""
    past = demo["2024"]
    entry = db.session.scalar(select(Entry).where(Entry.edition_id == past.id).order_by(Entry.id).limit(1))
    timeline = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "entries",
                                                           AuditEvent.object_id == entry.id)
                                  .order_by(AuditEvent.id)).all()
    def naive(moment):  # SQLite hands back naive UTC, PostgreSQL aware UTC
        return moment.replace(tzinfo=None)

    dated = {e.action: naive(e.created_at) for e in timeline}
    submitted, screened = dated["entry.submitted"], dated["entry.screened"]
    assert submitted < screened < naive(past.rounds[0].opens_at)
    assert (naive(utcnow()) - submitted).days > 300  # last year, not the day the demo was written
    times = [naive(e.created_at) for e in timeline]
    assert times == sorted(times)
