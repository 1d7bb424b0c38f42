"""Simulated judging rounds with a known truth, for the accuracy and speed benchmarks.

Model of a sheet total (points on 0–100)::

    y = clip(60 + s_j (q_e - 60) + b_j + noise, 0, 100)

- ``q_e`` true quality, N(60 + field effect, ``quality_sd``);
- ``b_j`` leniency (+) or harshness (−), N(0, ``bias_sd``), centred to mean 0 so the truth is on
  the same gauge as the calibrated model (the panel is right on average);
- ``s_j`` stretch, exp(N(0, ``stretch_sd``)), geometric mean 1;
- noise N(0, ``noise_sd``); an *erratic* judge instead scores uniformly at random on 0–100.

Assignment: each entry gets ``k`` distinct judges, balancing load.  ``routed``: judges belong to
``n_fields`` fields and an entry goes to judges of its own field (fields differ in quality by
``field_sd``), with ``cross`` the share of sheets sent outside the field so the panel stays
connected.  ``few_sheet_share`` of the judges get only 2–3 sheets.  ``bridges`` > 0 splits the
panel into ``n_blocks`` blocks (two by default) joined only through that many judges who may
score in every block (a weakly connected panel).

``SCENARIOS`` are the historical 120 × 30 rounds; ``GRID`` the panels this contest sees, from a
commune-sized 40 × 9 to the national 2,000 × 150, each with judges who differ in leniency and in
how much of the scale they use (see ``grid``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from judging.normalize import Sheets


@dataclass(frozen=True)
class Scenario:
    name: str
    n_entries: int = 120
    n_judges: int = 30
    k: int = 4
    quality_sd: float = 10.0
    bias_sd: float = 0.0
    stretch_sd: float = 0.0
    noise_sd: float = 6.0
    n_erratic: int = 0
    routed: bool = False
    n_fields: int = 1
    field_sd: float = 0.0
    cross: float = 0.15
    few_sheet_share: float = 0.0
    bridges: int = 0
    n_blocks: int = 2


SCENARIOS = (
    Scenario("fair judges (control)"),
    Scenario("lenient/harsh judges", bias_sd=8.0),
    Scenario("lenient/harsh + stretch", bias_sd=8.0, stretch_sd=0.3),
    Scenario("small bias", bias_sd=3.0),
    Scenario("judges with very few sheets", n_judges=45, bias_sd=8.0, few_sheet_share=0.3),
    Scenario("few sheets, fair judges", n_judges=45, few_sheet_share=0.3),
    Scenario("weakly connected panel", bias_sd=8.0, bridges=2),
    Scenario("fields differ, routed by expertise", bias_sd=6.0, routed=True, n_fields=6, field_sd=8.0),
    Scenario("fields differ, routed, fair judges", routed=True, n_fields=6, field_sd=8.0),
    Scenario("two erratic judges", bias_sd=6.0, n_erratic=2),
    Scenario("sparse: k = 2", bias_sd=8.0, k=2),
)


# Panel sizes of the grid: (label, entries, judges, judges per entry).
SIZES = (
    ("small", 40, 9, 3),
    ("province", 80, 14, 3),
    ("medium", 300, 40, 4),
    ("national", 2000, 150, 5),
)


def grid() -> tuple[Scenario, ...]:
    """Every panel size × the judge behaviours of issue #15.

    Points are on 0–100, so a bias sd of 8 is 0.8 points of 10 and 15 is 1.5.  Stretch is the sd
    of a judge's log-stretch.  The noise of a sheet is 6 points except in the low-noise variant.
    """
    out = []
    for label, E, J, k in SIZES:
        size = {"n_entries": E, "n_judges": J, "k": k}
        out += [
            Scenario(f"{label}: fair judges", **size),
            Scenario(f"{label}: bias 8, stretch 0", bias_sd=8.0, **size),
            Scenario(f"{label}: bias 8, stretch 0.15", bias_sd=8.0, stretch_sd=0.15, **size),
            Scenario(f"{label}: bias 8, stretch 0.3", bias_sd=8.0, stretch_sd=0.3, **size),
            Scenario(f"{label}: bias 8, stretch 0.45", bias_sd=8.0, stretch_sd=0.45, **size),
            Scenario(f"{label}: bias 15, stretch 0.3", bias_sd=15.0, stretch_sd=0.3, **size),
            Scenario(f"{label}: fields routed, bias 6, stretch 0.3", bias_sd=6.0, stretch_sd=0.3,
                     routed=True, n_fields=3 if J < 20 else 6, field_sd=8.0, **size),
            Scenario(f"{label}: 2 erratic, bias 6, stretch 0.3", bias_sd=6.0, stretch_sd=0.3, n_erratic=2, **size),
            Scenario(f"{label}: 3 weakly bridged blocks, bias 8, stretch 0.3", bias_sd=8.0, stretch_sd=0.3,
                     bridges=3, n_blocks=3, **size),
            Scenario(f"{label}: low noise (sd 3), bias 8, stretch 0.3", bias_sd=8.0, stretch_sd=0.3,
                     noise_sd=3.0, **size),
        ]
    return tuple(out)


GRID = grid()


def _pick(rng, candidates, load, k):
    """k distinct judges from ``candidates``, least loaded first (random among equals)."""
    candidates = np.asarray(candidates)
    order = np.lexsort((rng.random(candidates.size), load[candidates]))
    return candidates[order[:k]]


def simulate(sc: Scenario, seed: int):
    """One round: (Sheets, true quality per entry, true bias per judge, erratic judge mask)."""
    rng = np.random.default_rng(seed)
    E, J, k = sc.n_entries, sc.n_judges, sc.k
    field_e = rng.integers(0, sc.n_fields, E)
    field_effect = rng.normal(0, sc.field_sd, sc.n_fields) if sc.n_fields > 1 else np.zeros(1)
    quality = 60 + field_effect[field_e] + rng.normal(0, sc.quality_sd, E)
    bias = rng.normal(0, sc.bias_sd, J) if sc.bias_sd else np.zeros(J)
    bias -= bias.mean()
    stretch = np.exp(rng.normal(0, sc.stretch_sd, J)) if sc.stretch_sd else np.ones(J)
    stretch /= np.exp(np.mean(np.log(stretch)))
    erratic = np.zeros(J, dtype=bool)
    erratic[rng.choice(J, sc.n_erratic, replace=False)] = True
    field_j = np.arange(J) % sc.n_fields
    few = np.zeros(J, dtype=bool)
    if sc.few_sheet_share:
        few[rng.choice(J, int(round(sc.few_sheet_share * J)), replace=False)] = True
    cap = np.where(few, rng.integers(2, 4, J), 10**9)
    block_j = np.arange(J) * sc.n_blocks // J
    bridge = np.zeros(J, dtype=bool)
    if sc.bridges:
        bridge[rng.choice(J, sc.bridges, replace=False)] = True
    block_e = np.arange(E) * sc.n_blocks // E
    load = np.zeros(J, dtype=int)
    entries, judges = [], []
    for e in range(E):
        pool = np.flatnonzero(load < cap)
        if sc.bridges:
            pool = pool[(block_j[pool] == block_e[e]) | bridge[pool]]
        if sc.routed:
            own = pool[field_j[pool] == field_e[e]]
            n_cross = int(rng.random() < sc.cross)
            chosen = list(_pick(rng, own, load, k - n_cross)) if own.size >= k - n_cross else []
            rest = np.setdiff1d(pool, chosen)
            chosen += list(_pick(rng, rest, load, k - len(chosen)))
            chosen = np.array(chosen)
        else:
            chosen = _pick(rng, pool, load, k)
        load[chosen] += 1
        entries += [e] * len(chosen)
        judges += list(chosen)
    entry = np.array(entries)
    judge = np.array(judges)
    y = 60 + stretch[judge] * (quality[entry] - 60) + bias[judge] + rng.normal(0, sc.noise_sd, entry.size)
    y = np.where(erratic[judge], rng.uniform(0, 100, entry.size), y)
    y = np.clip(y, 0, 100)
    sheets = Sheets(
        tuple(f"E{e:04d}" for e in range(E)), tuple(f"J{j:03d}" for j in range(J)), entry, judge, y, 100.0
    )
    return sheets, quality, bias, erratic
