"""Judge–entry assignment as a transportation problem, solved exactly by min-cost flow.

Model
-----
Variables ``x[e, j] ∈ {0, 1}`` for every pair that is not conflicted (and, in
re-assignment, not already fixed).  Constraints:

* every entry ``e`` gets exactly ``k[e]`` judges;
* every judge's load lies in a *band* ``[low[j], high[j]]``;

objective: maximise ``Σ affinity[e, j] · x[e, j]``.

This is a min-cost flow (entries supply their places, unit arcs carry them to
unconflicted judges, judges pass them on to a sink within their band; see
:mod:`judging.assign.flow`), solved by OR-Tools' cost-scaling solver: integral
and exactly optimal, so the reported bound is the flow's own optimum.  The
same model as a linear programme (``method="lp"``) is kept as an independent
cross-check: its constraint matrix is the incidence matrix of a bipartite
graph (rows may be repeated for two-sided bounds), totally unimodular, so a
basic optimal solution is integral and has the same value.  HiGHS dual
simplex returns such a vertex; should it ever return a fractional point, the
problem is re-solved by HiGHS MILP.  The LP is much slower on large contests
(tens of thousands of degenerate pivots), which is why the flow is the default.

Load band ("as even as possible")
---------------------------------
Each judge's reachable range is ``[lo, hi]`` with ``lo = max(min_load,
fixed load)`` and ``hi = min(max_load, number of entries they may judge)``.
Water-filling finds the level ``t`` with ``Σ clip(t, lo, hi) = Σ k``; the band
is ``floor``/``ceil`` of ``clip(t, lo, hi)``.  So loads are the even share ±1
where maxima allow, and judges capped below the share are full.  If conflicts
make that band infeasible, a first solve finds loads that leave the band by
the least total amount (within ``[lo, hi]``; a flow whose judge → sink arcs
cost 1 per unit outside the band, or an LP with slacks), the band of each
judge is widened only as far as that solution needs, and the affinity problem
is solved in it.

Ties
----
Each pair gets a seeded random number.  The flow turns it into an integer
jitter strictly below one unit of the integer affinity summed over the whole
assignment, so it only ever decides between assignments of equal affinity
(rounded to below 1e-6 of the affinity scale; about 1e-8 on a 2,000-entry
contest).  The LP adds it as a jitter in ``[0, 1e-6 · max|affinity|)`` per
pair.  Either way ties are broken reproducibly for a seed and differently for
another, and the reported affinity never includes the jitter.

After the solve, :mod:`judging.assign.repair` swaps pairs to make the graph
connected with overlap (see there).  Fixed pairs are never swapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array, hstack, vstack
from scipy.sparse import identity as identity_matrix

from judging.assign.feasibility import check_groups, check_simple, raise_unexplained
from judging.assign.flow import band_flow, least_deviation_loads
from judging.assign.repair import repair_mixing
from judging.assign.result import AssignmentResult, bipartite_components, summarize

JITTER = 1e-6
# "flow": min-cost flow (default, fast); "lp": the HiGHS LP, kept as an
# independent cross-check and for candidate pruning.
METHODS = ("flow", "lp")
# Column generation in the pruned LP: re-solves after pricing, pairs added per entry each time.
PRICING_ROUNDS = 2
PRICED_PER_ENTRY = 5


# ---------------------------------------------------------------- validation


def _affinity(affinity) -> np.ndarray:
    a = np.array(affinity, dtype=float)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"affinity must be a non-empty entries × judges matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("affinity contains NaN or infinite values")
    return a


def _mask(mask, shape, name) -> np.ndarray:
    if mask is None:
        return np.zeros(shape, dtype=bool)
    m = np.array(mask, dtype=bool)
    if m.shape != shape:
        raise ValueError(f"{name} has shape {m.shape}, expected {shape}")
    return m


def _per_entry(per_entry, n_entries) -> np.ndarray:
    k = np.array(per_entry)
    if k.ndim == 0:
        k = np.full(n_entries, k)
    if k.shape != (n_entries,):
        raise ValueError(f"per_entry must be a number or one number per entry ({n_entries})")
    if not np.all(np.equal(np.mod(k, 1), 0)) or np.any(k < 1):
        raise ValueError("per_entry must be whole numbers of at least 1")
    return k.astype(int)


def _loads(value, n_judges, name, default) -> np.ndarray:
    if value is None:
        return np.full(n_judges, default, dtype=float)
    if np.ndim(value) == 0:
        values = [value] * n_judges
    else:
        values = list(value)
    if len(values) != n_judges:
        raise ValueError(f"{name} must be a number or one number per judge ({n_judges})")
    out = np.array([default if v is None else v for v in values], dtype=float)
    out[np.isnan(out)] = default
    finite = np.isfinite(out)
    if np.any(out < 0) or not np.all(np.mod(out[finite], 1) == 0):
        raise ValueError(f"{name} must be whole numbers ≥ 0 (None for no limit)")
    return out


def _candidates(candidates) -> int | None:
    if candidates is None:
        return None
    if int(candidates) != candidates or candidates < 1:
        raise ValueError("candidates must be a whole number of at least 1 (or None for the exact LP)")
    return int(candidates)


def _method(method) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _ids(ids, n, name) -> tuple[Any, ...] | None:
    if ids is None:
        return None
    ids = tuple(ids)
    if len(ids) != n:
        raise ValueError(f"{name} has {len(ids)} items, expected {n}")
    return ids


# ---------------------------------------------------------------- load band


def even_band(lo: np.ndarray, hi: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Water-filled even loads: floor/ceil of ``clip(t, lo, hi)`` with ``Σ = total``.

    Requires ``lo ≤ hi`` and ``Σ lo ≤ total ≤ Σ hi`` (checked before).
    """
    low, high = float(lo.min()), float(hi.max())
    for _ in range(200):
        mid = (low + high) / 2
        if np.clip(mid, lo, hi).sum() < total:
            low = mid
        else:
            high = mid
    share = np.clip(high, lo, hi)
    band_low = np.maximum(lo, np.floor(share + 1e-7)).astype(int)
    band_high = np.minimum(hi, np.ceil(share - 1e-7)).astype(int)
    return band_low, band_high


