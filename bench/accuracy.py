"""Accuracy of the normalisation methods and honesty of the award probabilities, on simulated rounds.

For every scenario of ``bench/simulate.py`` (``GRID`` by default: small 40 × 9, province 80 × 14,
medium 300 × 40 and national 2,000 × 150 panels; fair judges, lenient/harsh judges who also
stretch or squeeze the scale, fields routed to their judges, erratic judges, weakly bridged
blocks, low noise) and every method, averaged over ``--reps`` rounds: Kendall τ between values
and true quality, precision of the top 10 % (share of the true top 10 % found in the estimated
top 10 %), and the coverage of the nominal 90 % intervals ``value ± 1.645 stderr``.

Baselines beside the default ``calibrated``: raw mean, z-score, unshrunk additive least squares
and unshrunk affine least squares (each judge's bias and stretch, by alternating least squares).

Honesty of the probabilities: the default's P(top 10 %) (``judging.stability``, 200 posterior
draws) against the true share of entries in the true top 10 %, pooled over the rounds, in the
bins [0.1, 0.5), [0.5, 0.9), [0.9, 1] (with the standard error of the gap between them, the
round as cluster), and the Brier score.  ``--bootstrap`` adds the same for
the judges+sheets bootstrap.

The last column checks issue #15's bar: τ within 0.005 of the best baseline, top-10 % precision
within 0.03 of the best, coverage in [0.85, 0.95], and every bin of 10 or more entries within
0.08 of its true share.  Prints Markdown; it is not a test.

    .venv/bin/python bench/accuracy.py [--reps 20] [--scenarios small,province] [--seed 0]
    .venv/bin/python bench/accuracy.py --legacy   # the historical 120 × 30 scenarios
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

import numpy as np
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from simulate import GRID, SCENARIOS, simulate

from judging.normalize import normalize
from judging.stability import bootstrap_values, summarize

DEFAULT = ("calibrated (default)", "calibrated", None)
BASELINES = (
    ("raw", "raw", None),
    ("zscore", "zscore", None),
    ("additive LS", "ls", None),
    # A prior sd of 1,000 on the log-stretch is no prior: plain alternating least squares.
    ("affine LS", "ls", {"judge_scale": True, "scale_prior_sd": 1000.0}),
)
BINS = ((0.1, 0.5), (0.5, 0.9), (0.9, 1.0 + 1e-9))
N_DRAWS = 200


def metrics(values, stderr, truth):
    n = truth.size
    tau = kendalltau(values, truth).statistic
    top = max(1, int(round(0.1 * n)))
    true_top = set(np.argsort(-truth)[:top])
    est_top = set(np.argsort(-values)[:top])
    precision = len(true_top & est_top) / top
    coverage = float(np.mean(np.abs(values - truth) <= 1.645 * stderr))
    return tau, precision, coverage


def p_top(sheets, fit, truth, seed, resample):
    """Stated P(top 10 %) per entry and whether it truly is in the top 10 %."""
    top = max(1, int(round(0.1 * truth.size)))
    draws = bootstrap_values(sheets, fit, N_DRAWS, seed=seed, resample=resample)
    rows = summarize(list(sheets.entry_ids), fit.values, draws, top_k=top)
    in_top = np.zeros(truth.size, dtype=bool)
    in_top[np.argsort(-truth)[:top]] = True
    return np.array([r.p_top_k for r in rows]), in_top


def calibration(stated, truths):
    """Per bin: (entries, mean stated P, true share, standard error of the gap); and the Brier score.

    ``stated`` and ``truths`` hold one array per round.  The entries of one round are not
    independent (exactly the top 10 % of them truly belong), so the gap's standard error is the
    cluster-robust one, with the round as the cluster: at 20 rounds it is typically 0.04–0.06.
    """
    p, truth = np.concatenate(stated), np.concatenate(truths)
    out = []
    for lo, hi in BINS:
        sel = (p >= lo) & (p < hi)
        n = int(sel.sum())
        if not n:
            out.append((0, np.nan, np.nan, np.nan))
            continue
        gap = float(truth[sel].mean() - p[sel].mean())
        per_round = []
        for s, t in zip(stated, truths):
            in_bin = (s >= lo) & (s < hi)
            per_round.append(float(np.sum((t - s)[in_bin])) - gap * int(in_bin.sum()))
        se = float(np.sqrt(np.sum(np.square(per_round)))) / n
        out.append((n, float(p[sel].mean()), float(truth[sel].mean()), se))
    return out, float(np.mean((p - truth) ** 2))


def fmt_bins(bins):
    return " | ".join(f"{s:.2f}/{t:.2f} ±{e:.2f} ({n})" if n else "– (0)" for n, s, t, e in bins)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenarios", default="", help="comma-separated substrings of scenario names (default: all)")
    parser.add_argument("--legacy", action="store_true", help="the historical 120 × 30 scenarios instead of the grid")
    parser.add_argument("--bootstrap", action="store_true", help="also the judges+sheets bootstrap's calibration")
    parser.add_argument("--detail", action="store_true", help="also every method's figures per scenario")
    args = parser.parse_args(argv)
    pool = SCENARIOS if args.legacy else GRID
    wanted = [w.strip() for w in args.scenarios.split(",") if w.strip()]
    chosen = [sc for sc in pool if not wanted or any(w in sc.name for w in wanted)]
    print(f"reps per scenario: {args.reps}; seed {args.seed}; P(top 10 %) from {N_DRAWS} posterior draws\n")
    print(
        "| scenario | τ default | τ best baseline | top-10 % default | top-10 % best | 90 % coverage "
        "| P∈[0.1,0.5) stated/true ±se (n) | P∈[0.5,0.9) | P∈[0.9,1] | Brier | bar met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    details = []
    failures = 0
    for sc in chosen:
        methods = (DEFAULT, *BASELINES)
        rows = {label: [] for label, _, _ in methods}
        times = {label: 0.0 for label, _, _ in methods}
        stated, truths, b_stated, b_truths = [], [], [], []
        for rep in range(args.reps):
            sheets, quality, _, _ = simulate(sc, args.seed * 100_003 + rep)
            for label, method, params in methods:
                start = time.perf_counter()
                fit = normalize(sheets, method, params)
                times[label] += time.perf_counter() - start
                rows[label].append(metrics(fit.values, fit.stderr, quality))
                if label == DEFAULT[0]:
                    p, t = p_top(sheets, fit, quality, rep, "posterior")
                    stated.append(p)
                    truths.append(t)
                    if args.bootstrap:
                        p, t = p_top(sheets, fit, quality, rep, "judges+sheets")
                        b_stated.append(p)
                        b_truths.append(t)
        mean = {label: np.mean(rows[label], axis=0) for label, _, _ in methods}
        best_tau_label = max((b[0] for b in BASELINES), key=lambda lb: mean[lb][0])
        best_prec_label = max((b[0] for b in BASELINES), key=lambda lb: mean[lb][1])
        d = mean[DEFAULT[0]]
        bins, brier = calibration(stated, truths)
        ok_bins = all(n < 10 or abs(s - t) <= 0.08 for n, s, t, _ in bins)
        ok = (
            d[0] >= mean[best_tau_label][0] - 0.005
            and d[1] >= mean[best_prec_label][1] - 0.03
            and 0.85 <= d[2] <= 0.95
            and ok_bins
        )
        failures += not ok
        print(
            f"| {sc.name} | {d[0]:.3f} | {mean[best_tau_label][0]:.3f} ({best_tau_label}) | {d[1]:.2f} | "
            f"{mean[best_prec_label][1]:.2f} ({best_prec_label}) | {d[2]:.2f} | {fmt_bins(bins)} | {brier:.3f} | "
            f"{'yes' if ok else 'no'} |",
            flush=True,
        )
        if args.bootstrap:
            b_bins, b_brier = calibration(b_stated, b_truths)
            print(f"| ↳ bootstrap judges+sheets | | | | | | {fmt_bins(b_bins)} | {b_brier:.3f} | |", flush=True)
        for label, _, _ in methods:
            m = mean[label]
            details.append(
                f"| {sc.name} | {label} | {m[0]:.3f} | {m[1]:.2f} | {m[2]:.2f} "
                f"| {1000 * times[label] / args.reps:.0f} |"
            )
    print(f"\nscenarios meeting the bar: {len(chosen) - failures} of {len(chosen)}")
    if args.detail:
        print("\n| scenario | method | Kendall τ | top-10 % precision | 90 % coverage | ms |")
        print("|---|---|---|---|---|---|")
        print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
