"""Setting up editions: create, clone, preset, change guards after submissions and scoring, opening."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contest.editions import (
    ChangeRefused,
    InvalidInput,
    NotReady,
    ReasonRequired,
    apply_preset,
    attach_rules_document,
    clone_edition,
    create_edition,
    delete_round,
    open_edition,
    save_attachment_kinds,
    save_award_levels,
    save_categories,
    save_criteria,
    save_eligibility_checks,
    save_localities,
    update_edition,
    update_round,
    validate_edition,
)
from contest.extensions import db
from contest.i18n import to_local
from contest.models import (
    Assignment,
    AttachmentKind,
    AuditEvent,
    Award,
    BallotEntry,
    Category,
    Criterion,
    EditionStatus,
    EligibilityResult,
    Entry,
    EntryRound,
    Locality,
    ResultSet,
    Role,
    Round,
    ScoreSheet,
    Vote,
    VotingPeriod,
)
from contest.storage import get_store
from tests.editions.helpers import add_judging_work, ready_edition
from tests.factories import make_entry, make_user


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------------------------------------- preset


def test_preset_produces_exactly_the_published_scale(app):
    edition = create_edition(2025, "Cuộc thi 2025")
    apply_preset(edition, "thai_nguyen_2025")
    db.session.commit()

    assert edition.expert_points == 80 and edition.vote_points == 20 and edition.total_points == 100
    assert [c.code for c in edition.categories] == ["cntt", "co_khi", "vat_lieu", "nong_nghiep", "y_duoc", "giao_duc"]
    assert all(c.sub_panel for c in edition.categories)
    for r in edition.rounds:
        assert [(c.name, c.max_score, c.min_score) for c in r.criteria] == [
            ("Tính đổi mới sáng tạo", Decimal("20"), Decimal("0")),
            ("Hiệu quả kinh tế – xã hội", Decimal("30"), Decimal("0")),
            ("Khả năng áp dụng", Decimal("30"), Decimal("0")),
        ]
        assert r.scale == 80
    assert [r.mode for r in edition.rounds] == ["assigned", "full_panel"]
    assert [(lv.name, lv.position) for lv in edition.award_levels] == [
        ("Giải Nhất", 1), ("Giải Nhì", 2), ("Giải Ba", 3), ("Giải Khuyến khích", 4)]
    assert [e.after for e in events("edition.preset_applied")] == [{"preset": "thai_nguyen_2025"}]
    # Left to do: the timeline, and confirming what the published scoring does not state.
    first, final = edition.rounds
    assert {p.code for p in validate_edition(edition)} == {
        "registration_missing", "round_window_missing", "vote_window_missing", "results_missing",
        "value_to_confirm:award_levels:min_score", "value_to_confirm:award_levels:quota",
        "value_to_confirm:award_levels:prize_amount", f"value_to_confirm:round:{first.id}:judges_per_entry",
        f"value_to_confirm:round:{first.id}:advancement", f"value_to_confirm:round:{final.id}:judges_per_entry"}


def test_preset_reapplied_replaces_rows_and_is_refused_once_entries_exist(app):
    edition = ready_edition()
    apply_preset(edition, "thai_nguyen_2025")
    db.session.commit()
    assert count(Category, Category.edition_id == edition.id) == 6
    assert count(Round, Round.edition_id == edition.id) == 2
    make_entry(make_user(), edition)
    with pytest.raises(ChangeRefused):
        apply_preset(edition, "thai_nguyen_2025")
    with pytest.raises(InvalidInput):
        apply_preset(edition, "khong_co")


# ---------------------------------------------------------------------------------------------- clone


def test_clone_copies_configuration_but_none_of_the_work(app):
    source = ready_edition()
    source.max_entries_per_person = 3
    source.decision_reference = "QĐ 16/QĐ-BTCCT"
    db.session.commit()
    judge = make_user(Role.JUDGE)
    applicant = make_user()
    entry = make_entry(applicant, source, status="submitted")
    add_judging_work(source, entry, judge)
    source.rounds[0].status = "closed"
    db.session.commit()

    clone = clone_edition(source, 2026, "Cuộc thi Đổi mới sáng tạo 2026")
    db.session.commit()

    assert clone.id != source.id and clone.status == EditionStatus.DRAFT.value
    assert clone.year == 2026 and clone.slug == "2026" and clone.cloned_from_id == source.id
    assert clone.next_entry_number == 1 and clone.rules_document_key is None and clone.decision_reference is None
    assert (clone.expert_points, clone.vote_points, clone.max_entries_per_person) == (80, 20, 3)
    # Dates move one year on, same local day and hour.
    assert to_local(clone.registration_closes_at).replace(year=2025) == to_local(source.registration_closes_at)
    assert to_local(clone.rounds[1].opens_at).year == 2026
    # Configuration came along, as new rows.
    assert [c.code for c in clone.categories] == [c.code for c in source.categories]
    assert {c.id for c in clone.categories}.isdisjoint({c.id for c in source.categories})
    assert [[(c.key, c.max_score) for c in r.criteria] for r in clone.rounds] == [
        [(c.key, c.max_score) for c in r.criteria] for r in source.rounds]
    assert all(r.status == "draft" for r in clone.rounds)
    assert [k.code for k in clone.attachment_kinds] == [k.code for k in source.attachment_kinds]
    assert [c.label for c in clone.eligibility_checks] == [c.label for c in source.eligibility_checks]
    assert [(lv.name, lv.quota, lv.min_score) for lv in clone.award_levels] == [
        (lv.name, lv.quota, lv.min_score) for lv in source.award_levels]
    assert validate_edition(clone) == []

    # None of the work came along.
    clone_rounds = [r.id for r in clone.rounds]
    assert count(Entry, Entry.edition_id == clone.id) == 0
    assert count(Assignment, Assignment.round_id.in_(clone_rounds)) == 0
    assert count(ScoreSheet, ScoreSheet.assignment_id.in_(
        select(Assignment.id).where(Assignment.round_id.in_(clone_rounds)))) == 0
    assert count(EntryRound, EntryRound.round_id.in_(clone_rounds)) == 0
    assert count(EligibilityResult, EligibilityResult.check_id.in_([c.id for c in clone.eligibility_checks])) == 0
    assert count(ResultSet, ResultSet.edition_id == clone.id) == 0
    assert count(Award, Award.computed_level_id.in_([lv.id for lv in clone.award_levels])) == 0
    assert count(VotingPeriod, VotingPeriod.round_id.in_(clone_rounds)) == 0
    assert count(Vote) == 1 and count(BallotEntry) == 1
    # The source's work is untouched.
    assert count(Entry, Entry.edition_id == source.id) == 1
    assert count(ScoreSheet) == 1 and count(ResultSet, ResultSet.edition_id == source.id) == 1

    # The copies are independent rows: changing one leaves the other alone.
    clone.categories[0].name = "Lĩnh vực mới"
    clone.rounds[0].criteria[0].max_score = Decimal("25")
    clone.award_levels[0].quota = 9
    db.session.commit()
    db.session.expire_all()
    assert source.categories[0].name == "Công nghệ thông tin – điện tử – viễn thông"
    assert source.rounds[0].criteria[0].max_score == Decimal("20")
    assert source.award_levels[0].quota == 1
    assert [e.after["source_id"] for e in events("edition.cloned")] == [source.id]


# ---------------------------------------------------------------------------------------------- rows


def test_save_rows_adds_changes_reorders_and_deletes_with_an_audit_event(app):
    edition = ready_edition()
    first, second = edition.categories[0], edition.categories[1]
    rows = [
        {"id": second.id, "code": second.code, "name": second.name, "sub_panel": "Tiểu ban cơ khí"},
        {"id": first.id, "delete": True},
        {"id": None, "code": "moi", "name": "Lĩnh vực mới", "sub_panel": "Tiểu ban mới"},
        *({"id": c.id} for c in edition.categories[2:]),
    ]
    plan = save_categories(edition, rows)
    db.session.commit()
    assert len(plan.added) == 1 and len(plan.removed) == 1 and len(plan.changed) == 1
    codes = [c.code for c in edition.categories]
    assert codes[0] == "co_khi" and codes[1] == "moi" and "cntt" not in codes and len(codes) == 6
    assert edition.categories[0].sub_panel == "Tiểu ban cơ khí"
    (event,) = events("edition.categories_saved")
    assert event.before["removed"][0]["name"] == "Công nghệ thông tin – điện tử – viễn thông"
    with pytest.raises(InvalidInput):
        save_categories(edition, [{"id": None, "code": "moi", "name": "Trùng mã", "sub_panel": "x"}])


def test_award_levels_can_be_reordered_despite_unique_positions(app):
    edition = ready_edition()
    levels = edition.award_levels
    rows = [{"id": lv.id, "name": lv.name} for lv in reversed(levels)]
    save_award_levels(edition, rows)
    db.session.commit()
    assert [lv.name for lv in edition.award_levels] == [
        "Giải Khuyến khích", "Giải Ba", "Giải Nhì", "Giải Nhất"]
    assert [lv.position for lv in edition.award_levels] == [1, 2, 3, 4]


def test_a_partial_list_changes_values_but_not_the_order(app):
    edition = ready_edition()
    second = edition.award_levels[1]
    plan = save_award_levels(edition, [{"id": second.id, "quota": 5}])
    assert not plan.reordered
    assert [lv.name for lv in edition.award_levels][:2] == ["Giải Nhất", "Giải Nhì"] and second.quota == 5


def test_rows_of_another_edition_are_refused(app):
    edition = ready_edition()
    other = ready_edition(2026, "Khác")
    with pytest.raises(InvalidInput):
        save_categories(edition, [{"id": other.categories[0].id, "name": "x"}])


# ---------------------------------------------------------------------------------------------- guards


def test_after_submissions_a_new_required_attachment_needs_an_audited_reason(app):
    edition = ready_edition()
    db.session.commit()
    optional = edition.attachment_kinds[2]
    assert optional.required is False
    # Before any submission: no reason needed.
    save_attachment_kinds(edition, [{"id": optional.id, "required": True}])
    save_attachment_kinds(edition, [{"id": optional.id, "required": False}])
    make_entry(make_user(), edition, status="submitted")

    with pytest.raises(ReasonRequired):
        save_attachment_kinds(edition, [{"id": optional.id, "required": True}])
    with pytest.raises(ReasonRequired):
        save_attachment_kinds(edition, [{"id": None, "code": "ban_ve", "name": "Bản vẽ", "required": True,
                                         "allowed_types": ["application/pdf"]}])
    db.session.rollback()
    # Making a kind optional, or adding an optional one, takes nothing from applicants.
    save_attachment_kinds(edition, [{"id": edition.attachment_kinds[0].id, "required": False}])
    save_attachment_kinds(edition, [{"id": optional.id, "required": True}],
                          reason="Quyết định sửa đổi thể lệ số 20/QĐ-BTCCT")
    db.session.commit()
    assert db.session.get(AttachmentKind, optional.id).required is True
    event = events("edition.attachment_kinds_saved")[-1]
    assert event.reason == "Quyết định sửa đổi thể lệ số 20/QĐ-BTCCT"
    assert event.after["changed"] == [{"id": optional.id, "required": True}]


def test_drafts_alone_do_not_trigger_the_guards(app):
    edition = ready_edition()
    db.session.commit()
    make_entry(make_user(), edition, status="draft")
    save_eligibility_checks(edition, [{"id": None, "label": "Mới", "failure_reason": "Không đạt"}])
    update_edition(edition, {"vote_points": 0})


def test_after_submissions_checklist_composition_and_fields_need_a_reason(app):
    edition = ready_edition()
    db.session.commit()
    make_entry(make_user(), edition, status="submitted", category_code="cntt")
    with pytest.raises(ReasonRequired):
        save_eligibility_checks(edition, [{"id": None, "label": "Mới", "failure_reason": "Không đạt"}])
    with pytest.raises(ReasonRequired):
        update_edition(edition, {"vote_points": 30})
    with pytest.raises(ReasonRequired):
        update_edition(edition, {"allowed_applicant_types": ["individual"]})
    with pytest.raises(ChangeRefused):
        save_categories(edition, [{"id": edition.categories[0].id, "delete": True}], reason="Gộp lĩnh vực")
    db.session.rollback()
    # Text-only changes and widening are fine without a reason.
    update_edition(edition, {"name": "Tên mới", "max_entries_per_person": 5})
    update_edition(edition, {"vote_points": 30}, reason="Sửa thể lệ")
    db.session.commit()
    assert events("edition.updated")[-1].reason == "Sửa thể lệ"


def test_scored_round_refuses_changes_to_its_criteria_but_allows_wording(app):
    edition = ready_edition()
    db.session.commit()
    entry = make_entry(make_user(), edition, status="eligible")
    add_judging_work(edition, entry, make_user(Role.JUDGE))
    db.session.commit()
    round_ = edition.rounds[0]
    criterion = round_.criteria[0]

    with pytest.raises(ChangeRefused):
        save_criteria(round_, [{"id": criterion.id, "max_score": Decimal("25")}], reason="any")
    with pytest.raises(ChangeRefused):
        save_criteria(round_, [{"id": None, "key": "moi", "name": "Mới", "max_score": Decimal("5")}])
    with pytest.raises(ChangeRefused):
        save_criteria(round_, [{"id": criterion.id, "delete": True}])
    with pytest.raises(ChangeRefused):
        update_round(round_, {"scale": 100})
    with pytest.raises(ChangeRefused):
        update_edition(edition, {"expert_points": 100}, reason="any")
    with pytest.raises(ReasonRequired):
        update_round(round_, {"zero_eliminates": False})
    with pytest.raises(ChangeRefused):
        delete_round(round_)
    db.session.rollback()

    save_criteria(round_, [{"id": criterion.id, "guidance": "Hướng dẫn rõ hơn"}])
    update_round(round_, {"name": "Vòng sơ khảo (hồ sơ)"})
    db.session.commit()
    assert db.session.get(Criterion, criterion.id).guidance == "Hướng dẫn rõ hơn"
    # The unscored final round can still change.
    final = edition.rounds[1]
    save_criteria(final, [{"id": final.criteria[0].id, "max_score": Decimal("40")}])
    assert final.criteria[0].max_score == Decimal("40")


def test_award_level_used_in_results_cannot_be_deleted_and_changes_need_a_reason(app):
    edition = ready_edition()
    db.session.commit()
    entry = make_entry(make_user(), edition, status="eligible")
    add_judging_work(edition, entry, make_user(Role.JUDGE))
    db.session.commit()
    first = edition.award_levels[0]
    with pytest.raises(ChangeRefused):
        save_award_levels(edition, [{"id": first.id, "delete": True}], reason="x")
    with pytest.raises(ReasonRequired):
        save_award_levels(edition, [{"id": first.id, "quota": 2}])
    save_award_levels(edition, [{"id": first.id, "quota": 2}], reason="Bổ sung giải")
    assert first.quota == 2


# ---------------------------------------------------------------------------------------------- open


def test_open_edition_refuses_with_problems_then_opens_once_fixed(app):
    edition = create_edition(2025, "Cuộc thi 2025")
    apply_preset(edition, "thai_nguyen_2025")
    with pytest.raises(NotReady) as info:
        open_edition(edition)
    assert info.value.problems and edition.status == "draft"
    db.session.rollback()

    edition = ready_edition(2027, "Sẵn sàng")
    open_edition(edition)
    open_edition(edition)  # a double submit changes nothing
    db.session.commit()
    assert edition.status == "open"
    assert len(events("edition.opened")) == 1


def test_create_edition_makes_unique_slugs_and_refuses_odd_years(app):
    a = create_edition(2026, "A")
    b = create_edition(2026, "B")
    assert (a.slug, b.slug) == ("2026", "2026-2")
    with pytest.raises(InvalidInput):
        create_edition(1999, "C")


def test_delete_round_renumbers_the_rest(app):
    edition = ready_edition()
    delete_round(edition.rounds[0])
    db.session.commit()
    assert [(r.position, r.name) for r in edition.rounds] == [(1, "Vòng chung khảo")]


# ---------------------------------------------------------------------------------------------- localities


def test_localities_are_data_that_organizers_edit(app):
    save_localities([{"id": None, "name": "Phường Phan Đình Phùng", "kind": "phường", "province": "Thái Nguyên"},
                     {"id": None, "name": "Xã Ba Bể", "kind": "xã", "province": "Thái Nguyên"}])
    db.session.commit()
    ward, commune = db.session.scalars(select(Locality).order_by(Locality.name)).all()
    user = make_user()
    user.applicant_profile.locality_id = commune.id
    db.session.commit()
    with pytest.raises(ChangeRefused):
        save_localities([{"id": commune.id, "delete": True}])
    with pytest.raises(InvalidInput):
        save_localities([{"id": None, "name": "Xã Ba Bể", "kind": "xã", "province": "Thái Nguyên"}])
    save_localities([{"id": commune.id, "active": False}, {"id": ward.id, "delete": True}])
    db.session.commit()
    assert [(loc.name, loc.active) for loc in db.session.scalars(select(Locality))] == [("Xã Ba Bể", False)]
    assert len(events("localities.saved")) == 2


# ---------------------------------------------------------------------------------------------- decision


def test_rules_document_must_be_a_pdf(app):
    edition = ready_edition()
    with pytest.raises(InvalidInput):
        attach_rules_document(edition, io.BytesIO(b"not a pdf at all"), "quyet-dinh.pdf")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert attach_rules_document(edition, io.BytesIO(pdf), "Quyết định 16.pdf") is None
    db.session.commit()
    with get_store().open(edition.rules_document_key) as fh:
        assert fh.read() == pdf
    assert edition.rules_document_name == "Quyết định 16.pdf"
    assert events("edition.rules_document_attached")[0].after["size"] == len(pdf)