# ---------------------------------------------------------------- LP (cross-check)


def _solve_lp(cost, a_eq, b_eq, a_ub, b_ub, upper):
    """Minimise ``cost·x``; returns ``(x, objective, solver result)`` or ``None`` if infeasible."""
    bounds = np.column_stack([np.zeros_like(upper), upper])
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ds")
    if res.status == 2:
        return None
    if res.status != 0:
        raise RuntimeError(f"LP solver failed: {res.message}")
    x = res.x
    if np.max(np.abs(x - np.round(x)), initial=0.0) > 1e-6:
        # Total unimodularity makes this unreachable for a vertex solution;
        # the MILP keeps the answer exact if the solver ever returns a face point.
        a = vstack([a_eq, a_ub]).tocsr()
        lb = np.concatenate([b_eq, np.full(len(b_ub), -np.inf)])
        ub = np.concatenate([b_eq, b_ub])
        mres = milp(cost, constraints=LinearConstraint(a, lb, ub), integrality=np.ones_like(cost),
                    bounds=Bounds(0, upper))
        if mres.status != 0:
            raise RuntimeError(f"MILP solver failed: {mres.message}")
        return np.round(mres.x), res.fun, res
    return np.round(x), res.fun, res


def _transport(ei, ji, gain, need, room_low, room_high, shape):
    """The band LP over the given pair variables; ``(x, objective)`` or ``None``."""
    n_entries, n_judges = shape
    nv = ei.size
    judge_rows = _incidence(ji, n_judges, nv)
    result = _solve_lp(
        -gain,
        _incidence(ei, n_entries, nv),
        need.astype(float),
        vstack([judge_rows, -judge_rows]).tocsr(),
        np.concatenate([room_high, -room_low]).astype(float),
        np.ones(nv),
    )
    return result


