"""Speed of the judging engine on a contest of realistic size.

2,000 entries × 150 judges × 5 criteria, 5 judges per entry (10,000 sheets, 50,000 scores),
lenient/harsh judges.  Times, for each method: normalise + rank + awards from sheet totals
(the engine's work), the whole ``evaluate`` from 50,000 score items (validation, totals,
hashing, judge report included), and the bootstrap stability with 200 resamples.  Prints
figures; it is not a test.

    .venv/bin/python bench/speed.py [--entries 2000] [--judges 150] [--resamples 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small dense solves are far slower with several BLAS threads competing on a busy machine;
# the web workers should run with one BLAS thread too (docs/judging.md).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.awards import Level, allocate
from judging.engine import evaluate, stability
from judging.normalize import Sheets, normalize
from judging.rank import rank
from judging.rubric import Criterion, Rubric

LEVELS = [Level("Nhất", 6, 85), Level("Nhì", 12, 75), Level("Ba", 24, 65), Level("Khuyến khích", 60, 50)]


def make_items(n_entries: int, n_judges: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    rubric = Rubric(tuple(Criterion(f"c{i}", w, 20, step=0.5) for i, w in enumerate((3, 2, 2, 2, 1))))
    quality = rng.normal(0.6, 0.12, n_entries)
    bias = rng.normal(0, 0.08, n_judges)
    # Judges also stretch or squeeze the scale (log-stretch sd 0.3), so the stretch model works.
    stretch = np.exp(rng.normal(0, 0.3, n_judges))
    load = np.zeros(n_judges, dtype=int)
    items = []
    for e in range(n_entries):
        order = np.lexsort((rng.random(n_judges), load))
        judges = order[:k]
        load[judges] += 1
        for j in judges:
            mark = 0.6 + stretch[j] * (quality[e] - 0.6) + bias[j] + rng.normal(0, 0.06, 5)
            points = np.clip(np.round(mark * 40) / 2, 0, 20)
            items += [(f"E{e:04d}", f"J{j:03d}", f"c{c}", float(p)) for c, p in enumerate(points)]
    return rubric, items


def best_of(fn, repeat=3):
    """Best wall-clock and CPU seconds over ``repeat`` runs.

    CPU time is printed too because on a shared machine wall time mostly measures the
    neighbours; with one BLAS thread, CPU time is what the work costs on an idle core.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (min(walls), min(cpus)), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=150)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rubric, items = make_items(args.entries, args.judges, args.k, args.seed)
    print(f"{args.entries} entries × {args.judges} judges × 5 criteria, k = {args.k}: {len(items)} scores")
    base = evaluate(items, rubric, "raw")
    sheets: Sheets = base.sheets

    for method in ("raw", "zscore", "calibrated"):
        def core(method: str = method):  # bound now: the timing runs within this iteration
            fit = normalize(sheets, method)
            ranked = rank(list(sheets.entry_ids), fit.values.tolist(), stderr=fit.stderr.tolist())
            return allocate({r.entry_id: r.score for r in ranked}, LEVELS)

        (w_core, c_core), _ = best_of(core)
        (w_eval, c_eval), ev = best_of(lambda method=method: evaluate(items, rubric, method), repeat=2)
        print(
            f"{method:>10}: normalise + rank + awards {w_core:6.3f} s wall {c_core:6.3f} s CPU"
            f"   whole evaluate {w_eval:6.3f} s wall {c_eval:6.3f} s CPU"
        )
    for resample in ("posterior", "judges+sheets"):
        (w_stab, c_stab), st = best_of(
            lambda resample=resample: stability(
                ev, LEVELS, top_k=100, n_resamples=args.resamples, seed=args.seed, resample=resample
            ),
            repeat=1,
        )
        grey = sum(e.grey_zone for e in st.entries)
        print(
            f"stability (calibrated, {args.resamples} draws, {resample}): {w_stab:6.3f} s wall "
            f"{c_stab:6.3f} s CPU; {grey} entries in the grey zone"
        )
    print(f"calibrated fit: {ev.fit.iterations} iterations, panel log-stretch sd {ev.params.get('stretch_sd', 0):.3f}")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
