"""The assignment engine: exact small cases, evenness, determinism, full panel, re-assignment."""

from __future__ import annotations

import numpy as np
import pytest

from judging.assign import (
    AssignmentInfeasible,
    affinity_from_expertise,
    assign,
    full_panel,
    reassign,
)


def two_fields(entries_per_field=2, judges_per_field=2):
    """Entries and judges split into two fields; a judge fits only their field's entries."""
    n_e, n_j = 2 * entries_per_field, 2 * judges_per_field
    entry_field = np.repeat([0, 1], entries_per_field)
    judge_field = np.repeat([0, 1], judges_per_field)
    return (entry_field[:, None] == judge_field[None, :]).astype(float), n_e, n_j


def test_affinity_counts_category_most_and_keywords_as_a_share():
    affinity = affinity_from_expertise(
        ["Nông nghiệp", "IT"],
        [["lúa", "phân bón"], []],
        [["nông  NGHIỆP"], ["lúa"], ["it", "lúa", "phân bón"]],
    )
    assert affinity.tolist() == [[1.0, 0.25, 0.5], [0.0, 0.0, 1.0]]


def test_affinity_keeps_vietnamese_tone_marks_distinct():
    affinity = affinity_from_expertise(["má"], [[]], [["ma"], ["MÁ"]])
    assert affinity.tolist() == [[0.0, 1.0]]


