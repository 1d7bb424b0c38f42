"""The min-cost flow against the HiGHS LP of the same model, ties, and the integer-cost limits."""

from __future__ import annotations

import numpy as np
import pytest

from judging.assign import assign, reassign
from judging.assign import flow as flow_module
from judging.assign.solver import _transport


def lp_optimum(affinity, addable, fixed, k, band_low, band_high):
    """Maximum affinity by the HiGHS LP, no jitter, with ``fixed`` pairs kept and loads in the band."""
    ei, ji = np.nonzero(addable & ~fixed)
    fixed_judge = fixed.sum(axis=0)
    solved = _transport(
        ei, ji, affinity[ei, ji], k - fixed.sum(axis=1), band_low - fixed_judge, band_high - fixed_judge,
        affinity.shape,
    )
    assert solved is not None, "the LP finds no assignment in the band the flow used"
    return -solved[1] + float(affinity[fixed].sum())


def contest(seed, n_entries, n_judges, kind):
    rng = np.random.default_rng(seed)
    if kind == "continuous":
        affinity = rng.normal(size=(n_entries, n_judges))
    elif kind == "coarse":
        # Few distinct values: many ties, where a wrong tie-break would show.
        affinity = np.round(rng.random((n_entries, n_judges)), 1)
    else:
        # Expertise-like: a field match plus a keyword share in sixths.
        fields = rng.integers(0, 4, n_entries)[:, None] == rng.integers(0, 4, n_judges)[None, :]
        affinity = fields + rng.integers(0, 7, (n_entries, n_judges)) / 12
    conflicts = rng.random((n_entries, n_judges)) < 0.05
    return affinity, conflicts


SIZES = [(12, 5, 2), (40, 8, 3), (200, 25, 3), (400, 40, 5)]


@pytest.mark.parametrize("kind", ["continuous", "coarse", "expertise"])
@pytest.mark.parametrize(("n_entries", "n_judges", "k"), SIZES)
def test_flow_reaches_the_lp_optimum(kind, n_entries, n_judges, k):
    for seed in range(3):
        affinity, conflicts = contest(seed, n_entries, n_judges, kind)
        result = assign(affinity, conflicts, k, seed=seed, repair=False)
        assert (result.pairs.sum(axis=1) == k).all() and not (result.pairs & conflicts).any()
        assert ((result.loads >= result.load_low) & (result.loads <= result.load_high)).all()
        optimum = lp_optimum(affinity, ~conflicts, np.zeros_like(conflicts), np.full(n_entries, k),
                             result.load_low, result.load_high)
        assert result.total_affinity == pytest.approx(optimum, abs=1e-6)
        assert result.lp_bound == pytest.approx(result.total_affinity, abs=1e-9)
        assert result.gap == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_flow_and_lp_methods_agree_with_caps_and_minimums(seed):
    rng = np.random.default_rng(100 + seed)
    affinity, conflicts = contest(seed, 60, 10, "expertise")
    max_load = [None if rng.random() < 0.6 else int(rng.integers(8, 20)) for _ in range(10)]
    min_load = rng.integers(0, 10, 10)
    by_flow = assign(affinity, conflicts, 3, min_load=min_load, max_load=max_load, seed=seed, repair=False)
    by_lp = assign(affinity, conflicts, 3, min_load=min_load, max_load=max_load, seed=seed, repair=False,
                   method="lp")
    assert np.array_equal(by_flow.load_low, by_lp.load_low)
    assert np.array_equal(by_flow.load_high, by_lp.load_high)
    # The LP's jitter is at most 1e-6 of the scale per pair, so it may trade
    # that much real affinity; the flow may not.
    assert by_flow.total_affinity >= by_lp.total_affinity - 1e-9
    assert by_flow.total_affinity == pytest.approx(by_lp.total_affinity, abs=180 * 1e-6 * np.abs(affinity).max())


