"""Who advances from a round: the rule alone, with exact answers."""

from __future__ import annotations

import pytest

from judging.advancement import Blocks, Candidate, allowed, at_or_above, blocks, top_n_per_track


def test_everyone_tied_with_the_last_place_of_a_track_advances() -> None:
    cntt = [Candidate("A", "cntt", 1, 80.0), Candidate("B", "cntt", 2, 70.0),
            Candidate("C", "cntt", 2, 70.0), Candidate("D", "cntt", 4, 60.0)]
    assert top_n_per_track(cntt, 2) == {"A", "B", "C"}
    assert top_n_per_track(cntt, 1) == {"A"}
    assert top_n_per_track(cntt, 3) == {"A", "B", "C"}
    assert top_n_per_track(cntt, 4) == {"A", "B", "C", "D"}


def test_each_category_gets_its_own_quota_whatever_the_global_rank() -> None:
    candidates = [Candidate("A", "cntt", 1, 90.0), Candidate("B", "cntt", 2, 85.0), Candidate("C", "cntt", 3, 80.0),
                  Candidate("D", "y_duoc", 4, 50.0), Candidate("E", "y_duoc", 5, 45.0)]
    assert top_n_per_track(candidates, 1) == {"A", "D"}
    assert top_n_per_track(candidates, 2) == {"A", "B", "D", "E"}


def test_the_order_given_does_not_change_who_advances() -> None:
    candidates = [Candidate("C", "cntt", 3, 80.0), Candidate("A", "cntt", 1, 90.0), Candidate("B", "cntt", 2, 85.0)]
    assert top_n_per_track(candidates, 2) == {"A", "B"}


def test_a_category_without_allowed_entries_sends_nobody() -> None:
    round_entries = [Candidate("A", "cntt", 1, 70.0), Candidate("B", "nong_nghiep", 2, 30.0),
                     Candidate("C", "y_duoc", None, None)]
    eligible = allowed(round_entries, minimum=40.0)
    assert [c.key for c in eligible] == ["A"]
    assert top_n_per_track(eligible, 2) == {"A"}
    assert top_n_per_track([], 3) == set()


def test_a_quota_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        top_n_per_track([Candidate("A", "cntt", 1, 70.0)], 0)


def test_a_score_below_the_minimum_blocks_and_the_minimum_itself_does_not() -> None:
    assert blocks(Candidate("A", "cntt", 3, 39.99), minimum=40.0) == Blocks(below_minimum=True)
    assert not blocks(Candidate("A", "cntt", 3, 40.0), minimum=40.0)
    assert not blocks(Candidate("A", "cntt", 3, 12.0), minimum=None)


def test_an_unscored_entry_is_blocked_and_has_no_place_by_rank() -> None:
    assert blocks(Candidate("A", "cntt", None, None), minimum=40.0) == Blocks(unscored=True)
    assert allowed([Candidate("A", "cntt", None, None)]) == []


def test_a_criterion_mean_at_its_minimum_blocks_when_the_round_says_so() -> None:
    entry = Candidate("A", "cntt", 1, 60.0, {"doi_moi": 0.0, "hieu_qua": 30.0, "ap_dung": 0.0})
    floors = {"doi_moi": 0.0, "hieu_qua": 0.0, "ap_dung": 0.0}
    assert blocks(entry, zero_floors=floors) == Blocks(zero_criteria=("doi_moi", "ap_dung"))
    assert not blocks(entry, zero_floors=None)
    # A criterion with no mean (not scored in this round) is not judged.
    assert not blocks(Candidate("B", "cntt", 2, 50.0, {"hieu_qua": 25.0}), zero_floors=floors)
    # All rules at once: every reason is reported.
    both = blocks(entry, minimum=70.0, zero_floors=floors)
    assert both == Blocks(below_minimum=True, zero_criteria=("doi_moi", "ap_dung"))


def test_threshold_is_inclusive_and_ignores_categories() -> None:
    candidates = [Candidate("A", "cntt", 1, 72.0), Candidate("B", "y_duoc", 2, 45.0),
                  Candidate("C", "cntt", 3, 44.99)]
    assert at_or_above(candidates, 45.0) == {"A", "B"}
    assert at_or_above(candidates, 100.0) == set()


def test_inputs_are_not_changed() -> None:
    candidates = [Candidate("B", "cntt", 2, 70.0), Candidate("A", "cntt", 1, 80.0)]
    copy = list(candidates)
    top_n_per_track(candidates, 1)
    allowed(candidates, minimum=75.0)
    assert candidates == copy