def _band_lp(ei, ji, gain, need, room_low, room_high, shape, candidates=None):
    """Maximise gain within the load band; ``(x, objective, bound)`` or ``None``.

    ``objective`` is the minimised ``-gain`` and ``bound`` an upper bound on
    the maximum gain over *all* pairs.  Without ``candidates`` the LP covers
    every unconflicted pair and the bound is its optimum.

    With ``candidates = m`` the LP keeps only each entry's ``m`` best judges
    and each judge's best entries (enough to fill their band), which makes it
    several times faster on large contests.  The bound stays honest by weak
    duality: the restricted LP's duals, completed with
    ``π_v = max(0, -reduced cost)`` for every left-out pair, are feasible for
    the full dual, so ``optimum + Σ max(0, -reduced cost)`` bounds the full
    optimum and the reported gap includes whatever the pruning cost.  Before
    settling, up to ``PRICING_ROUNDS`` rounds of column generation add each
    entry's ``PRICED_PER_ENTRY`` most improving left-out pairs and re-solve,
    which both improves the assignment and tightens the bound.  If the pruned
    LP is infeasible the full LP is solved instead.
    """
    n_entries, n_judges = shape
    if candidates is not None and candidates < n_judges:
        dense = np.full(shape, -np.inf)
        dense[ei, ji] = gain
        per_judge = min(n_entries, int(room_high.max(initial=0)) + 5)
        wanted = np.zeros(shape, bool)
        np.put_along_axis(wanted, np.argpartition(-dense, candidates - 1, axis=1)[:, :candidates], True, axis=1)
        np.put_along_axis(wanted, np.argpartition(-dense, per_judge - 1, axis=0)[:per_judge], True, axis=0)
        chosen = wanted[ei, ji]
        tolerance = 1e-7 * max(1.0, float(np.abs(gain).max()))
        for round_ in range(PRICING_ROUNDS + 1):
            cols = np.flatnonzero(chosen)
            solved = _transport(ei[cols], ji[cols], gain[cols], need, room_low, room_high, shape)
            if solved is None:
                break
            x_cols, objective, res = solved
            entry_dual = res.eqlin.marginals
            high_dual, low_dual = res.ineqlin.marginals[:n_judges], res.ineqlin.marginals[n_judges:]
            reduced = -gain - entry_dual[ei] - high_dual[ji] + low_dual[ji]
            reduced[chosen] = 0.0
            if round_ == PRICING_ROUNDS or not (reduced < -tolerance).any():
                x = np.zeros(ei.size)
                x[cols] = x_cols
                return x, objective, -objective + float(np.maximum(0.0, -reduced).sum())
            # Price in each entry's most promising left-out judges, a few at a
            # time: adding every improving pair at once brings back most of the
            # full problem and its cost.
            scores = np.full(shape, np.inf)
            scores[ei, ji] = np.where(reduced < -tolerance, reduced, np.inf)
            per = min(PRICED_PER_ENTRY, n_judges)
            best = np.argpartition(scores, per - 1, axis=1)[:, :per]
            add = np.zeros(shape, bool)
            np.put_along_axis(add, best, True, axis=1)
            add &= np.isfinite(scores)
            chosen |= add[ei, ji]
    solved = _transport(ei, ji, gain, need, room_low, room_high, shape)
    if solved is None:
        return None
    x, objective, _ = solved
    return x, objective, -objective


def _incidence(index, n_rows, n_cols) -> csr_array:
    return csr_array((np.ones(n_cols), (index, np.arange(n_cols))), shape=(n_rows, n_cols))


def _lp_band(ei, ji, gain, need, fixed_judge, shape, candidates):
    """``solve(band_low, band_high) -> (x, bound) | None`` by the HiGHS LP."""

    def solve(band_low, band_high):
        solved = _band_lp(ei, ji, gain, need, band_low - fixed_judge, band_high - fixed_judge, shape, candidates)
        return None if solved is None else (solved[0], solved[2])

    return solve


