"""Benchmark of the judge assignment engine on a contest of realistic size.

2,000 entries × 150 judges, 5 judges per entry, 3 % random conflicts.  Entries
fall into six fields of unequal size, each with a category and 1–4 keywords
from its field's vocabulary (sometimes one from another field); judges know
one or two fields and a few keywords, so affinity is routed by expertise as
in a real call.  Prints figures; it is not a test.

    .venv/bin/python bench/assign.py [--entries 2000] [--judges 150] [--seed 0] [--lp] [--candidates 40]

Runs the exact min-cost flow (the default method), then a re-assignment after
the busiest judge is removed.  With ``--lp`` it also runs the HiGHS LP over all
pairs and the pruned LP (each entry's best ``--candidates`` judges, bound kept
honest by duality) as a cross-check; they are many times slower.  Wall and
CPU times (``time.process_time``) are both shown because a shared machine can
stretch the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.assign import affinity_from_expertise, assign, reassign

FIELDS = ["Nông nghiệp", "Công nghệ thông tin", "Y tế", "Môi trường", "Giáo dục", "Cơ khí - Chế tạo"]
ENTRY_SHARE = [0.30, 0.22, 0.15, 0.13, 0.12, 0.08]
JUDGE_SHARE = [0.22, 0.20, 0.16, 0.16, 0.14, 0.12]
KEYWORDS_PER_FIELD = 12


def make_contest(n_entries: int, n_judges: int, seed: int, strict_fields: bool = False):
    """Affinity and conflicts of a synthetic contest.

    ``strict_fields``: every judge knows exactly one field, judges are split
    across fields in the same proportions as entries and nobody lists
    keywords — the worst case for mixing, since the LP then keeps each field
    an island that the repair must join.
    """
    rng = np.random.default_rng(seed)
    if strict_fields:
        entry_field = rng.choice(len(FIELDS), size=n_entries, p=ENTRY_SHARE)
        judge_field = np.repeat(np.arange(len(FIELDS)), np.round(np.array(ENTRY_SHARE) * n_judges).astype(int))
        judge_field = np.resize(judge_field, n_judges)
        affinity = affinity_from_expertise(
            [FIELDS[f] for f in entry_field], [[] for _ in entry_field], [[FIELDS[f]] for f in judge_field]
        )
        return affinity, rng.random(affinity.shape) < 0.03
    vocabulary = [[f"{field} #{i}" for i in range(KEYWORDS_PER_FIELD)] for field in FIELDS]
    entry_field = rng.choice(len(FIELDS), size=n_entries, p=ENTRY_SHARE)
    categories, keywords = [], []
    for f in entry_field:
        words = list(rng.choice(vocabulary[f], size=rng.integers(1, 5), replace=False))
        if rng.random() < 0.2:
            words.append(rng.choice(vocabulary[rng.integers(len(FIELDS))]))
        categories.append(FIELDS[f])
        keywords.append(words)
    expertise = []
    for _ in range(n_judges):
        fields = [rng.choice(len(FIELDS), p=JUDGE_SHARE)]
        if rng.random() < 0.35:
            fields.append(rng.integers(len(FIELDS)))
        known = []
        for f in fields:
            known.append(FIELDS[f])
            known.extend(rng.choice(vocabulary[f], size=rng.integers(3, 8), replace=False))
        expertise.append(known)
    affinity = affinity_from_expertise(categories, keywords, expertise)
    conflicts = rng.random(affinity.shape) < 0.03
    return affinity, conflicts


def report(label: str, seconds: float, result, conflicts, cpu: float) -> None:
    loads = result.loads
    share = result.pairs.sum() / max(1, int((loads > 0).sum()))
    print(f"{label}")
    print(f"  time                 {seconds:.2f} s wall, {cpu:.2f} s CPU")
    print(f"  total affinity       {result.total_affinity:.2f}")
    print(f"  LP bound             {result.lp_bound:.2f}")
    print(f"  gap                  {100 * result.gap:.3f} %")
    print(f"  conflicts broken     {int((result.pairs & conflicts).sum())}")
    print(f"  judges per entry     {result.pairs.sum(axis=1).min()}–{result.pairs.sum(axis=1).max()}")
    active = loads[loads > 0]
    print(f"  loads                min {active.min()}, max {loads.max()}, mean {loads.mean():.2f} "
          f"(even share {share:.2f}; judges with no entries: {int((loads == 0).sum())})")
    print(f"  connected            {result.connected} ({result.components} component(s))")
    print(f"  min judge overlap    {result.min_overlap} (median {int(np.median(result.overlaps))})")
    print(f"  repair swaps         {result.swaps} (graph pieces before repair: {result.components_before_repair})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=150)
    parser.add_argument("--per-entry", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lp", action="store_true", help="also run the (slow) HiGHS LP, exact and pruned")
    parser.add_argument("--candidates", type=int, default=40, help="judges kept per entry in the pruned LP run")
    parser.add_argument("--strict-fields", action="store_true", help="one field per judge, no keywords")
    args = parser.parse_args()

    affinity, conflicts = make_contest(args.entries, args.judges, args.seed, args.strict_fields)
    print(f"{args.entries} entries × {args.judges} judges, k = {args.per_entry}, "
          f"conflicts {100 * conflicts.mean():.2f} %, cpus {os.cpu_count()}")
    print(f"affinity: mean {affinity.mean():.3f}; entries with ≥ {args.per_entry} category-matched "
          f"unconflicted judges: {100 * (((affinity >= 1) & ~conflicts).sum(axis=1) >= args.per_entry).mean():.1f} %")

    runs = [("assign, min-cost flow (exact)", {"method": "flow"})]
    if args.lp:
        runs += [
            ("assign, HiGHS LP over all pairs", {"method": "lp"}),
            (f"assign, HiGHS LP with candidates={args.candidates}", {"method": "lp", "candidates": args.candidates}),
        ]
    results = []
    for label, options in runs:
        start, cpu = time.perf_counter(), time.process_time()
        outcome = assign(affinity, conflicts, args.per_entry, seed=args.seed, **options)
        report(label, time.perf_counter() - start, outcome, conflicts, time.process_time() - cpu)
        results.append(outcome)
    result = results[0]
    if args.lp:
        # Total affinities carry no jitter; with no repair swaps they are the two optima.
        print(f"flow − LP total affinity: {result.total_affinity - results[1].total_affinity:+.2e} "
              f"(swaps {result.swaps} / {results[1].swaps})")
    matched = (affinity[result.pairs] >= 1).mean()
    print(f"  pairs with matching category {100 * matched:.1f} %")

    busiest = int(np.argmax(result.loads))
    start, cpu = time.perf_counter(), time.process_time()
    after = reassign(result.pairs, affinity, conflicts, args.per_entry, removed_judges=[busiest], seed=args.seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    kept = result.pairs.copy()
    kept[:, busiest] = False
    report(f"reassign after removing judge {busiest} ({result.loads[busiest]} entries)", seconds, after, conflicts, cpu)
    print(f"  other pairs kept     {bool((after.pairs >= kept).all())}")


if __name__ == "__main__":
    main()
