"""Minimal-loss swaps that make the judge–entry graph connected and mixed.

An optimal transportation solution routes judges by expertise, so judges of
one field tend to see only that field's entries: the judge–entry graph falls
apart into one piece per field and calibration across fields is impossible.

The repair move is a *swap*: judge ``j1`` hands entry ``e1`` to judge ``j2``
and takes entry ``e2`` from ``j2`` in return.  Every entry keeps its number of
judges, every judge keeps their load, and both new pairs must be unconflicted
and new.  If ``j1`` and ``j2`` lie in different components and entries have at
least two judges, the swap always joins the two components: ``e1`` keeps its
other judges in the first piece and gains ``j2`` in the second, and whatever
part ``j1`` might leave behind reaches the second piece through ``e2``.

The loss of a swap is ``A[e1,j1] + A[e2,j2] - A[e1,j2] - A[e2,j1]``; it splits
into a part that depends only on ``(e1, j1, j2)`` and one that depends only on
``(e2, j2, j1)``, so the cheapest swap for every judge pair is found by two
independent minimisations.  The repair is greedy: at each step it applies the
cheapest swap that strictly improves, in this order, the number of
components, the number of judges sharing entries with fewer than two others,
and the total shortfall of such judges.  Greedy is not guaranteed optimal, but
each step costs the least affinity available, and the result reports the
gap to the LP bound so the price of mixing is visible.
"""

from __future__ import annotations

import numpy as np

from judging.assign.result import bipartite_components, component_labels, judge_overlaps

_CANDIDATES_PER_STEP = 200


def _state(pairs: np.ndarray, target: int) -> tuple[int, int, int]:
    loads = pairs.sum(axis=0)
    active = loads > 0
    deficit = np.maximum(0, target - judge_overlaps(pairs))[active]
    return bipartite_components(pairs), int((deficit > 0).sum()), int(deficit.sum())


def _cheapest_handovers(pairs, affinity, addable, movable):
    """For each (j1, j2): the entry j1 can hand to j2 at least loss, and that loss."""
    n_judges = pairs.shape[1]
    loss = np.full((n_judges, n_judges), np.inf)
    entry = np.full((n_judges, n_judges), -1)
    columns = np.arange(n_judges)
    for j1 in range(n_judges):
        rows = np.flatnonzero(movable[:, j1])
        if rows.size == 0:
            continue
        drop = affinity[rows, j1][:, None] - affinity[rows, :]
        drop = np.where(addable[rows, :] & ~pairs[rows, :], drop, np.inf)
        best = np.argmin(drop, axis=0)
        loss[j1] = drop[best, columns]
        entry[j1] = rows[best]
    return loss, entry


def repair_mixing(
    pairs: np.ndarray,
    affinity: np.ndarray,
    addable: np.ndarray,
    fixed: np.ndarray,
    *,
    max_steps: int | None = None,
) -> tuple[np.ndarray, int]:
    """Return a repaired copy of ``pairs`` and the number of swaps made.

    ``addable`` marks pairs that may be created (unconflicted, not cancelled,
    judge not removed); ``fixed`` marks pairs that must not be moved.
    """
    pairs = pairs.copy()
    n_judges = pairs.shape[1]
    active = pairs.any(axis=0)
    target = min(2, int(active.sum()) - 1)
    if max_steps is None:
        max_steps = 4 * n_judges + 10
    state = _state(pairs, target)
    swaps = 0
    upper = np.triu(np.ones((n_judges, n_judges), bool), 1)
    while swaps < max_steps and (state[0] > 1 or state[1] > 0):
        handover, entry = _cheapest_handovers(pairs, affinity, addable, pairs & ~fixed)
        loss = handover + handover.T
        if state[0] > 1:
            _, judge_label = component_labels(pairs)
            wanted = judge_label[:, None] != judge_label[None, :]
        else:
            shared = (pairs.T.astype(np.int32) @ pairs.astype(np.int32)) > 0
            short = active & (judge_overlaps(pairs) < target)
            wanted = short[:, None] & ~shared
            wanted |= wanted.T
        wanted &= upper & active[:, None] & active[None, :] & np.isfinite(loss)
        j1s, j2s = np.nonzero(wanted)
        if j1s.size == 0:
            break
        order = np.argsort(loss[j1s, j2s], kind="stable")[:_CANDIDATES_PER_STEP]
        for j1, j2 in zip(j1s[order], j2s[order]):
            e1, e2 = entry[j1, j2], entry[j2, j1]
            trial = pairs.copy()
            trial[e1, j1] = trial[e2, j2] = False
            trial[e1, j2] = trial[e2, j1] = True
            new_state = _state(trial, target)
            if new_state < state:
                pairs, state = trial, new_state
                swaps += 1
                break
        else:
            break
    return pairs, swaps
