"""The band transportation problem as a min-cost flow, solved by OR-Tools.

Network
-------
One node per entry, one per judge, and a sink.

* entry ``e`` supplies ``need[e]`` units (the judges it still lacks), so it
  sends out exactly that many;
* entry → judge: one arc per eligible pair, capacity 1, cost ``-gain``;
* judge → sink: capacity ``room_high - room_low``, cost 0.  The lower bound
  ``room_low`` is moved onto the nodes (the standard transformation): the
  judge has a demand of ``room_low`` and the sink absorbs the rest, so every
  judge takes at least ``room_low`` and at most ``room_high`` units.

Capacities and supplies are integers, so the min-cost flow is integral and a
flow of value ``Σ need`` is exactly an assignment; its cost is the optimum of
the same transportation LP that HiGHS solves (the LP's constraint matrix is
totally unimodular), so no separate bound is needed.  OR-Tools' cost-scaling
push–relabel solves this in well under a second where dual simplex needs
tens of thousands of degenerate pivots.

Integer costs and ties
----------------------
The solver needs integer costs.  Each pair's affinity becomes
``primary = round(affinity / max|affinity| · R)`` and its seeded jitter an
integer ``tie ∈ [0, T)``; the arc cost is ``-(primary · B + tie)`` with
``B = N · (T - 1) + 1`` and ``N = Σ need``.  Two assignments differ in at most
``N`` pairs, so their jitter totals differ by less than ``B``: one unit of
``primary`` always outweighs any jitter, and the jitter only decides between
assignments of equal rounded affinity.  ``R`` is as large as the solver's
overflow limit allows (see :func:`_resolution`), capped at ``2**40`` so that
floating-point noise in the affinities stays a tie.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

# Distinct jitter values per pair: enough to break ties evenly, small enough
# to leave most of the integer range to the affinities themselves.
TIE_LEVELS = 1024
# Largest affinity resolution used: finer steps would only separate values that
# differ by floating-point rounding.
MAX_RESOLUTION = 2**40
# The solver multiplies every cost by (nodes + 1) and rejects costs above
# int64 max / (2 · (nodes + 1)); a further factor 2 leaves head-room for the
# node potentials it builds from them.
_COST_LIMIT = 2**62


def _resolution(n_units: int, n_nodes: int, coarsen: int) -> tuple[int, int, int]:
    """``(R, T, B)`` for the integer costs, ``coarsen`` steps of 2**10 below the finest."""
    budget = _COST_LIMIT // (2 * (n_nodes + 1))
    ties = TIE_LEVELS
    while True:
        multiplier = max(n_units, 1) * (ties - 1) + 1
        resolution = min(MAX_RESOLUTION, budget // multiplier - 1) >> (10 * coarsen)
        # Very large contests: give up jitter range before affinity resolution.
        if resolution >= 2**20 or ties == 2:
            return max(resolution, 1), ties, multiplier
        ties //= 2


def integer_costs(affinity_values, uniform, n_units, n_nodes, coarsen=0):
    """Arc costs for the pairs: rounded affinity first, seeded jitter second.

    ``affinity_values`` are the pairs' affinities, ``uniform`` one seeded
    number in ``[0, 1)`` per pair.  Returns ``(costs, resolution)``.
    """
    resolution, ties, multiplier = _resolution(n_units, n_nodes, coarsen)
    scale = float(np.abs(affinity_values).max(initial=0.0)) or 1.0
    primary = np.rint(affinity_values / scale * resolution).astype(np.int64)
    tie = np.minimum((uniform * ties).astype(np.int64), ties - 1)
    return -(primary * multiplier + tie), resolution


def _network(ei, ji, arc_costs, need, room_low, room_high, judge_arcs):
    """Build the network; ``judge_arcs`` lists ``(capacity, cost)`` pieces per judge → sink."""
    n_entries = need.size
    n_judges = room_low.size
    sink = n_entries + n_judges
    flow = SimpleMinCostFlow()
    judges = n_entries + np.arange(n_judges)
    tails = [ei.astype(np.int32)]
    heads = [(n_entries + ji).astype(np.int32)]
    caps = [np.ones(ei.size, np.int64)]
    costs = [np.asarray(arc_costs, np.int64)]
    for capacity, cost in judge_arcs:
        tails.append(judges.astype(np.int32))
        heads.append(np.full(n_judges, sink, np.int32))
        caps.append(np.asarray(capacity, np.int64))
        costs.append(np.full(n_judges, cost, np.int64))
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.concatenate([need, -room_low, [room_low.sum() - need.sum()]]).astype(np.int64)
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    return flow


def _run(flow: SimpleMinCostFlow, n_pairs: int) -> np.ndarray | None:
    """Solve; the pair arcs' flows (0/1), ``None`` if infeasible."""
    status = flow.solve()
    if status == flow.INFEASIBLE:
        return None
    if status == flow.BAD_COST_RANGE:
        raise OverflowError
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow solver failed with status {status}")
    return flow.flows(np.arange(n_pairs)).astype(float)


def band_flow(ei, ji, affinity_values, uniform, need, room_low, room_high) -> np.ndarray | None:
    """Maximum-affinity assignment with every judge's new load in ``[room_low, room_high]``.

    Returns ``x`` (1.0 for each chosen pair, in the order of ``ei``/``ji``), or
    ``None`` when the band admits no assignment.  ``need`` is the number of
    judges each entry still lacks.
    """
    n_nodes = need.size + room_low.size + 1
    n_units = int(need.sum())
    # The finest resolution is chosen to fit the solver's limits; should its
    # node potentials still overflow, retry with coarser (but still exact to
    # far below any affinity difference that matters) costs.
    for coarsen in range(4):
        costs, _ = integer_costs(affinity_values, uniform, n_units, n_nodes, coarsen)
        flow = _network(ei, ji, costs, need, room_low, room_high, [(room_high - room_low, 0)])
        try:
            return _run(flow, ei.size)
        except OverflowError:
            continue
    raise RuntimeError("min-cost flow costs overflow even at the coarsest resolution")


def least_deviation_loads(ei, ji, need, lo, band_low, band_high, hi, n_judges) -> np.ndarray | None:
    """New loads within ``[lo, hi]`` that leave ``[band_low, band_high]`` by the least total amount.

    All bounds count new pairs only.  Each judge's arc to the sink is split
    into three pieces: up to ``band_low`` at cost −1, the band at cost 0 and
    above it at cost +1.  Since the cheaper pieces fill first, every unit
    short of ``band_low`` or above ``band_high`` costs 1, so the min-cost flow
    minimises the total deviation.  Returns the loads or ``None`` if even
    ``[lo, hi]`` admits no assignment.
    """
    flow = _network(
        ei, ji, np.zeros(ei.size, np.int64), need, lo, hi,
        [(band_low - lo, -1), (band_high - band_low, 0), (hi - band_high, 1)],
    )
    x = _run(flow, ei.size)
    if x is None:
        return None
    return np.bincount(ji, weights=x, minlength=n_judges).round().astype(int)
