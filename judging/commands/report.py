"""``python -m judging report``: the reliability report of a panel as CSV.

Reads the same SCORES.csv and CRITERIA.csv as ``rank``.  Writes one row per judge:
``judge_id,n_sheets,bias,bias_se,scale,scale_se,residual_sd,weight,panel_correlation,n_shared,
component,outlier,reasons`` (points of 0–100).  ``--entries`` also writes per-entry flags
(``entry_id,n_sheets,flags``).  The panel's ICC(1) and any warning go to standard error.
"""

from __future__ import annotations

import sys

from judging.commands.rank import CLI_METHODS, evaluate_files, write_csv
from judging.engine import DEFAULT_METHOD

JUDGE_COLUMNS = (
    "judge_id", "n_sheets", "bias", "bias_se", "scale", "scale_se", "residual_sd", "weight",
    "panel_correlation", "n_shared", "component", "outlier", "reasons",
)


def _n(value) -> str:
    return "" if value is None or value != value else f"{round(value, 4) + 0.0:.4f}"  # no "-0.0000"


def run(args) -> int:
    evaluation = evaluate_files(args.scores, args.criteria, args.method)
    rows = [
        (
            j.judge_id, j.n_sheets, _n(j.bias), _n(j.bias_se), _n(j.scale), _n(j.scale_se),
            _n(j.residual_sd), _n(j.weight), _n(j.panel_correlation), j.n_shared, j.component,
            int(j.outlier), ";".join(j.reasons),
        )
        for j in evaluation.judges
    ]
    write_csv(args.out, JUDGE_COLUMNS, rows)
    if args.entries:
        write_csv(
            args.entries,
            ("entry_id", "n_sheets", "flags"),
            [(r.entry_id, r.n_sheets, ";".join(r.flags)) for r in evaluation.ranking],
        )
    a = evaluation.agreement
    if a.icc_raw is not None:
        print(
            f"ICC(1) raw {a.icc_raw:.3f} [{a.icc_raw_interval[0]:.3f}, {a.icc_raw_interval[1]:.3f}], "
            f"bias-corrected {a.icc_calibrated:.3f} "
            f"[{a.icc_calibrated_interval[0]:.3f}, {a.icc_calibrated_interval[1]:.3f}]",
            file=sys.stderr,
        )
    for warning in evaluation.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="reliability report of the judges", description=__doc__)
    parser.add_argument("--scores", required=True)
    parser.add_argument("--criteria", required=True)
    parser.add_argument("--method", choices=CLI_METHODS, default=DEFAULT_METHOD)
    parser.add_argument("--out", help="REPORT.csv (default: standard output)")
    parser.add_argument("--entries", help="also write per-entry flags to this CSV")
    parser.set_defaults(func=run)
