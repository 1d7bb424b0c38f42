"""Properties checked against brute force on small random contests."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.assign import AssignmentInfeasible, assign, reassign


@st.composite
def contests(draw, max_entries=5):
    n_entries = draw(st.integers(2, max_entries))
    n_judges = draw(st.integers(2, 4))
    k = draw(st.integers(1, min(2, n_judges)))
    affinity = np.array(
        draw(st.lists(st.integers(0, 3), min_size=n_entries * n_judges, max_size=n_entries * n_judges)),
        dtype=float,
    ).reshape(n_entries, n_judges)
    conflicts = np.array(
        draw(st.lists(st.booleans(), min_size=n_entries * n_judges, max_size=n_entries * n_judges))
    ).reshape(n_entries, n_judges)
    conflicts &= np.array(draw(st.lists(st.booleans(), min_size=n_entries * n_judges,
                                        max_size=n_entries * n_judges))).reshape(n_entries, n_judges)
    max_load = draw(st.one_of(st.none(), st.lists(st.one_of(st.none(), st.integers(0, 5)),
                                                   min_size=n_judges, max_size=n_judges)))
    seed = draw(st.integers(0, 3))
    return affinity, conflicts, k, max_load, seed


@st.composite
def contests_with_minimums(draw):
    contest = draw(contests(max_entries=4))
    n_judges = contest[0].shape[1]
    min_load = draw(st.lists(st.integers(0, 3), min_size=n_judges, max_size=n_judges))
    return (*contest, min_load)


def all_assignments(conflicts, k):
    """Every way to give each entry k unconflicted judges."""
    options = [
        list(itertools.combinations(np.flatnonzero(~row).tolist(), k)) for row in conflicts
    ]
    for choice in itertools.product(*options):
        pairs = np.zeros(conflicts.shape, bool)
        for e, judges in enumerate(choice):
            pairs[e, list(judges)] = True
        yield pairs


def caps(max_load, n_judges):
    return np.array([np.inf if m is None else m for m in (max_load or [None] * n_judges)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contests_with_minimums())
def test_assignment_exists_exactly_when_brute_force_finds_one(contest):
    affinity, conflicts, k, max_load, seed, min_load = contest
    cap = caps(max_load, affinity.shape[1])
    feasible = [p for p in all_assignments(conflicts, k)
                if (p.sum(axis=0) <= cap).all() and (p.sum(axis=0) >= min_load).all()]
    try:
        result = assign(affinity, conflicts, k, min_load=min_load, max_load=max_load, seed=seed, repair=False)
    except AssignmentInfeasible as exc:
        assert not feasible, f"solver said infeasible ({exc.code}) but an assignment exists"
        assert str(exc)
        return
    assert feasible
    pairs = result.pairs
    assert (pairs.sum(axis=1) == k).all()
    assert not (pairs & conflicts).any()
    assert (result.loads <= cap).all() and (result.loads >= min_load).all()
    assert ((result.loads >= result.load_low) & (result.loads <= result.load_high)).all()
    in_band = [p for p in feasible
               if ((p.sum(axis=0) >= result.load_low) & (p.sum(axis=0) <= result.load_high)).all()]
    best = max(affinity[p].sum() for p in in_band)
    assert result.total_affinity == best
    assert result.lp_bound >= best - 1e-9


@settings(max_examples=15, deadline=None)
@given(contests())
def test_without_conflicts_or_caps_loads_are_within_one_of_even(contest):
    affinity, _, k, _, seed = contest
    result = assign(affinity, None, k, seed=seed)
    share = affinity.shape[0] * k / affinity.shape[1]
    assert result.loads.min() >= np.floor(share) and result.loads.max() <= np.ceil(share)


@settings(max_examples=15, deadline=None)
@given(contests())
def test_repair_never_breaks_the_hard_constraints_or_loses_connectivity(contest):
    affinity, conflicts, k, max_load, seed = contest
    try:
        plain = assign(affinity, conflicts, k, max_load=max_load, seed=seed, repair=False)
    except AssignmentInfeasible:
        return
    repaired = assign(affinity, conflicts, k, max_load=max_load, seed=seed)
    assert (repaired.pairs.sum(axis=1) == k).all()
    assert not (repaired.pairs & conflicts).any()
    assert np.array_equal(repaired.loads, plain.loads)
    assert repaired.components <= plain.components
    assert repaired.total_affinity <= plain.total_affinity + 1e-9


@settings(max_examples=15, deadline=None)
@given(contests(), st.data())
def test_reassignment_keeps_every_untouched_pair(contest, data):
    affinity, conflicts, k, max_load, seed = contest
    try:
        before = assign(affinity, conflicts, k, seed=seed)
    except AssignmentInfeasible:
        return
    removed = data.draw(st.integers(0, affinity.shape[1] - 1))
    try:
        after = reassign(before.pairs, affinity, conflicts, k, removed_judges=[removed], seed=seed)
    except AssignmentInfeasible:
        return
    kept = before.pairs.copy()
    kept[:, removed] = False
    assert (after.pairs >= kept).all()
    assert after.loads[removed] == 0
    assert (after.pairs.sum(axis=1) == k).all()
    assert not (after.pairs & conflicts).any()