def _lp_widening(ei, ji, need, fixed_judge, shape):
    """``widen(lo, band_low, band_high, hi) -> loads | None`` by an LP with deviation slacks."""
    n_entries, n_judges = shape
    nv = ei.size

    def widen(lo, band_low, band_high, hi):
        # Variables: the pairs, then each judge's units above and below the band.
        a_eq = _incidence(ei, n_entries, nv)
        judge_rows = _incidence(ji, n_judges, nv)
        a_ub = vstack([judge_rows, -judge_rows]).tocsr()
        identity = identity_matrix(n_judges, format="csr")
        empty = csr_array((n_judges, n_judges))
        slack = vstack([hstack([-identity, empty]), hstack([empty, -identity])])
        a_ub1 = hstack([a_ub, slack]).tocsr()
        a_eq1 = hstack([a_eq, csr_array((n_entries, 2 * n_judges))]).tocsr()
        upper1 = np.concatenate([np.ones(nv), hi - band_high, band_low - lo]).astype(float)
        cost1 = np.concatenate([np.zeros(nv), np.ones(2 * n_judges)])
        rhs = np.concatenate([band_high - fixed_judge, -(band_low - fixed_judge)]).astype(float)
        first = _solve_lp(cost1, a_eq1, need.astype(float), a_ub1, rhs, upper1)
        if first is None:
            return None
        return fixed_judge + np.bincount(ji, weights=first[0][:nv], minlength=n_judges).round().astype(int)

    return widen


def _flow_band(ei, ji, values, uniform, need, fixed_judge):
    """``solve(band_low, band_high) -> (x, None) | None`` by min-cost flow.

    No separate bound: the flow is optimal (up to the integer cost
    resolution, see :mod:`judging.assign.flow`), so its own affinity is one.
    """

    def solve(band_low, band_high):
        x = band_flow(ei, ji, values, uniform, need, band_low - fixed_judge, band_high - fixed_judge)
        return None if x is None else (x, None)

    return solve


def _flow_widening(ei, ji, need, fixed_judge, n_judges):
    """``widen(lo, band_low, band_high, hi) -> loads | None`` by a min-cost flow on deviations."""

    def widen(lo, band_low, band_high, hi):
        loads = least_deviation_loads(
            ei, ji, need, lo - fixed_judge, band_low - fixed_judge, band_high - fixed_judge,
            hi - fixed_judge, n_judges,
        )
        return None if loads is None else fixed_judge + loads

    return widen


def _solve(
    affinity: np.ndarray,
    eligible: np.ndarray,
    fixed: np.ndarray,
    k: np.ndarray,
    min_load: np.ndarray,
    max_load: np.ndarray,
    seed: int | None,
    repair: bool,
    entry_ids,
    judge_ids,
    candidates: int | None = None,
    method: str = "flow",
) -> AssignmentResult:
    """Shared core: ``eligible`` = pairs that may be added, ``fixed`` = pairs kept."""
    n_entries, n_judges = affinity.shape
    eligible = eligible & ~fixed
    fixed_entry = fixed.sum(axis=1)
    fixed_judge = fixed.sum(axis=0)
    if np.any(fixed_entry > k):
        over = np.flatnonzero(fixed_entry > k)
        raise ValueError(f"entries {over.tolist()} already have more judges than per_entry")
    lo = np.maximum(min_load, fixed_judge)
    hi = np.minimum(max_load, fixed_judge + eligible.sum(axis=0))
    check_simple(eligible, fixed, k, lo.astype(int), hi.astype(int), entry_ids, judge_ids)
    lo, hi = lo.astype(int), hi.astype(int)
    band_low, band_high = even_band(lo, hi, int(k.sum()))

    need = k - fixed_entry
    ei, ji = np.nonzero(eligible)
    nv = ei.size
    uniform = np.random.default_rng(seed).random(affinity.shape)[ei, ji]
    if method == "flow":
        solve_band = _flow_band(ei, ji, affinity[ei, ji], uniform, need, fixed_judge)
        widen = _flow_widening(ei, ji, need, fixed_judge, n_judges)
    else:
        scale = float(np.abs(affinity).max()) or 1.0
        gain = affinity[ei, ji] + uniform * (JITTER * scale)
        solve_band = _lp_band(ei, ji, gain, need, fixed_judge, affinity.shape, candidates)
        widen = _lp_widening(ei, ji, need, fixed_judge, affinity.shape)

    if nv == 0:
        # Nothing left to choose (a re-assignment whose holes are all filled):
        # check_simple has already ensured no entry still needs a judge.
        solved = (np.zeros(0), 0.0)
    else:
        solved = solve_band(band_low, band_high)
    if solved is None:
        # Conflicts rule the even band out: find the loads that leave it least,
        # then widen each judge's band only as far as those loads need.
        loads = widen(lo, band_low, band_high, hi)
        if loads is None:
            check_groups(eligible, need, np.maximum(lo - fixed_judge, 0), hi - fixed_judge, entry_ids, judge_ids)
            raise_unexplained(entry_ids, judge_ids)
        band_low = np.minimum(band_low, loads)
        band_high = np.maximum(band_high, loads)
        solved = solve_band(band_low, band_high)
        if solved is None:  # pragma: no cover - the widening loads are a witness
            raise_unexplained(entry_ids, judge_ids)
    x, bound = solved
    pairs = fixed.copy()
    pairs[ei[x > 0.5], ji[x > 0.5]] = True
    if method == "flow":
        # The flow is optimal, so its own affinity is the bound; summed exactly
        # as total_affinity is, so that an unrepaired result has gap 0.
        lp_bound = float(affinity[pairs].sum())
    else:
        lp_bound = bound + float(affinity[fixed].sum())
    swaps = 0
    components_before = bipartite_components(pairs)
    if repair and k.min() >= 2:
        pairs, swaps = repair_mixing(pairs, affinity, eligible, fixed)
    return summarize(
        pairs, affinity, lp_bound, band_low, band_high, swaps, entry_ids, judge_ids,
        components_before_repair=components_before,
    )


