"""Accuracy of the normalisation methods on simulated rounds with a known truth.

For every scenario of ``bench/simulate.py`` and every method, averaged over ``--reps`` rounds:
Kendall τ between values and true quality, precision of the top 10 % (share of the true top
10 % found in the estimated top 10 %), mean absolute rank error, and the coverage of the
nominal 90 % intervals ``value ± 1.645 stderr``.  Prints a Markdown table; it is not a test.

    .venv/bin/python bench/accuracy.py [--reps 20] [--seed 0] [--bootstrap 5]

With ``--bootstrap N`` it also checks, on N rounds per scenario, the coverage of the bootstrap's
90 % percentile intervals and the Brier score of its P(top 10 %) for each way of resampling.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small dense solves are far slower with several BLAS threads competing on a busy machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from simulate import SCENARIOS, simulate  # noqa: E402

from judging.normalize import normalize  # noqa: E402
from judging.stability import bootstrap_values, summarize  # noqa: E402

METHODS = (
    ("raw", "raw", None),
    ("zscore", "zscore", None),
    ("median", "median", None),
    ("unshrunk LS", "ls", None),
    ("calibrated", "calibrated", None),
    ("calibrated+scale", "calibrated", {"judge_scale": True}),
)


def metrics(values, stderr, truth):
    n = truth.size
    tau = kendalltau(values, truth).statistic
    top = max(1, int(round(0.1 * n)))
    true_top = set(np.argsort(-truth)[:top])
    est_top = set(np.argsort(-values)[:top])
    precision = len(true_top & est_top) / top
    true_rank = np.argsort(np.argsort(-truth))
    est_rank = np.argsort(np.argsort(-values))
    rank_error = float(np.mean(np.abs(true_rank - est_rank)))
    coverage = float(np.mean(np.abs(values - truth) <= 1.645 * stderr))
    return tau, precision, rank_error, coverage


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=0, help="also check the bootstrap on this many rounds per scenario")
    args = parser.parse_args(argv)
    print(f"reps per scenario: {args.reps}; entries, judges, k per scenario as in bench/simulate.py\n")
    print("| scenario | method | Kendall τ | top-10 % precision | mean rank error | 90 % coverage | ms |")
    print("|---|---|---|---|---|---|---|")
    for sc in SCENARIOS:
        rows = {label: [] for label, _, _ in METHODS}
        times = {label: 0.0 for label, _, _ in METHODS}
        for rep in range(args.reps):
            sheets, quality, _, _ = simulate(sc, args.seed * 100_003 + rep)
            for label, method, params in METHODS:
                start = time.perf_counter()
                fit = normalize(sheets, method, params)
                times[label] += time.perf_counter() - start
                rows[label].append(metrics(fit.values, fit.stderr, quality))
        best = max(np.mean([r[0] for r in rows[label]]) for label, _, _ in METHODS)
        for label, _, _ in METHODS:
            m = np.mean(rows[label], axis=0)
            tau = f"**{m[0]:.3f}**" if m[0] >= best - 5e-4 else f"{m[0]:.3f}"
            print(
                f"| {sc.name} | {label} | {tau} | {m[1]:.2f} | {m[2]:.1f} | {m[3]:.2f} | "
                f"{1000 * times[label] / args.reps:.0f} |"
            )
    if args.bootstrap:
        bootstrap_table(args)
    return 0


def bootstrap_table(args) -> None:
    """Coverage of the bootstrap's 90 % intervals and calibration of its P(top 10 %)."""
    print("\n| scenario | resampling | 90 % interval coverage | Brier score of P(top 10 %) | mean interval width |")
    print("|---|---|---|---|---|")
    for sc in SCENARIOS:
        for resample in ("sheets", "judges", "judges+sheets"):
            hits, brier, width = [], [], []
            for rep in range(args.bootstrap):
                sheets, quality, _, _ = simulate(sc, args.seed * 100_003 + rep)
                fit = normalize(sheets, "calibrated")
                reps = bootstrap_values(sheets, fit, 200, seed=rep, resample=resample)
                top = max(1, int(round(0.1 * quality.size)))
                rows = summarize(list(sheets.entry_ids), fit.values, reps, top_k=top)
                in_top = np.zeros(quality.size, dtype=bool)
                in_top[np.argsort(-quality)[:top]] = True
                lo = np.array([r.interval[0] for r in rows])
                hi = np.array([r.interval[1] for r in rows])
                p = np.array([r.p_top_k for r in rows])
                hits.append(np.mean((lo <= quality) & (quality <= hi)))
                brier.append(np.mean((p - in_top) ** 2))
                width.append(np.mean(hi - lo))
            print(f"| {sc.name} | {resample} | {np.mean(hits):.2f} | {np.mean(brier):.3f} | {np.mean(width):.1f} |")


if __name__ == "__main__":
    sys.exit(main())