def test_best_fits_win_when_loads_must_stay_even():
    # Judge 0 fits entries 0-2 best, but even loads (2 each) let them take only two:
    # the optimum gives away the weakest fit (entry 2), not entry 0 or 1.
    affinity = np.array([[5.0, 0.0], [4.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    result = assign(affinity, per_entry=1)
    assert result.pair_list() == [(0, 0), (1, 0), (2, 1), (3, 1)]
    assert result.total_affinity == 10.0
    assert result.loads.tolist() == [2, 2]
    # The flow's optimum is its own bound.
    assert result.gap == 0.0


def test_every_entry_gets_exactly_k_unconflicted_judges():
    rng = np.random.default_rng(3)
    affinity = rng.random((30, 8))
    conflicts = rng.random((30, 8)) < 0.15
    result = assign(affinity, conflicts, 3, seed=1)
    assert result.pairs.sum(axis=1).tolist() == [3] * 30
    assert not (result.pairs & conflicts).any()


def test_per_entry_numbers_may_differ_by_entry():
    k = np.array([2, 3, 4, 2, 3, 4])
    result = assign(np.zeros((6, 5)), None, k)
    assert result.pairs.sum(axis=1).tolist() == k.tolist()


def test_loads_are_the_even_share_when_it_is_a_whole_number():
    result = assign(np.random.default_rng(0).random((10, 4)), None, 2)
    assert result.loads.tolist() == [5, 5, 5, 5]


def test_a_capped_judge_is_full_and_the_others_stay_within_one():
    result = assign(np.random.default_rng(0).random((10, 4)), None, 2, max_load=[3, None, None, None])
    assert result.loads[0] == 3
    assert sorted(result.loads[1:].tolist()) == [5, 6, 6]


def test_minimum_load_is_honoured_and_the_rest_share_evenly():
    result = assign(np.zeros((10, 4)), None, 1, min_load=[4, 0, 0, 0])
    assert result.loads.tolist() == [4, 2, 2, 2]


def test_conflicts_that_rule_out_even_loads_widen_the_band_least():
    # Judges 0 and 1 may judge only entry 0, which needs one judge: one of them
    # stays idle and judges 2-3 absorb five entries as 2 + 3, not 1 + 4.
    conflicts = np.zeros((6, 4), bool)
    conflicts[1:, :2] = True
    result = assign(np.zeros((6, 4)), conflicts, 1)
    assert result.loads[0] + result.loads[1] == 1
    assert sorted(result.loads[2:].tolist()) == [2, 3]
    assert not (result.pairs & conflicts).any()


def test_repair_connects_two_fields_at_the_least_affinity_cost():
    affinity, _, _ = two_fields()
    unrepaired = assign(affinity, None, 2, repair=False)
    assert unrepaired.components == 2 and not unrepaired.connected
    result = assign(affinity, None, 2)
    assert result.connected and result.components == 1
    assert result.min_overlap == 2
    assert result.swaps == 1
    assert result.total_affinity == 6.0
    assert result.lp_bound == pytest.approx(8.0, abs=1e-4)
    assert result.gap == pytest.approx(0.25, abs=1e-4)
    assert result.loads.tolist() == unrepaired.loads.tolist()


def test_repair_gives_every_judge_at_least_two_partners():
    # Three fields of two judges, two entries each, k = 2: the LP pairs judges in
    # closed couples; each judge must end up sharing entries with two others.
    field = np.repeat([0, 1, 2], 2)
    affinity = (field[:, None] == field[None, :]).astype(float)
    result = assign(affinity, None, 2)
    assert result.connected
    assert result.min_overlap >= 2
    assert result.overlaps.min() >= 2


def test_single_judge_per_entry_cannot_be_mixed_and_says_so():
    affinity, _, _ = two_fields()
    result = assign(affinity, None, 1)
    assert result.swaps == 0
    assert result.min_overlap == 0
    assert not result.connected


def test_same_seed_gives_the_same_assignment():
    affinity = np.zeros((12, 6))
    first = assign(affinity, None, 3, seed=42)
    second = assign(affinity, None, 3, seed=42)
    assert np.array_equal(first.pairs, second.pairs)


def test_different_seeds_break_ties_differently():
    affinity = np.zeros((12, 6))
    outcomes = {assign(affinity, None, 3, seed=s).pairs.tobytes() for s in range(6)}
    assert len(outcomes) > 1


def test_jitter_never_overrides_a_real_difference():
    affinity = np.array([[1.0, 1.0 + 1e-3], [1.0 + 1e-3, 1.0]])
    for seed in range(5):
        assert assign(affinity, None, 1, seed=seed).pair_list() == [(0, 1), (1, 0)]


def test_inputs_are_not_modified():
    rng = np.random.default_rng(5)
    affinity = rng.random((8, 4))
    conflicts = rng.random((8, 4)) < 0.1
    k = np.full(8, 2)
    copies = affinity.copy(), conflicts.copy(), k.copy()
    result = assign(affinity, conflicts, k)
    reassign(result.pairs, affinity, conflicts, k, removed_judges=[0])
    assert np.array_equal(affinity, copies[0])
    assert np.array_equal(conflicts, copies[1])
    assert np.array_equal(k, copies[2])


def test_result_to_dict_uses_ids_and_reports_the_figures():
    result = assign(np.eye(2), None, 1, entry_ids=["E1", "E2"], judge_ids=["J1", "J2"])
    data = result.to_dict()
    assert data["pairs"] == [["E1", "J1"], ["E2", "J2"]]
    assert data["loads"] == [1, 1]
    assert data["total_affinity"] == 2.0
    assert set(data) >= {"lp_bound", "gap", "connected", "components", "min_overlap", "load_min", "load_max"}


def test_malformed_arguments_are_value_errors():
    with pytest.raises(ValueError):
        assign(np.zeros((3, 2)), np.zeros((2, 3), bool), 1)
    with pytest.raises(ValueError):
        assign(np.zeros((3, 2)), None, 0)
    with pytest.raises(ValueError):
        assign(np.array([[np.nan]]), None, 1)


def test_final_round_gives_every_finalist_every_unconflicted_judge():
    conflicts = np.array([[False, True, False], [False, False, False]])
    result = full_panel(conflicts, np.ones((2, 3)))
    assert np.array_equal(result.pairs, ~conflicts)
    assert result.loads.tolist() == [2, 1, 2]
    assert result.total_affinity == 5.0 and result.gap == 0.0


def test_final_round_names_a_finalist_no_judge_may_score():
    conflicts = np.array([[True, True], [False, False]])
    with pytest.raises(AssignmentInfeasible) as caught:
        full_panel(conflicts, entry_ids=["F1", "F2"])
    assert caught.value.code == "entry_lacks_judges"
    assert caught.value.entry_ids == ["F1"]


def test_recused_judge_is_replaced_and_everyone_elses_pairs_stay():
    rng = np.random.default_rng(11)
    affinity = rng.random((20, 6))
    conflicts = rng.random((20, 6)) < 0.1
    before = assign(affinity, conflicts, 3, seed=2)
    after = reassign(before.pairs, affinity, conflicts, 3, removed_judges=[4], seed=2)
    kept = before.pairs.copy()
    kept[:, 4] = False
    assert (after.pairs >= kept).all(), "a pair not involving the removed judge was dropped"
    assert after.loads[4] == 0
    assert after.pairs.sum(axis=1).tolist() == [3] * 20
    assert not (after.pairs & conflicts).any()
    changed = np.flatnonzero((after.pairs != before.pairs).any(axis=1))
    assert set(changed) == set(np.flatnonzero(before.pairs[:, 4]))


def test_cancelled_pair_is_refilled_by_another_judge_only_for_that_entry():
    affinity = np.random.default_rng(1).random((8, 4))
    before = assign(affinity, None, 2)
    entry, judge = before.pair_list()[0]
    after = reassign(before.pairs, affinity, None, 2, cancelled_pairs=[(entry, judge)])
    assert not after.pairs[entry, judge]
    assert after.pairs[entry].sum() == 2
    others = np.arange(8) != entry
    assert np.array_equal(after.pairs[others], before.pairs[others])


def test_new_conflict_drops_that_pair_in_reassignment():
    affinity = np.random.default_rng(2).random((6, 4))
    before = assign(affinity, None, 2)
    entry, judge = before.pair_list()[1]
    conflicts = np.zeros((6, 4), bool)
    conflicts[entry, judge] = True
    after = reassign(before.pairs, affinity, conflicts, 2)
    assert not after.pairs[entry, judge] and after.pairs[entry].sum() == 2


def test_reassignment_respects_maximum_loads_counting_kept_pairs():
    affinity = np.zeros((9, 4))
    before = assign(affinity, None, 2, max_load=[5, 5, 5, 5])
    after = reassign(before.pairs, affinity, None, 2, removed_judges=[0], max_load=6)
    assert after.loads[1:].max() <= 6 and after.loads.sum() == 18


def test_reassignment_that_leaves_an_entry_short_is_explained():
    conflicts = np.zeros((3, 3), bool)
    conflicts[0, 2] = True
    before = assign(np.zeros((3, 3)), conflicts, 2)
    with pytest.raises(AssignmentInfeasible) as caught:
        reassign(before.pairs, np.zeros((3, 3)), conflicts, 2, removed_judges=[0], entry_ids=["A", "B", "C"])
    assert caught.value.code == "entry_lacks_judges"
    assert caught.value.entry_ids == ["A"]
    assert "entry A has only 1 unconflicted judges, needs 2" in str(caught.value)


def test_result_records_how_many_pieces_the_repair_joined():
    field = np.repeat([0, 1, 2], 2)
    affinity = (field[:, None] == field[None, :]).astype(float)
    result = assign(affinity, None, 2)
    assert result.components_before_repair == 3
    assert result.components == 1


def test_pruned_candidates_keep_the_constraints_and_an_honest_bound():
    rng = np.random.default_rng(9)
    affinity = np.round(rng.random((60, 12)), 1)
    conflicts = rng.random((60, 12)) < 0.05
    # Candidate pruning belongs to the LP method; the flow always covers every pair.
    exact = assign(affinity, conflicts, 3, repair=False, method="lp")
    pruned = assign(affinity, conflicts, 3, repair=False, candidates=4, method="lp")
    assert (pruned.pairs.sum(axis=1) == 3).all() and not (pruned.pairs & conflicts).any()
    assert np.array_equal(pruned.load_low, exact.load_low)
    assert ((pruned.loads >= pruned.load_low) & (pruned.loads <= pruned.load_high)).all()
    assert pruned.total_affinity <= exact.total_affinity + 1e-9
    # The pruned bound must still cover the best assignment over all pairs.
    assert pruned.lp_bound >= exact.total_affinity - 1e-9