def test_flow_widens_the_band_as_little_as_the_lp():
    # Judges 0-2 may judge only the first four entries, so the even share
    # (6 each) is out of their reach and others must carry more.
    for seed in range(4):
        rng = np.random.default_rng(seed)
        affinity = rng.random((30, 6))
        conflicts = np.zeros((30, 6), bool)
        conflicts[4:, :3] = True
        by_flow = assign(affinity, conflicts, 1 + seed % 2, seed=seed, repair=False)
        by_lp = assign(affinity, conflicts, 1 + seed % 2, seed=seed, repair=False, method="lp")
        width = (by_flow.load_high - by_flow.load_low).sum()
        assert width == (by_lp.load_high - by_lp.load_low).sum()
        assert width > 6, "the case was meant to force a wider band"
        optimum = lp_optimum(affinity, ~conflicts, np.zeros_like(conflicts), np.full(30, 1 + seed % 2),
                             by_flow.load_low, by_flow.load_high)
        assert by_flow.total_affinity == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_reassignment_by_flow_reaches_the_lp_optimum_around_the_kept_pairs(seed):
    affinity, conflicts = contest(seed, 150, 20, "expertise")
    before = assign(affinity, conflicts, 4, seed=seed)
    removed = int(np.argmax(before.loads))
    after = reassign(before.pairs, affinity, conflicts, 4, removed_judges=[removed], seed=seed, repair=False)
    forbidden = conflicts.copy()
    forbidden[:, removed] = True
    kept = before.pairs & ~forbidden
    assert (after.pairs >= kept).all()
    optimum = lp_optimum(affinity, ~forbidden, kept, np.full(150, 4), after.load_low, after.load_high)
    assert after.total_affinity == pytest.approx(optimum, abs=1e-6)
    assert after.lp_bound == pytest.approx(optimum, abs=1e-6)


def test_a_real_difference_far_below_the_lp_jitter_still_wins():
    # Every fit ties except a bonus of 1e-9 on one judge per entry.  The LP's
    # jitter (up to 1e-6) could override it; the flow's integer jitter cannot.
    affinity = np.ones((16, 4))
    bonus = (np.arange(16), np.arange(16) // 4)
    affinity[bonus] += 1e-9
    for seed in range(6):
        result = assign(affinity, None, 1, seed=seed)
        assert result.pairs[bonus].all()


def test_the_seed_breaks_ties_for_the_flow():
    affinity = np.round(np.random.default_rng(0).random((30, 6)), 1)
    outcomes = {assign(affinity, None, 3, seed=s, repair=False).pairs.tobytes() for s in range(5)}
    totals = {round(assign(affinity, None, 3, seed=s, repair=False).total_affinity, 9) for s in range(5)}
    assert len(outcomes) > 1 and len(totals) == 1


@pytest.mark.parametrize(("n_units", "n_nodes"), [(1, 3), (10_000, 2_151), (50_000, 10_001), (10**7, 10**5)])
def test_integer_costs_stay_within_the_solvers_limit(n_units, n_nodes):
    resolution, ties, multiplier = flow_module._resolution(n_units, n_nodes, 0)
    largest = resolution * multiplier + ties - 1
    # OR-Tools rejects costs above int64 max / (2 · (nodes + 1)).
    assert largest <= (2**63 - 1) // (2 * (n_nodes + 1))
    # One unit of rounded affinity must outweigh any jitter total.
    assert multiplier > n_units * (ties - 1)
    assert resolution >= 2**20


def test_costs_too_large_for_the_solver_are_retried_coarser(monkeypatch):
    affinity, conflicts = contest(1, 40, 8, "continuous")
    expected = assign(affinity, conflicts, 3, repair=False)
    calls = []
    original = flow_module.integer_costs

    def counted(*args, **kwargs):
        calls.append(args[-1] if len(args) == 5 else kwargs.get("coarsen", 0))
        return original(*args, **kwargs)

    # A limit far above int64 makes the finest costs too large for the solver.
    monkeypatch.setattr(flow_module, "_COST_LIMIT", 2**66)
    monkeypatch.setattr(flow_module, "MAX_RESOLUTION", 2**62)
    monkeypatch.setattr(flow_module, "integer_costs", counted)
    result = assign(affinity, conflicts, 3, repair=False)
    assert len(calls) > 1
    assert result.total_affinity == pytest.approx(expected.total_affinity, abs=1e-9)


def test_candidates_leave_the_exact_flow_unchanged():
    affinity, conflicts = contest(2, 60, 12, "coarse")
    exact = assign(affinity, conflicts, 3, repair=False)
    with_candidates = assign(affinity, conflicts, 3, repair=False, candidates=4)
    assert np.array_equal(exact.pairs, with_candidates.pairs)
    assert with_candidates.gap == 0.0


def test_unknown_method_is_a_value_error():
    with pytest.raises(ValueError, match="method"):
        assign(np.zeros((3, 2)), None, 1, method="simplex")
