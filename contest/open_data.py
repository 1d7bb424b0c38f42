"""Open results: every published result set as CSV and JSON at stable public URLs, for the province's
portal and the press.

Only published and finalized sets are ever included (the same rule as the public results page, read
from the database at each request), each with the SHA-256 of its frozen inputs so that anyone can
match a line to the computation it came from.  Non-winners appear only when the organizers chose to
list them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Award, Edition, Entry, ResultSet
from contest.results import PUBLIC_STATUSES

COLUMNS = ["result_set_id", "status", "input_sha256", "round", "category_of_set", "rank", "award", "prize_amount",
           "reference_code", "title", "authors", "organization", "locality", "category", "expert_score",
           "vote_score", "total_score"]


def public_sets(edition: Edition) -> list[ResultSet]:
    return list(db.session.scalars(
        select(ResultSet)
        .where(ResultSet.edition_id == edition.id, ResultSet.status.in_(PUBLIC_STATUSES))
        .order_by(ResultSet.id)
    ))


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def _award_json(award: Award) -> dict[str, Any]:
    entry = award.entry
    return {
        "rank": award.rank,
        "award": award.level.name if award.level is not None else None,
        "prize_amount": award.level.prize_amount if award.level is not None else None,
        "reference_code": entry.reference_code,
        "title": entry.title,
        "authors": entry.authors_display,
        "organization": entry.organization,
        "locality": entry.locality.name if entry.locality else None,
        "category": entry.category.name,
        "expert_score": _number(award.expert_score),
        "vote_score": _number(award.vote_score),
        "total_score": _number(award.total_score),
    }


def _shown(rs: ResultSet) -> list[Award]:
    awards = db.session.scalars(
        select(Award).where(Award.result_set_id == rs.id)
        .options(selectinload(Award.entry).selectinload(Entry.members), selectinload(Award.entry)
                 .selectinload(Entry.category))
    ).all()
    shown = [a for a in awards if a.level is not None or rs.list_non_winners]
    return sorted(shown, key=lambda a: (a.entry.category.position, a.rank, a.entry.reference_code))


def _set_json(rs: ResultSet) -> dict[str, Any]:
    return {
        "id": rs.id,
        "status": rs.status,
        "round": rs.round.name if rs.round else None,
        "category": rs.category.name if rs.category else None,
        "method": rs.method,
        "engine_version": rs.engine_version,
        "input_sha256": rs.input_hash,
        "published_at": rs.published_at.isoformat() if rs.published_at else None,
        "finalized_at": rs.finalized_at.isoformat() if rs.finalized_at else None,
        "corrects_result_set": rs.supersedes_id,
        "awards": [_award_json(a) for a in _shown(rs)],
    }


def results_json(edition: Edition) -> bytes:
    document = {
        "edition": {"slug": edition.slug, "year": edition.year, "name": edition.name},
        "result_sets": [_set_json(rs) for rs in public_sets(edition)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def results_csv(edition: Edition) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for rs in public_sets(edition):
        data = _set_json(rs)
        for award in data["awards"]:
            writer.writerow([rs.id, rs.status, rs.input_hash, data["round"] or "", data["category"] or "",
                             *[_cell(award[key]) for key in COLUMNS[5:]]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    # A spreadsheet would run a cell starting with = + - @ as a formula: quote it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value
