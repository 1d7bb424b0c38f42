"""What an assignment run returns, how it fails, and the graph measures behind calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components


class AssignmentInfeasible(Exception):
    """No assignment satisfies the constraints.

    ``str(exc)`` is an English explanation for people.  The structured fields
    let a caller write its own (e.g. Vietnamese) message:

    ``code``
        the binding constraint: ``"entry_lacks_judges"`` (an entry has fewer
        unconflicted judges than it needs), ``"total_capacity"`` (the judges'
        maximum loads add up to fewer places than required),
        ``"total_minimum_load"`` (minimum loads add up to more places than
        exist), ``"judge_minimum_unreachable"`` (a judge's minimum load exceeds
        the entries they may judge, or a fixed load exceeds their maximum),
        ``"entry_group_capacity"`` (a group of entries shares too few judges
        with spare capacity), ``"judge_group_minimum"`` (a group of judges cannot
        reach their minimum loads), ``"infeasible"`` (none of the above could
        be pinned down).
    ``entries`` / ``judges``
        indices (into the affinity matrix) of the entries / judges concerned.
    ``entry_ids`` / ``judge_ids``
        the same as identifiers when the caller supplied them, else the indices.
    ``required`` / ``available``
        the two numbers that do not meet (places needed and places on offer),
        or ``None`` when not applicable.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        entries: Sequence[int] = (),
        judges: Sequence[int] = (),
        entry_ids: Sequence[Any] = (),
        judge_ids: Sequence[Any] = (),
        required: int | None = None,
        available: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.entries = [int(e) for e in entries]
        self.judges = [int(j) for j in judges]
        self.entry_ids = list(entry_ids)
        self.judge_ids = list(judge_ids)
        self.required = required
        self.available = available

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "entries": self.entries,
            "judges": self.judges,
            "entry_ids": self.entry_ids,
            "judge_ids": self.judge_ids,
            "required": self.required,
            "available": self.available,
        }


def bipartite_components(pairs: np.ndarray) -> int:
    """Connected components of the judge–entry graph.

    Nodes are the entries that have at least one judge and the judges that
    have at least one entry; a judge or entry with nothing assigned takes no
    part in calibration and is not counted.
    """
    n_entries, n_judges = pairs.shape
    rows, cols = np.nonzero(pairs)
    if rows.size == 0:
        return 0
    graph = coo_array(
        (np.ones(rows.size, dtype=np.int8), (rows, n_entries + cols)),
        shape=(n_entries + n_judges,) * 2,
    )
    _, labels = connected_components(graph, directed=False)
    active = np.concatenate([pairs.any(axis=1), pairs.any(axis=0)])
    return int(np.unique(labels[active]).size)


