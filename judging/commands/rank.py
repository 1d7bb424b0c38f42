"""``python -m judging rank``: score sheets and criteria in, a ranking CSV out.

SCORES.csv has the columns ``entry_id,judge_id,criterion,score`` (one row per judge × entry ×
criterion; an empty score means the criterion was left blank).  CRITERIA.csv has
``criterion,weight,max_score`` and optionally ``min_score`` (default 0) and ``step``.  The output
starts with ``rank,entry_id,score,stderr`` (best first, score on 0–100) followed by
``raw_mean,n_sheets,tied,flags,computed_score``.

``score`` is what a council publishes (``judging.publication``): on a complete design (every judge
scored every entry) the plain mean of the sheet totals, otherwise the method's value; either way
brought onto 0–100 by a strictly increasing map, never above it.  ``computed_score`` is the
method's own value, shown beside it; ``down_weighted_sheet`` and ``outlying_sheet`` in ``flags``
mark the entries a chair must review.
"""

from __future__ import annotations

import csv
import sys
from contextlib import nullcontext
from pathlib import Path

from judging.engine import DEFAULT_METHOD, Evaluation, evaluate
from judging.io import InputError, parse_float, read_rows
from judging.publication import publish_evaluation
from judging.rubric import Criterion, Rubric, check_score

CLI_METHODS = ("raw", "zscore", "calibrated")
RANKING_COLUMNS = ("rank", "entry_id", "score", "stderr", "raw_mean", "n_sheets", "tied", "flags", "computed_score")


def load_rubric(path: str | Path, scale: float = 100.0) -> Rubric:
    """Read CRITERIA.csv into a rubric on ``0 .. scale``."""
    rows = read_rows(path, ("criterion", "weight", "max_score"))
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    for row in rows:
        key = row["criterion"]
        if not key:
            raise InputError(path, row.number, "column 'criterion' is empty")
        if key in seen:
            raise InputError(path, row.number, f"duplicate criterion {key!r} (first on row {seen[key]})")
        seen[key] = row.number
        weight = parse_float(path, row, "weight")
        maximum = parse_float(path, row, "max_score")
        minimum = parse_float(path, row, "min_score", allow_empty=True) if "min_score" in row.values else None
        step = parse_float(path, row, "step", allow_empty=True) if "step" in row.values else None
        try:
            criteria.append(Criterion(key, weight, maximum, 0.0 if minimum is None else minimum, step))
        except ValueError as exc:
            raise InputError(path, row.number, str(exc)) from None
    if not criteria:
        raise InputError(path, None, "no criteria")
    try:
        return Rubric(tuple(criteria), scale)
    except ValueError as exc:
        raise InputError(path, None, str(exc)) from None


def load_scores(path: str | Path, rubric: Rubric) -> list[tuple[str, str, str, float | None]]:
    """Read SCORES.csv, checking every row against the rubric."""
    rows = read_rows(path, ("entry_id", "judge_id", "criterion", "score"))
    items = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        entry_id, judge_id, criterion = row["entry_id"], row["judge_id"], row["criterion"]
        for column, value in (("entry_id", entry_id), ("judge_id", judge_id), ("criterion", criterion)):
            if not value:
                raise InputError(path, row.number, f"column '{column}' is empty")
        if criterion not in rubric:
            raise InputError(path, row.number, f"unknown criterion {criterion!r}")
        key = (entry_id, judge_id, criterion)
        if key in seen:
            raise InputError(
                path, row.number, f"duplicate row for entry {entry_id!r}, judge {judge_id!r}, "
                f"criterion {criterion!r} (first on row {seen[key]})"
            )
        seen[key] = row.number
        score = parse_float(path, row, "score", allow_empty=True)
        if score is not None:
            problem = check_score(rubric[criterion], score)
            if problem is not None:
                c = rubric[criterion]
                detail = (f"step {c.step:g} from {c.minimum:g}" if problem.code == "off_step"
                          else f"{c.minimum:g}..{c.maximum:g}")
                raise InputError(path, row.number, f"score {score:g} of criterion {criterion!r} is "
                                                   f"{problem.code.replace('_', ' ')} ({detail})")
        items.append((entry_id, judge_id, criterion, score))
    if not items:
        raise InputError(path, None, "no score rows")
    return items


def evaluate_files(scores: str, criteria: str, method: str) -> Evaluation:
    rubric = load_rubric(criteria)
    return evaluate(load_scores(scores, rubric), rubric, method)


def write_csv(path: str | None, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") if path else nullcontext(sys.stdout) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _number(value: float | None, digits: int = 4) -> str:
    return "" if value is None or value != value else f"{round(value, digits) + 0.0:.{digits}f}"  # no "-0.0000"


def run(args) -> int:
    evaluation = evaluate_files(args.scores, args.criteria, args.method)
    published, ranking = publish_evaluation(evaluation)
    engine_rows = {r.entry_id: r for r in evaluation.ranking}
    index = {e: i for i, e in enumerate(evaluation.sheets.entry_ids)}
    rows = []
    for r in ranking:
        base = engine_rows[r.entry_id]
        flags = [*base.flags, *published.flags[index[r.entry_id]]]
        rows.append((
            r.rank, r.entry_id, _number(r.score), _number(base.stderr), _number(base.raw_mean),
            base.n_sheets, int(r.tied), ";".join(flags), _number(base.score),
        ))
    write_csv(args.out, RANKING_COLUMNS, rows)
    for warning in evaluation.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if published.complete:
        print("note: complete design (every judge scored every entry): score is the plain mean", file=sys.stderr)
    if not published.mapping.identity:
        print(f"note: scores mapped onto 0..{published.mapping.scale:g} by (value - {published.mapping.low:.4f})"
              f" * {published.mapping.scale:g} / ({published.mapping.high:.4f} - {published.mapping.low:.4f})",
              file=sys.stderr)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("rank", help="rank entries from score sheets", description=__doc__)
    parser.add_argument("--scores", required=True, help="SCORES.csv: entry_id,judge_id,criterion,score")
    parser.add_argument("--criteria", required=True, help="CRITERIA.csv: criterion,weight,max_score")
    parser.add_argument("--method", choices=CLI_METHODS, default=DEFAULT_METHOD)
    parser.add_argument("--out", help="RANKING.csv (default: standard output)")
    parser.set_defaults(func=run)
