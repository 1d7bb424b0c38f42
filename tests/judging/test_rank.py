"""Ranking is deterministic, shares ranks on displayed ties and flags them."""

from decimal import Decimal

import pytest

from judging.rank import rank, round_half_up


def test_competition_ranking_shares_places_and_skips_after_a_tie():
    ranked = rank(["a", "b", "c", "d"], [90.0, 85.0, 85.0, 70.0])
    assert [(r.rank, r.entry_id, r.tied) for r in ranked] == [(1, "a", False), (2, "b", True), (2, "c", True), (4, "d",
                                                                                                                False)]


def test_values_equal_at_two_decimals_are_a_tie():
    ranked = rank(["a", "b", "c"], [80.004, 80.0049, 79.995])
    # 80.004 -> 80.00, 80.0049 -> 80.00, 79.995 -> 80.00 (half up): all three tie.
    assert [r.rank for r in ranked] == [1, 1, 1]
    assert all(r.tied for r in ranked)
    ranked = rank(["a", "b"], [80.006, 80.004])
    assert [(r.entry_id, r.rank, r.tied) for r in ranked] == [("a", 1, False), ("b", 2, False)]


def test_ties_are_listed_by_the_heaviest_criterion_then_fewer_missing_sheets_then_reference_code():
    ranked = rank(
        ["e1", "e2", "e3", "e4"],
        [70.0, 70.0, 70.0, 70.0],
        primary_means=[20.0, 25.0, 20.0, 20.0],
        missing_sheets=[1, 0, 0, 0],
        reference_codes={"e1": "TN-004", "e3": "TN-009", "e4": "TN-002"},
    )
    assert [r.entry_id for r in ranked] == ["e2", "e4", "e3", "e1"]
    assert {r.rank for r in ranked} == {1}


def test_ranking_does_not_depend_on_input_order():
    ids = ["x", "y", "z", "w"]
    values = [50.0, 60.0, 50.0, 40.0]
    forward = [(r.entry_id, r.rank) for r in rank(ids, values)]
    backward = [(r.entry_id, r.rank) for r in rank(ids[::-1], values[::-1])]
    assert forward == backward == [("y", 1), ("x", 2), ("z", 2), ("w", 4)]


def test_half_up_rounding_uses_the_decimal_people_typed():
    assert round_half_up(12.345) == Decimal("12.35")
    assert round_half_up(2.675) == Decimal("2.68")
    assert round_half_up(-0.005) == Decimal("-0.01")


def test_ranking_refuses_duplicates_and_nan():
    with pytest.raises(ValueError):
        rank(["a", "a"], [1.0, 2.0])
    with pytest.raises(ValueError):
        rank(["a"], [float("nan")])
