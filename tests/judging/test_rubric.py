"""A rubric checks each sheet precisely and totals it on the chosen scale."""

import pytest

from judging.rubric import (
    MISSING,
    NOT_A_NUMBER,
    OFF_STEP,
    OUT_OF_RANGE,
    UNKNOWN_CRITERION,
    Criterion,
    Rubric,
    ScoreError,
    contest_rubric,
    validate_sheet,
    weighted_total,
)


def test_the_contest_rubric_total_is_the_plain_sum_of_points():
    rubric = contest_rubric()
    assert rubric.scale == 80
    assert [c.maximum for c in rubric.criteria] == [20, 30, 30]
    assert weighted_total(rubric, {"doi_moi_sang_tao": 17, "hieu_qua_kinh_te_xa_hoi": 25,
                                   "kha_nang_ap_dung": 22}) == pytest.approx(64.0, abs=1e-12)
    assert weighted_total(rubric, {"doi_moi_sang_tao": 20, "hieu_qua_kinh_te_xa_hoi": 30,
                                   "kha_nang_ap_dung": 30}) == 80.0
    assert weighted_total(rubric, {"doi_moi_sang_tao": 0, "hieu_qua_kinh_te_xa_hoi": 0, "kha_nang_ap_dung": 0}) == 0.0
    assert weighted_total(rubric, {"doi_moi_sang_tao": 13.5, "hieu_qua_kinh_te_xa_hoi": 7,
                                   "kha_nang_ap_dung": 29}) == pytest.approx(49.5, abs=1e-12)


def test_weighted_total_follows_the_formula_by_hand():
    rubric = Rubric((Criterion("a", 1, 10), Criterion("b", 3, 5, minimum=1)))
    # 100 * (1 * 4/10 + 3 * (4-1)/4) / 4 = 100 * (0.4 + 2.25) / 4 = 66.25
    assert weighted_total(rubric, {"a": 4, "b": 4}) == pytest.approx(66.25, abs=1e-12)


def test_a_blank_criterion_is_skipped_and_the_weights_renormalised():
    rubric = Rubric((Criterion("a", 1, 10), Criterion("b", 3, 10)))
    assert weighted_total(rubric, {"a": 5, "b": None}) == pytest.approx(50.0)
    assert weighted_total(rubric, {"b": 8}) == pytest.approx(80.0)
    with pytest.raises(ValueError):
        weighted_total(rubric, {})


def test_validation_names_the_criterion_the_error_and_the_limits():
    rubric = Rubric((Criterion("a", 1, 10, step=0.5), Criterion("b", 1, 5, minimum=1), Criterion("c", 1, 3)))
    errors = validate_sheet(rubric, {"a": 7.25, "b": 6, "x": 1})
    assert errors == [
        ScoreError("a", OFF_STEP, 7.25, 0.0, 10, 0.5),
        ScoreError("b", OUT_OF_RANGE, 6.0, 1, 5, None),
        ScoreError("c", MISSING, None, 0.0, 3, None),
        ScoreError("x", UNKNOWN_CRITERION),
    ]
    assert errors[1].to_dict() == {"criterion": "b", "code": "out_of_range", "value": 6.0, "minimum": 1, "maximum": 5,
                                   "step": None}
    assert validate_sheet(rubric, {"a": 7.5, "b": 1, "c": 3}) == []
    assert validate_sheet(rubric, {"a": 7.5, "b": 1}, allow_missing=True) == []
    assert validate_sheet(rubric, {"a": "seven", "b": 1, "c": float("nan")})[0].code == NOT_A_NUMBER


def test_a_step_counts_from_the_minimum_and_tolerates_binary_floats():
    rubric = Rubric((Criterion("a", 1, 2, minimum=0.1, step=0.3),))
    assert validate_sheet(rubric, {"a": 0.1 + 0.3 * 3}) == []
    assert validate_sheet(rubric, {"a": 1.1})[0].code == OFF_STEP


@pytest.mark.parametrize(
    "criteria",
    [(), (Criterion("a", 0, 1),), (Criterion("a", 1, 1), Criterion("a", 1, 1))],
)
def test_a_rubric_refuses_to_be_meaningless(criteria):
    with pytest.raises(ValueError):
        Rubric(criteria)


def test_a_criterion_refuses_an_empty_scale():
    with pytest.raises(ValueError):
        Criterion("a", 1, 5, minimum=5)
    with pytest.raises(ValueError):
        Criterion("a", -1, 5)


def test_the_tie_break_criterion_is_the_heaviest_first_in_rubric_order():
    assert contest_rubric().primary_criterion().key == "hieu_qua_kinh_te_xa_hoi"
