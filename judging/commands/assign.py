"""``python -m judging assign``: assign judges to entries from CSV files.

Reads ENTRIES.csv (``entry_id,category,keywords``), JUDGES.csv
(``judge_id,expertise,max_load``) and optionally CONFLICTS.csv
(``judge_id,entry_id``); keywords and expertise are ``;``-separated and
``max_load`` may be empty for no cap.  Writes ``entry_id,judge_id`` rows to
``--out`` or standard output and a summary to standard error.  Exit status:
0 assigned, 2 bad input file, 3 no assignment exists (explained on stderr).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from judging.assign import AssignmentInfeasible, AssignmentResult, affinity_from_expertise, assign
from judging.io import InputError, Row, parse_float, read_rows

EXIT_INFEASIBLE = 3


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "assign",
        help="assign k judges to every entry",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--entries", required=True, metavar="ENTRIES.csv")
    parser.add_argument("--judges", required=True, metavar="JUDGES.csv")
    parser.add_argument("--conflicts", metavar="CONFLICTS.csv")
    parser.add_argument("--per-entry", required=True, type=_positive_int, metavar="K")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--out", metavar="ASSIGNMENT.csv")
    parser.set_defaults(func=run)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _unique_ids(path: str, rows: list[Row], column: str, what: str) -> list[str]:
    if not rows:
        raise InputError(path, None, f"no {what} listed")
    seen: dict[str, int] = {}
    for row in rows:
        value = row[column]
        if not value:
            raise InputError(path, row.number, f"column '{column}' is empty")
        if value in seen:
            raise InputError(path, row.number, f"duplicate {column} {value!r} (first on row {seen[value]})")
        seen[value] = row.number
    return list(seen)


def _max_load(path: str, row: Row) -> int | None:
    value = parse_float(path, row, "max_load", allow_empty=True)
    if value is None:
        return None
    if value < 0 or value != int(value):
        raise InputError(path, row.number, f"column 'max_load' must be a whole number ≥ 0: {row['max_load']!r}")
    return int(value)


def load_problem(entries_path: str, judges_path: str, conflicts_path: str | None):
    """Read and check the three files; return ids, affinity, conflicts and max loads."""
    entry_rows = read_rows(entries_path, ["entry_id", "category", "keywords"])
    judge_rows = read_rows(judges_path, ["judge_id", "expertise", "max_load"])
    entry_ids = _unique_ids(entries_path, entry_rows, "entry_id", "entries")
    judge_ids = _unique_ids(judges_path, judge_rows, "judge_id", "judges")
    max_load = [_max_load(judges_path, row) for row in judge_rows]
    affinity = affinity_from_expertise(
        [row["category"] for row in entry_rows],
        [_split(row["keywords"]) for row in entry_rows],
        [_split(row["expertise"]) for row in judge_rows],
    )
    conflicts = np.zeros(affinity.shape, dtype=bool)
    if conflicts_path is not None:
        entry_index = {eid: i for i, eid in enumerate(entry_ids)}
        judge_index = {jid: j for j, jid in enumerate(judge_ids)}
        for row in read_rows(conflicts_path, ["judge_id", "entry_id"]):
            if row["judge_id"] not in judge_index:
                raise InputError(conflicts_path, row.number, f"unknown judge_id {row['judge_id']!r}")
            if row["entry_id"] not in entry_index:
                raise InputError(conflicts_path, row.number, f"unknown entry_id {row['entry_id']!r}")
            conflicts[entry_index[row["entry_id"]], judge_index[row["judge_id"]]] = True
    return entry_ids, judge_ids, affinity, conflicts, max_load


def summary(result: AssignmentResult) -> str:
    loads = result.loads
    pieces = "1 component" if result.components == 1 else f"{result.components} components"
    return "\n".join([
        f"assigned {int(result.pairs.sum())} pairs: {result.pairs.shape[0]} entries, {result.pairs.shape[1]} judges",
        f"loads: min {loads.min()}, max {loads.max()}, mean {loads.mean():.2f}",
        f"total affinity {result.total_affinity:.4f}, LP bound {result.lp_bound:.4f}, gap {100 * result.gap:.3f}%",
        f"graph: {'connected' if result.connected else 'NOT connected'} ({pieces}), "
        f"min judge overlap {result.min_overlap}, repair swaps {result.swaps}",
    ])


def _write(rows: list[tuple[str, str]], handle) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["entry_id", "judge_id"])
    writer.writerows(rows)


def run(args: argparse.Namespace) -> int:
    entry_ids, judge_ids, affinity, conflicts, max_load = load_problem(args.entries, args.judges, args.conflicts)
    try:
        result = assign(
            affinity,
            conflicts,
            args.per_entry,
            max_load=max_load,
            seed=args.seed,
            entry_ids=entry_ids,
            judge_ids=judge_ids,
        )
    except AssignmentInfeasible as exc:
        print(f"infeasible: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE
    rows = result.id_pairs()
    if args.out:
        try:
            with open(args.out, "w", newline="", encoding="utf-8") as handle:
                _write(rows, handle)
        except OSError as exc:
            raise InputError(Path(args.out), None, f"cannot write file ({exc.strerror})") from exc
    else:
        _write(rows, sys.stdout)
    print(summary(result), file=sys.stderr)
    return 0
