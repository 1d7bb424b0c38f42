"""The committee approves each award: two thirds of its members, revisions, publication blockers."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from contest import approvals
from contest.extensions import db
from contest.models import AuditEvent, Role
from tests.approvals.helpers import result_set_with_awards, send
from tests.factories import make_user


@pytest.mark.parametrize(("members", "needed"), [(3, 2), (4, 3), (5, 4), (7, 5), (9, 6)])
def test_award_is_approved_exactly_at_two_thirds_of_members(app, members: int, needed: int) -> None:
    rs, people, _org = result_set_with_awards(1, members)
    award = approvals.proposed_awards(rs)[0]
    for i, person in enumerate(people[:needed]):
        assert approvals.summarize(award).still_needed == needed - i
        assert award.approval_state == "pending"
        approvals.decide_award(award, person, "approve")
        db.session.commit()
    assert approvals.summarize(award).still_needed == 0
    assert award.approval_state == "approved"
    assert approvals.publication_blockers(rs) == []


def test_one_approval_short_keeps_the_award_pending_with_the_number_missing(app) -> None:
    rs, people, _org = result_set_with_awards(2, 4)
    first, second = approvals.proposed_awards(rs)
    for person in people[:3]:
        approvals.decide_award(first, person, "approve")
    approvals.decide_award(second, people[0], "approve")
    db.session.commit()
    blockers = approvals.publication_blockers(rs)
    assert blockers == [f"Giải Nhì – {second.entry.reference_code}: còn thiếu 2 phiếu phê duyệt"] or \
        blockers == [f"{second.level.name} – {second.entry.reference_code}: còn thiếu 2 phiếu phê duyệt"]


def test_rejections_that_make_approval_impossible_block_publication(app) -> None:
    rs, people, _org = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    approvals.decide_award(award, people[0], "reject", "Hồ sơ chưa chứng minh hiệu quả")
    approvals.decide_award(award, people[1], "reject")
    db.session.commit()
    assert award.approval_state == "rejected"
    (reason,) = approvals.publication_blockers(rs)
    assert "bị từ chối" in reason and award.entry.reference_code in reason


def test_member_can_change_their_decision_and_it_is_audited(app) -> None:
    rs, people, _org = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    approvals.decide_award(award, people[0], "reject", "Chưa rõ")
    approvals.decide_award(award, people[0], "approve", "Đã xem lại")
    db.session.commit()
    summary = approvals.summarize(award)
    assert (summary.approvals, summary.rejections) == (1, 0)
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == "awards", AuditEvent.object_id == award.id)
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["award.rejected", "award.approved"]
    assert events[1].before == {"decision": "reject", "comment": "Chưa rõ"}
    assert events[1].actor_id == people[0].id and events[1].reason == "Đã xem lại"


def test_replacing_one_award_reopens_only_that_award(app) -> None:
    rs, people, _org = result_set_with_awards(2, 3)
    first, second = approvals.proposed_awards(rs)
    for person in people:
        approvals.decide_award(first, person, "approve")
        approvals.decide_award(second, person, "approve")
    db.session.commit()
    assert approvals.publication_blockers(rs) == []
    # The results work replaces the second award: new level, revision bumped.
    second.override_level_id = first.computed_level_id
    second.overridden = True
    second.override_reason = "Hội đồng đề nghị nâng giải"
    second.revision += 1
    approvals.reopen_award(second)
    db.session.commit()
    assert first.approval_state == "approved"
    assert second.approval_state == "pending"
    assert approvals.summarize(second).approvals == 0
    assert len(approvals.publication_blockers(rs)) == 1
    approvals.decide_award(second, people[0], "approve")
    approvals.decide_award(second, people[1], "approve")
    db.session.commit()
    assert approvals.publication_blockers(rs) == []
    # Decisions on the old revision stay in the record.
    assert {a.revision for a in second.approvals} == {1, 2}


def test_no_committee_members_blocks_publication(app) -> None:
    rs, _people, _org = result_set_with_awards(1, 0, sent=False)
    assert approvals.publication_blockers(rs) == [
        "Ban tổ chức chưa có thành viên nào để phê duyệt danh sách giải."]


def test_a_list_without_prizes_has_nothing_to_approve(app) -> None:
    rs, _people, _org = result_set_with_awards(0, 0, sent=False)
    assert approvals.publication_blockers(rs) == []


def test_non_member_cannot_decide(app) -> None:
    rs, _people, _org = result_set_with_awards(1, 3)
    outsider = make_user(Role.COMMITTEE)
    with pytest.raises(approvals.ApprovalError) as err:
        approvals.decide_award(approvals.proposed_awards(rs)[0], outsider, "approve")
    assert err.value.status == 403


def test_decisions_wait_until_the_list_is_sent_and_stop_after_publication(app) -> None:
    rs, people, _org = result_set_with_awards(1, 3, sent=False)
    award = approvals.proposed_awards(rs)[0]
    with pytest.raises(approvals.ApprovalError) as err:
        approvals.decide_award(award, people[0], "approve")
    assert err.value.status == 409
    rs.status = "published"
    rs.input_hash = "0" * 64
    db.session.commit()
    with pytest.raises(approvals.ApprovalError):
        send(rs, None)


def test_sending_mails_every_member_and_is_audited(app, mailbox) -> None:
    rs, people, organizer = result_set_with_awards(2, 3, sent=False)
    assert send(rs, organizer) == 3
    db.session.commit()
    assert sorted(m.recipients[0] for m in mailbox) == sorted(p.email for p in people)
    assert "Mỗi giải cần ít nhất 2 trên 3 thành viên phê duyệt" in mailbox[0].body
    assert approvals.sent_at(rs) is not None
    assert approvals.sent_result_sets(people[0]) == [rs]


def test_sending_is_state_in_a_column_and_history_in_the_audit(app) -> None:
    rs, people, organizer = result_set_with_awards(1, 3, sent=False)
    assert rs.sent_for_approval_at is None and approvals.sent_result_sets(people[0]) == []
    send(rs, organizer)
    db.session.commit()
    sent = rs.sent_for_approval_at
    assert sent is not None and approvals.sent_at(rs) == sent
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == approvals.SENT_ACTION)) is not None
    # Trimming the audit log (retention, a restore of another table) changes no state.
    db.session.execute(delete(AuditEvent))
    db.session.commit()
    assert approvals.sent_at(rs) == sent and approvals.sent_result_sets(people[0]) == [rs]
    award = approvals.proposed_awards(rs)[0]
    approvals.decide_award(award, people[0], "approve")  # decisions are open: the list was sent


def test_removing_a_member_changes_the_requirement_and_role(app) -> None:
    rs, people, organizer = result_set_with_awards(1, 4)
    award = approvals.proposed_awards(rs)[0]
    approvals.decide_award(award, people[0], "approve")
    approvals.decide_award(award, people[1], "approve")
    db.session.commit()
    assert approvals.summarize(award).still_needed == 1  # 3 of 4
    membership = approvals.committee(rs.edition)[3]
    removed = membership.user
    approvals.remove_committee_member(membership, actor=organizer)
    db.session.commit()
    assert not removed.has_role(Role.COMMITTEE)
    assert approvals.summarize(award).still_needed == 0  # 2 of 3
    assert award.approval_state == "approved"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "committee.member_removed"))


def test_adding_the_same_member_twice_is_refused(app) -> None:
    rs, people, organizer = result_set_with_awards(1, 1, sent=False)
    with pytest.raises(approvals.ApprovalError) as err:
        approvals.add_committee_member(rs.edition, people[0], actor=organizer)
    assert err.value.status == 409
    assert people[0].has_role(Role.COMMITTEE)
