"""A panel's chair settles every flagged entry before the award list goes to the committee."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import select

from contest import results, reviews
from contest.approvals import ApprovalError, send_for_approval
from contest.extensions import db
from contest.models import AuditEvent, Role
from tests.factories import make_user
from tests.results.helpers import committee
from tests.reviews.helpers import flagged_result_set


def _award(rs, entry):
    return next(a for a in rs.awards if a.entry_id == entry.id)


def test_entry_with_an_outlying_sheet_awaits_the_chairs_decision(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    pending = {int(r["entry_id"]): r for r in reviews.pending_reviews(rs)}
    assert "outlying_sheet" in reviews.review_flags(pending[entries["A"].id])


def test_chair_excluding_the_outlying_sheet_lifts_the_entry_above_its_rival(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    a, b = _award(rs, entries["A"]), _award(rs, entries["B"])
    assert (a.rank, b.rank) == (2, 1)
    factor = Decimal(str(rs.payload["scale"])) / 80

    reviews.record_chair_decision(rs, entries["A"].id, "exclude_sheet", judges[0], judge_id=judges[4].id,
                                  reason="Giám khảo chấm nhầm tiêu chí hiệu quả kinh tế – xã hội")
    db.session.commit()

    assert a.expert_score == Decimal("78") * factor  # the plain mean of the four other sheets
    assert a.total_score == a.expert_score  # no public vote in this edition
    assert (a.rank, b.rank) == (1, 2)
    row = next(r for r in rs.payload["rows"] if r["entry_id"] == str(entries["A"].id))
    assert row["chair_decision"]["decision"] == "exclude_sheet"
    assert row["engine_expert_score"] == pytest.approx(72 * float(factor))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.chair_decision")).one()
    assert event.actor_id == judges[0].id
    assert event.after["judge_id"] == judges[4].id and "nhầm tiêu chí" in event.reason


def test_keeping_the_computed_value_changes_nothing_but_settles_the_flag(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    before = {a.entry_id: (a.rank, a.expert_score) for a in rs.awards}
    for row in reviews.pending_reviews(rs):
        reviews.record_chair_decision(rs, int(row["entry_id"]), "keep", judges[0])
    db.session.commit()
    assert {a.entry_id: (a.rank, a.expert_score) for a in rs.awards} == before
    assert reviews.pending_reviews(rs) == []


def test_sending_to_the_committee_is_refused_until_every_flagged_entry_has_a_decision(app):
    rs, entries, judges, organizer = flagged_result_set()
    committee(rs.edition)
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    with current_app.test_request_context("/"), pytest.raises(ApprovalError) as refused:
        send_for_approval(rs)
    assert "Chủ tịch hội đồng chưa quyết định" in refused.value.message
    assert entries["A"].reference_code in refused.value.message
    for row in reviews.pending_reviews(rs):
        reviews.record_chair_decision(rs, int(row["entry_id"]), "plain_mean", judges[0])
    with current_app.test_request_context("/"):
        assert send_for_approval(rs) == 3


def test_only_the_appointed_chair_may_decide(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    with pytest.raises(reviews.ReviewError) as refused:
        reviews.record_chair_decision(rs, entries["A"].id, "keep", judges[1])
    assert refused.value.status == 403
    assert reviews.decisions_of(rs) == {}


def test_excluding_a_sheet_without_a_reason_is_refused_and_nothing_changes(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    with pytest.raises(reviews.ReviewError) as refused:
        reviews.record_chair_decision(rs, entries["A"].id, "exclude_sheet", judges[0], judge_id=judges[4].id,
                                      reason="   ")
    assert "lý do" in refused.value.message
    assert reviews.decisions_of(rs) == {}


def test_asking_a_judge_to_review_mails_them_and_keeps_the_value(app, mailbox):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    score = _award(rs, entries["A"]).expert_score
    reviews.record_chair_decision(rs, entries["A"].id, "ask_review", judges[0], judge_id=judges[4].id,
                                  reason="Đề nghị kiểm tra lại điểm tiêu chí khả năng áp dụng")
    reviews.record_chair_decision(rs, entries["A"].id, "ask_review", judges[0], judge_id=judges[4].id,
                                  reason="Đề nghị kiểm tra lại điểm tiêu chí khả năng áp dụng")  # a double submit
    db.session.commit()
    assert _award(rs, entries["A"]).expert_score == score
    assert [m.recipients for m in mailbox] == [[judges[4].email]]
    assert entries["A"].reference_code in mailbox[0].body


def test_organizer_cannot_appoint_someone_who_is_not_a_judge(app):
    rs, entries, judges, organizer = flagged_result_set()
    applicant = make_user(Role.APPLICANT, full_name="Người dự thi Hoàng Văn Bình")
    with pytest.raises(reviews.ReviewError):
        reviews.appoint_chair(rs.round, None, applicant, actor=organizer)
    assert reviews.chair_of(rs.round) is None


def test_appointing_another_chair_replaces_the_first_and_is_audited(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    reviews.appoint_chair(rs.round, None, judges[1], actor=organizer)
    db.session.commit()
    assert reviews.chair_of(rs.round).user_id == judges[1].id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.chair_appointed")).all()
    assert [e.after["user_id"] for e in events] == [judges[0].id, judges[1].id]


def test_the_recompute_check_still_matches_after_the_chair_moved_an_entry(app):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    reviews.record_chair_decision(rs, entries["A"].id, "exclude_sheet", judges[0], judge_id=judges[4].id,
                                  reason="Giám khảo chấm nhầm tiêu chí")
    db.session.commit()
    assert _award(rs, entries["A"]).rank == 1
    assert results.recompute_check(rs).differences == []


def test_a_chairs_plain_mean_goes_through_the_same_scale_mapping_as_every_published_score(app):
    from tests.results.helpers import scored_contest

    harsh = {"X": {0: 78, 1: 79, 2: 80}, "Y": {0: 60, 3: 75}, "Z": {1: 62, 3: 76, 4: 70}, "W": {2: 61, 4: 72}}
    edition, round_, entries, judges = scored_contest(harsh)
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, actor=organizer)
    mapping = rs.payload["scale_mapping"]
    assert mapping["identity"] is False
    reviews.appoint_chair(round_, None, judges[0], actor=organizer)
    row = reviews.flagged_rows(rs)[0]
    reviews.record_chair_decision(rs, int(row["entry_id"]), "plain_mean", judges[0])
    decided = next(r for r in rs.payload["rows"] if r["entry_id"] == row["entry_id"])
    expected = (row["plain_mean"] - mapping["low"]) * mapping["scale"] / (mapping["high"] - mapping["low"])
    assert decided["expert_score"] == pytest.approx(expected)


def test_once_the_list_is_with_the_committee_the_chair_can_no_longer_change_a_score(app):
    rs, entries, judges, organizer = flagged_result_set()
    committee(rs.edition)
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    for row in reviews.pending_reviews(rs):
        reviews.record_chair_decision(rs, int(row["entry_id"]), "keep", judges[0])
    with current_app.test_request_context("/"):
        send_for_approval(rs)
    score = _award(rs, entries["A"]).expert_score
    with pytest.raises(reviews.ReviewError) as refused:
        reviews.record_chair_decision(rs, entries["A"].id, "exclude_sheet", judges[0], judge_id=judges[4].id,
                                      reason="Giám khảo chấm nhầm tiêu chí")
    assert refused.value.status == 409
    assert _award(rs, entries["A"]).expert_score == score
