"""The public vote part and the committee's two-thirds approval follow the rules exactly."""

from decimal import Decimal

import pytest

from judging.approval import (
    APPROVED,
    PENDING,
    REJECTED,
    approval_state,
    required_approvals,
)
from judging.vote import combine, vote_points


def test_vote_points_round_half_up_not_to_even():
    # 20 * 49 / 80 = 12.25 exactly: half-up gives 12.3 where round() would give 12.2.
    points = vote_points({"a": 80, "b": 49, "c": 0})
    assert points == {"a": Decimal("20.0"), "b": Decimal("12.3"), "c": Decimal("0.0")}
    assert round(12.25, 1) == 12.2  # the trap this module avoids


def test_vote_points_by_hand():
    points = vote_points({"a": 3, "b": 1, "c": 2})
    assert points == {"a": Decimal("20.0"), "b": Decimal("6.7"), "c": Decimal("13.3")}
    assert vote_points({"a": 200, "b": 1}, max_points=20)["b"] == Decimal("0.1")  # 0.1 exactly
    assert vote_points({"a": 400, "b": 1})["b"] == Decimal("0.1")  # 0.05 rounds up
    assert vote_points({"a": 401, "b": 1})["b"] == Decimal("0.0")  # 0.0499 rounds down
    assert vote_points({"a": 7, "b": 2}, max_points=10)["b"] == Decimal("2.9")


def test_no_votes_anywhere_gives_zero_points_not_an_error():
    assert vote_points({"a": 0, "b": 0}) == {"a": Decimal("0.0"), "b": Decimal("0.0")}
    assert vote_points({}) == {}


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_vote_counts_must_be_whole_and_non_negative(bad):
    with pytest.raises((ValueError, TypeError)):
        vote_points({"a": bad, "b": 2})


def test_expert_and_vote_parts_add_up_to_the_total():
    total = combine({"a": 64.5, "b": 70.25}, vote_points({"a": 80, "b": 49}))
    assert total == {"a": 84.5, "b": 82.55}
    assert combine({"a": 60.0}, {}) == {"a": 60.0}
    with pytest.raises(ValueError):
        combine({"a": 60.0}, {"z": Decimal("1.0")})


@pytest.mark.parametrize("members,required", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5), (9, 6), (10, 7),
                                              (300, 200), (301, 201)])
def test_two_thirds_of_the_committee_rounded_up(members, required):
    assert required_approvals(members) == required


def test_two_thirds_is_exact_for_large_committees():
    for m in range(1, 2000):
        need = required_approvals(m)
        assert 3 * need >= 2 * m > 3 * (need - 1)


def test_an_award_is_approved_rejected_or_pending():
    assert approval_state(5, 0, 7) == APPROVED
    assert approval_state(4, 0, 7) == PENDING
    assert approval_state(4, 2, 7) == PENDING  # the last member can still make it 5
    assert approval_state(4, 3, 7) == REJECTED
    assert approval_state(2, 1, 3) == APPROVED
    assert approval_state(1, 2, 3) == REJECTED
    with pytest.raises(ValueError):
        approval_state(3, 1, 3)
    with pytest.raises(ValueError):
        required_approvals(0)
