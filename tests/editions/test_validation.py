"""Validation before opening: every rule has a configuration that fails it and one that passes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contest.editions import validate_edition
from contest.extensions import db
from contest.models import AwardLevel, Category, Criterion
from tests.editions.helpers import at, ready_edition


def _r(e, i=0):
    return e.rounds[i]


# (rule code, mutation that breaks exactly that rule)
BREAKS = {
    "no_applicant_types": lambda e: setattr(e, "allowed_applicant_types", []),
    "unknown_applicant_type": lambda e: setattr(e, "allowed_applicant_types", ["individual", "alien"]),
    "group_size": lambda e: setattr(e, "max_group_size", 1),
    "entries_per_person": lambda e: setattr(e, "max_entries_per_person", 0),
    "composition": lambda e: setattr(e, "vote_points", -1),
    "registration_missing": lambda e: setattr(e, "registration_opens_at", None),
    "registration_order": lambda e: setattr(e, "registration_opens_at", at(91)),
    "round_window_missing": lambda e: setattr(_r(e, 1), "closes_at", None),
    "round_window_order": lambda e: setattr(_r(e, 1), "closes_at", at(129)),
    "scoring_deadline_order": lambda e: setattr(_r(e), "scoring_deadline", at(94)),
    "registration_overlaps_round": lambda e: setattr(_r(e), "opens_at", at(89)),
    "rounds_overlap": lambda e: setattr(_r(e, 1), "opens_at", at(119)),
    "vote_window_missing": lambda e: setattr(e, "vote_closes_at", None),
    "vote_without_points": lambda e: setattr(e, "vote_points", 0),
    "vote_window_order": lambda e: setattr(e, "vote_closes_at", at(99)),
    "vote_before_registration_closes": lambda e: setattr(e, "vote_opens_at", at(80)),
    "results_missing": lambda e: setattr(e, "results_announced_at", None),
    "results_too_early": lambda e: setattr(e, "results_announced_at", at(130.5)),
    "complaint_missing": lambda e: setattr(e, "complaint_ends_at", None),
    "complaint_order": lambda e: setattr(e, "complaint_ends_at", at(139)),
    "no_categories": lambda e: e.categories.clear(),
    "category_no_panel": lambda e: setattr(e.categories[2], "sub_panel", "  "),
    "attachment_no_types": lambda e: setattr(e.attachment_kinds[0], "allowed_types", []),
    "no_rounds": lambda e: e.rounds.clear(),
    "round_no_criteria": lambda e: _r(e).criteria.clear(),
    "criteria_sum": lambda e: setattr(_r(e).criteria[0], "max_score", Decimal("25")),
    "advance_min_range": lambda e: setattr(_r(e), "min_total_to_advance", Decimal("81")),
    "advance_top_n_missing": lambda e: setattr(_r(e), "advance_top_n", None),
    "judges_per_entry": lambda e: setattr(_r(e), "judges_per_entry", 0),
    "final_scale": lambda e: setattr(e, "expert_points", 70),
    "no_award_levels": lambda e: e.award_levels.clear(),
    "award_quotas_zero": lambda e: [setattr(lv, "quota", 0) for lv in e.award_levels],
    "award_quota_negative": lambda e: setattr(e.award_levels[3], "quota", -1),
    "award_min_range": lambda e: setattr(e.award_levels[0], "min_score", Decimal("101")),
    "award_prize_negative": lambda e: setattr(e.award_levels[0], "prize_amount", -5),
    "award_min_order": lambda e: setattr(e.award_levels[2], "min_score", Decimal("75")),
}


def test_the_ready_configuration_passes_every_rule(app):
    edition = ready_edition()
    assert validate_edition(edition) == []


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_each_rule_fails_alone_with_a_vietnamese_message_and_a_link(app, code):
    edition = ready_edition()
    BREAKS[code](edition)
    problems = validate_edition(edition)
    assert {p.code for p in problems} == {code}
    for problem in problems:
        assert problem.message and problem.endpoint.startswith("admin.edition_")
        with app.test_request_context():
            assert problem.url.startswith(f"/quan-tri/cuoc-thi/{edition.id}/")


def test_messages_name_the_thing_to_fix(app):
    edition = ready_edition()
    edition.categories[2].sub_panel = None
    _r(edition).criteria[0].max_score = Decimal("25")
    _r(edition, 1).opens_at = at(119)
    problems = {p.code: p for p in validate_edition(edition)}
    assert problems["category_no_panel"].message == "Lĩnh vực “Vật liệu – hóa chất – năng lượng” chưa có tiểu ban chấm."
    assert problems["category_no_panel"].anchor == f"category-{edition.categories[2].id}"
    assert problems["criteria_sum"].message == (
        "Vòng sơ khảo: tổng điểm tối đa các tiêu chí là 85, khác thang điểm của vòng (80).")
    assert problems["rounds_overlap"].message == (
        "Vòng chung khảo bắt đầu lúc 28/06/2025 08:00, trước khi Vòng sơ khảo kết thúc (29/06/2025 08:00).")
    with app.test_request_context():
        assert problems["criteria_sum"].url == (
            f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{edition.rounds[0].id}#criteria")


def test_passing_variants_of_rules_that_have_alternatives(app):
    edition = ready_edition()
    # No public vote and no vote window: fine.
    edition.vote_points = 0
    edition.vote_opens_at = edition.vote_closes_at = None
    edition.expert_points = 80
    # Groups not allowed: group size does not matter.
    edition.allowed_applicant_types = ["individual", "enterprise"]
    edition.max_group_size = None
    # A link-only kind needs no file types.
    edition.attachment_kinds[4].allowed_types = []
    # Criteria with non-zero minima: ranges, not maxima, add up to the scale.
    _r(edition).criteria[0].min_score = Decimal("5")
    _r(edition).criteria[0].max_score = Decimal("25")
    # Equal minimum scores are fine; overall levels are ordered among themselves.
    for lv in edition.award_levels:
        lv.min_score = Decimal("50")
    edition.award_levels.append(AwardLevel(position=5, name="Giải đặc biệt", scope="overall", quota=1,
                                           min_score=Decimal("78")))
    # The last round needs no advancement count; a round may open exactly when the previous one closes.
    _r(edition, 1).advancement_rule = "top_n"
    _r(edition, 1).advance_top_n = None
    _r(edition, 1).opens_at = _r(edition).closes_at
    edition.results_announced_at = _r(edition, 1).closes_at + timedelta(minutes=1)
    assert validate_edition(edition) == []


def test_a_new_category_or_criterion_is_checked_too(app):
    edition = ready_edition()
    edition.categories.append(Category(code="moi", name="Lĩnh vực mới", position=9))
    _r(edition, 1).criteria.append(Criterion(key="them", name="Thêm", max_score=Decimal(5), weight=Decimal(5)))
    db.session.flush()
    assert {p.code for p in validate_edition(edition)} == {"category_no_panel", "criteria_sum"}


# One break on each part of the setup, applied together.
MANY_BREAKS = ("award_prize_negative", "judges_per_entry", "attachment_no_types", "category_no_panel",
               "complaint_order", "vote_window_order", "rounds_overlap", "registration_order", "composition",
               "group_size")


def test_problems_of_every_page_are_listed_together_in_the_order_of_the_setup_pages(app):
    edition = ready_edition()
    for code in MANY_BREAKS:
        BREAKS[code](edition)
    assert [p.code for p in validate_edition(edition)] == [
        "group_size", "composition", "registration_order", "rounds_overlap", "vote_window_order",
        "complaint_order", "category_no_panel", "attachment_no_types", "judges_per_entry", "award_prize_negative",
    ]
