"""``python -m judging awards``: a ranking and an award structure in, the award list out.

RANKING.csv needs ``entry_id,score`` (the output of ``rank``: scores on 0–100).
QUOTAS.csv has ``level,quota,min_score`` and optionally ``category``: one row per level, best
level first; a row without a category applies to every category that has no rows of its own.
CATEGORIES.csv (optional) maps ``entry_id,category``; without it awards are overall.
VOTES.csv (optional) has ``entry_id,votes``: the expert score is rescaled from 0–100 to
``--expert-scale`` (default 100 minus ``--vote-points``) and the vote points are added, the
contest's 80 + 20 rule.  Output columns: ``entry_id,category,position,score,level,
tie_at_boundary,contested_places`` (+ ``expert_score,vote_points`` with votes).
"""

from __future__ import annotations

from decimal import Decimal

from judging.awards import Level, allocate
from judging.commands.rank import write_csv
from judging.io import InputError, parse_float, read_rows
from judging.vote import DEFAULT_VOTE_POINTS, vote_points


def load_levels(path) -> list[Level]:
    rows = read_rows(path, ("level", "quota", "min_score"))
    levels = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        name = row["level"]
        category = row.values.get("category", "") or None
        if not name:
            raise InputError(path, row.number, "column 'level' is empty")
        if (name, category or "") in seen:
            raise InputError(path, row.number, f"duplicate level {name!r} for this category")
        seen.add((name, category or ""))
        quota = parse_float(path, row, "quota")
        if quota != int(quota) or quota < 0:
            raise InputError(path, row.number, f"quota must be a whole number >= 0, not {row['quota']!r}")
        levels.append(Level(name, int(quota), parse_float(path, row, "min_score"), category))
    if not levels:
        raise InputError(path, None, "no award levels")
    return levels


def load_mapping(path, value_column: str) -> dict[str, str]:
    rows = read_rows(path, ("entry_id", value_column))
    mapping: dict[str, str] = {}
    for row in rows:
        if not row["entry_id"]:
            raise InputError(path, row.number, "column 'entry_id' is empty")
        if row["entry_id"] in mapping:
            raise InputError(path, row.number, f"duplicate entry {row['entry_id']!r}")
        mapping[row["entry_id"]] = row[value_column]
    return mapping


def run(args) -> int:
    rows = read_rows(args.ranking, ("entry_id", "score"))
    scores: dict[str, float] = {}
    for row in rows:
        if row["entry_id"] in scores:
            raise InputError(args.ranking, row.number, f"duplicate entry {row['entry_id']!r}")
        scores[row["entry_id"]] = parse_float(args.ranking, row, "score")
    levels = load_levels(args.quotas)
    categories = load_mapping(args.categories, "category") if args.categories else None
    if categories is not None:
        missing = sorted(set(scores) - set(categories))
        if missing:
            raise InputError(args.categories, None, f"no category for entry {missing[0]!r}")
    expert = dict(scores)
    points: dict[str, Decimal] = {}
    if args.votes:
        counts = {}
        for entry_id, text in load_mapping(args.votes, "votes").items():
            if not text.isdigit():
                raise InputError(args.votes, None, f"votes of {entry_id!r} are not a whole number: {text!r}")
            if entry_id not in scores:
                raise InputError(args.votes, None, f"votes for entry {entry_id!r}, which is not in the ranking")
            counts[entry_id] = int(text)
        points = vote_points(counts, args.vote_points)
        expert_scale = args.expert_scale if args.expert_scale is not None else 100 - args.vote_points
        expert = {e: s * expert_scale / 100 for e, s in scores.items()}
    totals = {e: s + float(points.get(e, 0)) for e, s in expert.items()}
    result = allocate(totals, levels, categories)
    header = ["entry_id", "category", "position", "score", "level", "tie_at_boundary", "contested_places"]
    if args.votes:
        header += ["expert_score", "vote_points"]
    out = []
    for a in result.awards:
        row = [a.entry_id, a.category, a.position, f"{a.score:.4f}", a.level or "", int(a.tie_at_boundary),
               a.contested_places]
        if args.votes:
            row += [f"{expert[a.entry_id]:.4f}", str(points.get(a.entry_id, Decimal("0.0")))]
        out.append(row)
    write_csv(args.out, header, out)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("awards", help="allocate award levels", description=__doc__)
    parser.add_argument("--ranking", required=True, help="RANKING.csv with entry_id,score")
    parser.add_argument("--quotas", required=True, help="QUOTAS.csv: level,quota,min_score[,category]")
    parser.add_argument("--categories", help="CATEGORIES.csv: entry_id,category")
    parser.add_argument("--votes", help="VOTES.csv: entry_id,votes")
    parser.add_argument("--vote-points", type=int, default=DEFAULT_VOTE_POINTS)
    parser.add_argument("--expert-scale", type=float, default=None)
    parser.add_argument("--out", help="AWARDS.csv (default: standard output)")
    parser.set_defaults(func=run)
