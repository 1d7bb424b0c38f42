"""When no assignment exists, the organiser is told which constraint binds and where."""

from __future__ import annotations

import numpy as np
import pytest

from judging.assign import AssignmentInfeasible, assign


def infeasible(*args, **kwargs) -> AssignmentInfeasible:
    with pytest.raises(AssignmentInfeasible) as caught:
        assign(*args, **kwargs)
    return caught.value


def test_entry_with_too_few_unconflicted_judges_is_named():
    conflicts = np.zeros((4, 5), bool)
    conflicts[2, :3] = True
    exc = infeasible(np.zeros((4, 5)), conflicts, 3, entry_ids=["A", "B", "X", "D"])
    assert exc.code == "entry_lacks_judges"
    assert exc.entries == [2] and exc.entry_ids == ["X"]
    assert (exc.required, exc.available) == (3, 2)
    assert str(exc) == "entry X has only 2 unconflicted judges, needs 3"


def test_every_short_entry_is_listed_not_only_the_first():
    conflicts = np.zeros((4, 3), bool)
    conflicts[[0, 3], :2] = True
    exc = infeasible(np.zeros((4, 3)), conflicts, 2)
    assert exc.entries == [0, 3]
    assert "2 entries lack enough eligible judges" in str(exc)


def test_total_capacity_below_what_entries_need_is_stated_in_numbers():
    exc = infeasible(np.zeros((100, 8)), None, 5, max_load=60)
    assert exc.code == "total_capacity"
    assert (exc.required, exc.available) == (500, 480)
    assert str(exc).startswith("total capacity 480 < required 500")


def test_minimum_loads_beyond_the_places_available_are_explained():
    exc = infeasible(np.zeros((4, 3)), None, 1, min_load=2)
    assert exc.code == "total_minimum_load"
    assert (exc.required, exc.available) == (6, 4)


def test_judge_whose_minimum_exceeds_what_they_may_judge_is_named():
    conflicts = np.zeros((6, 3), bool)
    conflicts[2:, 0] = True
    exc = infeasible(np.zeros((6, 3)), conflicts, 1, min_load=[3, 0, 0], judge_ids=["J1", "J2", "J3"])
    assert exc.code == "judge_minimum_unreachable"
    assert exc.judge_ids == ["J1"]
    assert (exc.required, exc.available) == (3, 2)


def test_group_of_entries_sharing_too_few_judges_is_found():
    # Entries 0 and 1 may only use judges 0 and 1, who each take at most one entry.
    conflicts = np.zeros((6, 6), bool)
    conflicts[:2, 2:] = True
    exc = infeasible(np.zeros((6, 6)), conflicts, 2, max_load=[1, 1, None, None, None, None],
                     entry_ids=list("ABCDEF"))
    assert exc.code == "entry_group_capacity"
    assert exc.entry_ids == ["A", "B"]
    assert exc.judges == [0, 1]
    assert (exc.required, exc.available) == (4, 2)
    assert "entries A, B together need 4 judge places" in str(exc)


def test_group_of_judges_that_cannot_reach_their_minimum_is_found():
    conflicts = np.zeros((4, 4), bool)
    conflicts[1:, :2] = True
    exc = infeasible(np.zeros((4, 4)), conflicts, 1, min_load=[1, 1, 0, 0])
    assert exc.code == "judge_group_minimum"
    assert exc.judges == [0, 1] and exc.entries == [0]
    assert (exc.required, exc.available) == (2, 1)


def test_explanation_is_plain_data_for_translation():
    exc = infeasible(np.zeros((2, 2)), np.eye(2, dtype=bool), 2, entry_ids=["E1", "E2"])
    data = exc.to_dict()
    assert data["code"] == "entry_lacks_judges"
    assert data["entry_ids"] == ["E1", "E2"]
    assert isinstance(data["message"], str)