# ---------------------------------------------------------------- public API


def assign(
    affinity,
    conflicts=None,
    per_entry=3,
    *,
    min_load=None,
    max_load=None,
    seed: int | None = 0,
    entry_ids: Sequence[Any] | None = None,
    judge_ids: Sequence[Any] | None = None,
    repair: bool = True,
    candidates: int | None = None,
    method: str = "flow",
) -> AssignmentResult:
    """Give every entry exactly ``per_entry`` judges, maximising total affinity.

    ``affinity``: entries × judges floats (higher = better fit), e.g. from
    :func:`judging.assign.affinity_from_expertise`.  ``conflicts``: entries ×
    judges booleans; a conflicted pair is never assigned.  ``per_entry``: one
    whole number or one per entry (e.g. by category).  ``min_load`` /
    ``max_load``: one whole number or one per judge (``None`` = 0 / no cap).
    Loads are kept in the even band described in the module docstring, the
    judge–entry graph is repaired to be connected with overlap ≥ 2 when
    ``repair`` and every entry has ≥ 2 judges.  Inputs are not modified.

    ``method``: ``"flow"`` (default) solves the model exactly by min-cost
    flow; ``"lp"`` solves the same model by the HiGHS LP, much slower on
    large contests and kept to cross-check the flow.

    ``candidates`` (LP only; the flow always covers every pair): ``None``
    solves the LP over every pair; a number ``m`` keeps only each entry's
    ``m`` best judges, with ``lp_bound`` still a valid bound over all pairs
    (see ``_band_lp``), so ``gap`` shows what the shortcut cost.

    Raises :class:`AssignmentInfeasible` when no assignment exists and
    ``ValueError`` for malformed arguments.
    """
    a = _affinity(affinity)
    n_entries, n_judges = a.shape
    conflict = _mask(conflicts, a.shape, "conflicts")
    return _solve(
        a,
        ~conflict,
        np.zeros(a.shape, bool),
        _per_entry(per_entry, n_entries),
        _loads(min_load, n_judges, "min_load", 0.0),
        _loads(max_load, n_judges, "max_load", np.inf),
        seed,
        repair,
        _ids(entry_ids, n_entries, "entry_ids"),
        _ids(judge_ids, n_judges, "judge_ids"),
        _candidates(candidates),
        _method(method),
    )


