"""Freezing, overrides, approval, publication, the complaint period, finalization and corrections."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contest import results
from contest.extensions import db
from contest.models import AuditEvent, ResultSet, ResultStatus, Role, utcnow
from tests.factories import make_user
from tests.results.helpers import approve_all, approved_result_set, committee, later, scored_contest
from tests.results.test_compute import LENIENT


def _setup(minimum: str = "50"):
    edition, round_, entries, judges = scored_contest(
        LENIENT,
        comments={("A", 0): "Giải pháp có tính ứng dụng cao ở các hợp tác xã chè."},
        notes={("A", 0): "GHI CHÚ NỘI BỘ: không công khai"},
    )
    for level in edition.award_levels:
        level.min_score = Decimal(minimum)
    db.session.commit()
    return edition, round_, entries, judges


def _award(rs, entry):
    return next(a for a in rs.awards if a.entry_id == entry.id)


def _level(edition, position):
    return next(lv for lv in edition.award_levels if lv.position == position)


def test_whole_path_from_sheets_to_published_list(app, mailbox):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 3)
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    db.session.commit()

    # Nothing has been approved: publication is refused with the committee's reasons.
    with pytest.raises(results.PublicationBlocked) as blocked:
        results.publish_results(rs, actor=organizer)
    assert blocked.value.reasons and "phê duyệt" in blocked.value.message
    db.session.rollback()
    assert rs.status == ResultStatus.FROZEN

    approve_all(rs, members)
    ends = later(7)
    results.publish_results(rs, ends, actor=organizer)
    db.session.commit()
    assert rs.status == ResultStatus.PUBLISHED
    assert rs.complaint_ends_at == ends
    # One mail per entry owner, with the level and the link to their own result.
    owners = {e.owner.email for e in entries.values()}
    result_mails = [m for m in mailbox if set(m.recipients) & owners]
    assert len(result_mails) == len(entries)
    mail_a = next(m for m in result_mails if entries["A"].owner.email in m.recipients)
    assert "Giải Nhất" in mail_a.body and f"/ket-qua/bai/{entries['A'].id}" in mail_a.body
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_type="result_sets",
                                                                         object_id=rs.id)]
    assert {"results.compute", "results.freeze", "results.publish"} <= set(actions)

    # Before the complaint period ends it cannot be finalized.
    with pytest.raises(results.ResultError):
        results.finalize_results(rs, organizer)
    results.finalize_results(rs, organizer, now=ends + timedelta(minutes=1))
    db.session.commit()
    assert rs.status == ResultStatus.FINALIZED


def test_override_needs_a_reason_is_audited_and_reopens_only_that_award(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 3)
    rs = approved_result_set(round_, organizer, members, actor=organizer)
    assert results_blockers(rs) == []

    award_c = _award(rs, entries["C"])
    with pytest.raises(results.ResultError) as error:
        results.override_award_level(award_c, _level(edition, 3), "   ", organizer)
    assert error.value.status == 422
    db.session.rollback()

    results.override_award_level(award_c, _level(edition, 3), "Hội đồng xét lại hiệu quả thực tế", organizer)
    db.session.commit()
    assert award_c.overridden and award_c.level.position == 3 and award_c.computed_level.position == 2
    event = db.session.query(AuditEvent).filter_by(action="results.override", object_id=award_c.id).one()
    assert event.reason == "Hội đồng xét lại hiệu quả thực tế"
    assert event.actor_id == organizer.id
    assert event.before["level_id"] == _level(edition, 2).id and event.after["level_id"] == _level(edition, 3).id
    # Only the changed award waits for the committee again.
    blockers = results_blockers(rs)
    assert len(blockers) == 1 and entries["C"].reference_code in blockers[0]
    # An override to "no award" is allowed too, with its reason.
    results.override_award_level(_award(rs, entries["F"]), None, "Vi phạm quyền tác giả", organizer)
    db.session.commit()
    assert _award(rs, entries["F"]).level is None


def results_blockers(rs):
    from contest.approvals import publication_blockers

    return publication_blockers(rs)


def test_tie_at_boundary_is_decided_by_the_council(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, method="raw", actor=organizer)
    db.session.commit()
    a, c = _award(rs, entries["A"]), _award(rs, entries["C"])
    assert "tie_at_boundary" in a.flags and "tie_at_boundary" in c.flags
    results.override_award_level(c, _level(edition, 2), "Hội đồng biểu quyết: A giữ Giải Nhất", organizer)
    db.session.commit()
    assert a.level.position == 1 and c.level.position == 2


def test_finalized_results_are_immutable(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer)
    results.finalize_results(rs, organizer)
    db.session.commit()
    winners = {a.entry.reference_code for a in rs.awards if a.level is not None}
    assert winners and all(a.entry.status == "awarded" for a in rs.awards if a.level is not None)
    assert all(a.entry.status != "awarded" for a in rs.awards if a.level is None)

    award = _award(rs, entries["B"])
    with pytest.raises(results.ResultError):
        results.override_award_level(award, _level(edition, 1), "đổi giải", organizer)
    with pytest.raises(results.ImmutableResult):
        results.unpublish_results(rs, "lý do", organizer)
    # Even a direct edit of the rows is refused at flush time.
    award.total_score = Decimal("79.000")
    with pytest.raises(results.ImmutableResult):
        db.session.flush()
    db.session.rollback()
    rs.list_non_winners = True
    with pytest.raises(results.ImmutableResult):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(ResultSet, rs.id).list_non_winners is False


def test_unpublish_only_before_finalization_and_with_a_reason(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 2)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, later(3), actor=organizer, notify=False)
    db.session.commit()
    with pytest.raises(results.ResultError):
        results.unpublish_results(rs, "", organizer)
    results.unpublish_results(rs, "Sai sót tên tác giả", organizer)
    db.session.commit()
    assert rs.status == ResultStatus.FROZEN and rs.published_at is None


def test_correction_creates_a_linked_set_and_supersedes_the_old_one(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 3)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    results.finalize_results(rs, organizer)
    db.session.commit()

    with pytest.raises(results.ResultError):
        results.create_correction(rs, "", organizer)
    new = results.create_correction(rs, "Thu hồi giải do vi phạm quyền tác giả", organizer)
    db.session.commit()
    assert new.supersedes_id == rs.id and new.status == ResultStatus.COMPUTED
    assert rs.status == ResultStatus.SUPERSEDED
    assert [(a.entry_id, a.level.id if a.level else None) for a in new.awards] == \
        [(a.entry_id, a.level.id if a.level else None) for a in rs.awards]
    assert new.input_hash == rs.input_hash
    # The correction follows the same path: override, freeze, approval, publication.
    results.override_award_level(_award(new, entries["B"]), None, "Thu hồi giải", organizer)
    results.freeze_result_set(new, organizer)
    approve_all(new, members)
    results.publish_results(new, actor=organizer, notify=False)
    db.session.commit()
    assert new.status == ResultStatus.PUBLISHED
    assert db.session.query(AuditEvent).filter_by(action="results.correction", object_id=new.id).count() == 1


def test_recomputed_correction_uses_current_sheets(app):
    edition, round_, entries, judges = _setup()
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, method="raw")
    results.freeze_result_set(rs, organizer)
    results.publish_results(rs, actor=organizer, notify=False) if not results_blockers(rs) else None
    members = committee(edition, 1)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    db.session.commit()
    new = results.create_correction(rs, "Tính lại sau phúc khảo", organizer, recompute=True)
    db.session.commit()
    assert new.method == "raw" and new.supersedes_id == rs.id
    assert results.recompute_check(new).matches


def test_second_publication_of_the_same_scope_is_refused(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    first = results.compute_result_set(round_)
    results.freeze_result_set(first, organizer)
    second = results.compute_result_set(round_)
    assert second.id != first.id
    results.freeze_result_set(second, organizer)
    for rs in (first, second):
        approve_all(rs, members)
    results.publish_results(first, actor=organizer, notify=False)
    db.session.commit()
    with pytest.raises(results.ResultError) as error:
        results.publish_results(second, actor=organizer, notify=False)
    assert error.value.status == 409


def test_publish_needs_a_frozen_set_and_a_future_complaint_date(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_)
    with pytest.raises(results.ResultError):
        results.publish_results(rs, actor=organizer)
    results.freeze_result_set(rs, organizer)
    with pytest.raises(results.ResultError) as error:
        results.publish_results(rs, utcnow() - timedelta(hours=1), actor=organizer)
    assert error.value.status == 422


def test_finalize_due_finalizes_only_ended_complaint_periods(app):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    ends = later(2)
    results.publish_results(rs, ends, actor=organizer, notify=False)
    db.session.commit()
    assert results.finalize_due() == []
    assert results.finalize_due(ends + timedelta(seconds=1)) == [rs]
    assert rs.status == ResultStatus.FINALIZED
