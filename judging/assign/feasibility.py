"""Explaining why no assignment exists, in terms an organiser can act on.

The checks go from the plainest cause to the most general, and the first one
that fails is reported, so a single under-staffed entry is named as such
rather than as part of an abstract "group".  The group checks are max-flow
min-cut arguments (Hall's condition for b-matchings): when the flow from the
entries' demands to the judges' capacities falls short, the entries still
reachable in the residual graph form a group whose unconflicted judges cannot
offer enough places.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from judging.assign.result import AssignmentInfeasible

_MAX_NAMED = 10


def _names(indices: Sequence[int], ids: Sequence[Any] | None) -> list[Any]:
    return [ids[i] for i in indices] if ids is not None else [int(i) for i in indices]


def _listing(names: list[Any]) -> str:
    shown = ", ".join(str(n) for n in names[:_MAX_NAMED])
    extra = len(names) - _MAX_NAMED
    return shown + (f" and {extra} more" if extra > 0 else "")


def _raise(code, message, entries=(), judges=(), entry_ids=None, judge_ids=None, required=None, available=None):
    raise AssignmentInfeasible(
        code,
        message,
        entries=list(entries),
        judges=list(judges),
        entry_ids=_names(list(entries), entry_ids),
        judge_ids=_names(list(judges), judge_ids),
        required=None if required is None else int(required),
        available=None if available is None else int(available),
    )


def check_simple(
    eligible: np.ndarray,
    fixed: np.ndarray,
    per_entry: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    entry_ids: Sequence[Any] | None,
    judge_ids: Sequence[Any] | None,
) -> None:
    """Counting arguments that need no optimisation.

    ``eligible`` marks the pairs that may be newly assigned, ``fixed`` the pairs
    kept from before; ``lo``/``hi`` are each judge's total load bounds with
    ``hi`` already capped by the number of entries the judge may take.
    """
    possible = (eligible | fixed).sum(axis=1)
    short = np.flatnonzero(possible < per_entry)
    if short.size:
        names = _names(short, entry_ids)
        first = short[0]
        detail = f"entry {names[0]} has only {possible[first]} unconflicted judges, needs {per_entry[first]}"
        if short.size > 1:
            detail += f"; {short.size} entries lack enough eligible judges: {_listing(names)}"
        _raise(
            "entry_lacks_judges",
            detail,
            entries=short,
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=per_entry[first],
            available=possible[first],
        )
    stuck = np.flatnonzero(lo > hi)
    if stuck.size:
        names = _names(stuck, judge_ids)
        first = stuck[0]
        _raise(
            "judge_minimum_unreachable",
            f"judge {names[0]} must have at least {lo[first]} entries but can take at most {hi[first]}"
            + (f"; also {_listing(names[1:])}" if stuck.size > 1 else ""),
            judges=stuck,
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=lo[first],
            available=hi[first],
        )
    required = int(per_entry.sum())
    capacity = int(hi.sum())
    if capacity < required:
        _raise(
            "total_capacity",
            f"total capacity {capacity} < required {required} (judges' maximum loads, "
            "limited to the entries each may judge, cannot cover every entry)",
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=required,
            available=capacity,
        )
    minimum = int(lo.sum())
    if minimum > required:
        _raise(
            "total_minimum_load",
            f"total minimum load {minimum} > required {required} (there are not enough places "
            "to give every judge their minimum)",
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=minimum,
            available=required,
        )


def _flow_shortfall(
    supply: np.ndarray, links: np.ndarray, demand: np.ndarray
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray] | None:
    """Max flow source → left (``supply``) → right (``links``, unit) → sink (``demand``).

    Returns ``None`` when every unit of supply flows, else ``(needed, flowed,
    left group, right group, flow into each left node)`` where the groups are
    the nodes reachable from the source in the residual graph: the min cut.
    """
    n_left, n_right = links.shape
    source, sink = 0, n_left + n_right + 1
    li, rj = np.nonzero(links)
    rows = np.concatenate([np.zeros(n_left, int), 1 + li, 1 + n_left + np.arange(n_right)])
    cols = np.concatenate([1 + np.arange(n_left), 1 + n_left + rj, np.full(n_right, sink)])
    caps = np.concatenate([supply, np.ones(li.size, int), demand]).astype(np.int32)
    keep = caps > 0
    n = n_left + n_right + 2
    capacity = csr_array((caps[keep], (rows[keep], cols[keep])), shape=(n, n))
    result = maximum_flow(capacity, source, sink)
    needed = int(supply.sum())
    if result.flow_value >= needed:
        return None
    flow = result.flow.toarray() if hasattr(result.flow, "toarray") else np.asarray(result.flow)
    residual = capacity.toarray() - flow
    reach = breadth_first_order(csr_array(residual > 0), source, directed=True, return_predecessors=False)
    reached = np.zeros(n, bool)
    reached[reach] = True
    left = np.flatnonzero(reached[1 : 1 + n_left])
    right = np.flatnonzero(reached[1 + n_left : 1 + n_left + n_right])
    into_left = flow[source, 1 : 1 + n_left]
    return needed, int(result.flow_value), left, right, into_left


def check_groups(
    eligible: np.ndarray,
    need: np.ndarray,
    room_low: np.ndarray,
    room_high: np.ndarray,
    entry_ids: Sequence[Any] | None,
    judge_ids: Sequence[Any] | None,
) -> None:
    """Hall-type group shortages, after the counting checks passed.

    ``need`` is the number of judges each entry still lacks, ``room_low`` and
    ``room_high`` the fewest and most new entries each judge must/may take.
    """
    short = _flow_shortfall(need, eligible, room_high)
    if short is not None:
        _, _, group, judges, into = short
        required = int(need[group].sum())
        available = int(into[group].sum())
        _raise(
            "entry_group_capacity",
            f"entries {_listing(_names(group, entry_ids))} together need {required} judge places, "
            f"but their unconflicted judges can give only {available} within their maximum loads",
            entries=group,
            judges=judges,
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=required,
            available=available,
        )
    short = _flow_shortfall(room_low, eligible.T, need)
    if short is not None:
        _, _, group, entries, into = short
        required = int(room_low[group].sum())
        available = int(into[group].sum())
        _raise(
            "judge_group_minimum",
            f"judges {_listing(_names(group, judge_ids))} need at least {required} entries in total, "
            f"but the entries they may judge can give them only {available}",
            entries=entries,
            judges=group,
            entry_ids=entry_ids,
            judge_ids=judge_ids,
            required=required,
            available=available,
        )


def raise_unexplained(entry_ids, judge_ids) -> None:
    _raise(
        "infeasible",
        "no assignment meets the per-entry numbers, conflicts and load limits together",
        entry_ids=entry_ids,
        judge_ids=judge_ids,
    )