def component_labels(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Component label of each entry and each judge in the judge–entry graph."""
    n_entries, n_judges = pairs.shape
    rows, cols = np.nonzero(pairs)
    graph = coo_array(
        (np.ones(rows.size, dtype=np.int8), (rows, n_entries + cols)),
        shape=(n_entries + n_judges,) * 2,
    )
    _, labels = connected_components(graph, directed=False)
    return labels[:n_entries], labels[n_entries:]


def judge_overlaps(pairs: np.ndarray) -> np.ndarray:
    """For each judge, how many other judges share at least one entry with them."""
    x = pairs.astype(np.int32)
    shared = (x.T @ x) > 0
    np.fill_diagonal(shared, False)
    return shared.sum(axis=1).astype(int)


@dataclass(frozen=True)
class AssignmentResult:
    """An assignment and the figures that show how good it is.

    ``pairs``
        boolean matrix, entries × judges; ``pairs[e, j]`` means judge ``j``
        scores entry ``e``.
    ``loads``
        entries per judge.
    ``total_affinity``
        sum of the (unjittered) affinity over assigned pairs.
    ``lp_bound``
        optimum of the transportation problem (min-cost flow, equivalently
        its linear programme) under the same conflicts and load band, before
        connectivity repair: no assignment with these loads scores higher.
        The flow's value is exact up to its integer cost resolution (below
        1e-6 of the affinity scale per pair, about 1e-8 on a 2,000-entry
        contest; see :mod:`judging.assign.flow`); with ``method="lp"``
        it includes the tie-breaking jitter, at most 1e-6 of the scale per
        pair, and with ``candidates`` it is a duality bound.
    ``gap``
        ``(lp_bound - total_affinity) / |lp_bound|`` (0 when the bound is 0):
        the share of affinity given up, mostly to connectivity repair.
    ``connected`` / ``components``
        whether the judge–entry graph is one piece, and how many pieces.
    ``min_overlap``
        the smallest number of other judges any active judge shares an entry
        with; calibration wants at least 2.
    ``load_low`` / ``load_high``
        the load band each judge was held to (even share ±1 unless maxima,
        conflicts or fixed pairs forced wider).
    ``swaps``
        exchanges made by the connectivity/overlap repair.
    ``components_before_repair``
        pieces of the graph the optimal solve alone produced (what the swaps had to join).
    ``overlaps``
        for each judge, the number of other judges sharing an entry with them.
    """

    pairs: np.ndarray
    loads: np.ndarray
    total_affinity: float
    lp_bound: float
    gap: float
    connected: bool
    components: int
    min_overlap: int
    load_low: np.ndarray
    load_high: np.ndarray
    swaps: int = 0
    entry_ids: tuple[Any, ...] | None = None
    judge_ids: tuple[Any, ...] | None = None
    overlaps: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    components_before_repair: int = 0

    def pair_list(self) -> list[tuple[int, int]]:
        """Assigned (entry index, judge index) pairs, by entry then judge."""
        rows, cols = np.nonzero(self.pairs)
        return [(int(e), int(j)) for e, j in zip(rows, cols)]

    def id_pairs(self) -> list[tuple[Any, Any]]:
        """Assigned (entry id, judge id) pairs, falling back to indices."""
        eids = self.entry_ids or tuple(range(self.pairs.shape[0]))
        jids = self.judge_ids or tuple(range(self.pairs.shape[1]))
        return [(eids[e], jids[j]) for e, j in self.pair_list()]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready summary and pair list."""
        loads = self.loads
        active = loads[loads > 0]
        return {
            "pairs": [list(p) for p in self.id_pairs()],
            "loads": [int(v) for v in loads],
            "load_min": int(active.min()) if active.size else 0,
            "load_max": int(loads.max()) if loads.size else 0,
            "load_mean": float(loads.mean()) if loads.size else 0.0,
            "total_affinity": float(self.total_affinity),
            "lp_bound": float(self.lp_bound),
            "gap": float(self.gap),
            "connected": bool(self.connected),
            "components": int(self.components),
            "min_overlap": int(self.min_overlap),
            "swaps": int(self.swaps),
            "components_before_repair": int(self.components_before_repair),
            "overlaps": [int(v) for v in self.overlaps],
            "entry_ids": list(self.entry_ids) if self.entry_ids is not None else None,
            "judge_ids": list(self.judge_ids) if self.judge_ids is not None else None,
        }


def summarize(
    pairs: np.ndarray,
    affinity: np.ndarray,
    lp_bound: float,
    load_low: np.ndarray,
    load_high: np.ndarray,
    swaps: int,
    entry_ids: Sequence[Any] | None,
    judge_ids: Sequence[Any] | None,
    *,
    components_before_repair: int | None = None,
) -> AssignmentResult:
    """Build the result, computing every figure from ``pairs`` itself."""
    pairs = np.array(pairs, dtype=bool)
    loads = pairs.sum(axis=0).astype(int)
    total = float(affinity[pairs].sum())
    gap = (lp_bound - total) / abs(lp_bound) if lp_bound != 0 else 0.0
    components = bipartite_components(pairs)
    overlaps = judge_overlaps(pairs)
    active = loads > 0
    return AssignmentResult(
        pairs=pairs,
        loads=loads,
        total_affinity=total,
        lp_bound=float(lp_bound),
        gap=float(max(gap, 0.0)),
        connected=components <= 1,
        components=components,
        min_overlap=int(overlaps[active].min()) if active.any() else 0,
        load_low=np.asarray(load_low, dtype=int).copy(),
        load_high=np.asarray(load_high, dtype=int).copy(),
        swaps=swaps,
        entry_ids=tuple(entry_ids) if entry_ids is not None else None,
        judge_ids=tuple(judge_ids) if judge_ids is not None else None,
        overlaps=overlaps,
        components_before_repair=components if components_before_repair is None else components_before_repair,
    )