def reassign(
    previous,
    affinity,
    conflicts=None,
    per_entry=3,
    *,
    removed_judges: Iterable[int] = (),
    cancelled_pairs: Iterable[tuple[int, int]] = (),
    min_load=None,
    max_load=None,
    seed: int | None = 0,
    entry_ids: Sequence[Any] | None = None,
    judge_ids: Sequence[Any] | None = None,
    repair: bool = True,
    candidates: int | None = None,
    method: str = "flow",
) -> AssignmentResult:
    """Fill the holes left when judges recuse or are removed, or pairs are cancelled.

    ``previous``: entries × judges booleans, the assignment in force.  Pairs of
    ``removed_judges`` (judge indices), ``cancelled_pairs`` ((entry, judge)
    indices) and pairs now conflicted are dropped and never re-created; every
    other previous pair stays exactly as it was.  Only the entries that lost
    judges receive new ones, chosen by the same model (maximum affinity
    within the even load band, counting the kept pairs in the loads: each
    judge's band and capacity shrink by their kept pairs, each entry's demand
    by its kept judges).  Removed judges end with load 0 whatever
    ``min_load`` says.  The repair swaps only new pairs, so it may be unable
    to mend connectivity; the result says so.  ``method`` and ``candidates``
    as in :func:`assign`.
    """
    a = _affinity(affinity)
    n_entries, n_judges = a.shape
    before = _mask(previous, a.shape, "previous")
    forbidden = _mask(conflicts, a.shape, "conflicts").copy()
    removed = np.zeros(n_judges, bool)
    for j in removed_judges:
        if not 0 <= int(j) < n_judges:
            raise ValueError(f"removed judge index {j} out of range")
        removed[int(j)] = True
    forbidden[:, removed] = True
    for e, j in cancelled_pairs:
        if not (0 <= int(e) < n_entries and 0 <= int(j) < n_judges):
            raise ValueError(f"cancelled pair ({e}, {j}) out of range")
        forbidden[int(e), int(j)] = True
    kept = before & ~forbidden
    low = _loads(min_load, n_judges, "min_load", 0.0)
    low[removed] = 0
    return _solve(
        a,
        ~forbidden,
        kept,
        _per_entry(per_entry, n_entries),
        low,
        _loads(max_load, n_judges, "max_load", np.inf),
        seed,
        repair,
        _ids(entry_ids, n_entries, "entry_ids"),
        _ids(judge_ids, n_judges, "judge_ids"),
        _candidates(candidates),
        _method(method),
    )


def full_panel(
    conflicts,
    affinity=None,
    *,
    min_judges: int = 1,
    entry_ids: Sequence[Any] | None = None,
    judge_ids: Sequence[Any] | None = None,
) -> AssignmentResult:
    """Final round: every unconflicted judge scores every finalist.

    ``conflicts``: finalists × judges booleans.  ``affinity`` only feeds the
    reported total (zeros if omitted).  Raises :class:`AssignmentInfeasible`
    (code ``"entry_lacks_judges"``) naming the finalists with fewer than
    ``min_judges`` unconflicted judges.  The bound equals the total: there is
    nothing to choose.
    """
    conflict = np.array(conflicts, dtype=bool)
    if conflict.ndim != 2 or 0 in conflict.shape:
        raise ValueError(f"conflicts must be a non-empty finalists × judges matrix, got shape {conflict.shape}")
    a = np.zeros(conflict.shape) if affinity is None else _affinity(affinity)
    if a.shape != conflict.shape:
        raise ValueError(f"affinity has shape {a.shape}, expected {conflict.shape}")
    n_entries, n_judges = conflict.shape
    eids = _ids(entry_ids, n_entries, "entry_ids")
    jids = _ids(judge_ids, n_judges, "judge_ids")
    pairs = ~conflict
    need = np.full(n_entries, int(min_judges))
    loads = pairs.sum(axis=0)
    check_simple(pairs, np.zeros_like(pairs), need, np.zeros(n_judges, int), loads, eids, jids)
    total = float(a[pairs].sum())
    return summarize(pairs, a, total, loads, loads, 0, eids, jids)
