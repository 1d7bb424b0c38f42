"""Published results for everyone, and each applicant's own result with the judges' comments.

Only published or finalized result sets ever reach these pages.  The list shows the winners
(and the other ranked entries only when the organizers chose so), never a judge's name or a
private note.  The rendered list is cached in-process per result sets' ids and states and
language, so a change of state is a new key and the page never shows a stale status.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, session
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from contest import phases, results
from contest.extensions import db
from contest.i18n import current_language, localized
from contest.models import (
    Assignment,
    AssignmentState,
    Award,
    Edition,
    EditionStatus,
    Entry,
    ResultSet,
    ResultStatus,
    Round,
    ScoreSheet,
    SheetStatus,
)
from contest.web.public.routes import bp


def public_sets(edition: Edition) -> list[ResultSet]:
    # The engine's payload and parameters can be large and the public page never reads them.
    sets = db.session.scalars(
        select(ResultSet)
        .where(ResultSet.edition_id == edition.id, ResultSet.status.in_(results.PUBLIC_STATUSES))
        .options(defer(ResultSet.payload), defer(ResultSet.parameters),
                 selectinload(ResultSet.round), selectinload(ResultSet.category))
    ).all()
    return sorted(sets, key=lambda s: (s.round.position if s.round else 0, s.category.position if s.category else -1))


VISIBLE = (EditionStatus.OPEN.value, EditionStatus.CLOSED.value, EditionStatus.ARCHIVED.value)


def _edition_or_404(slug: str | None) -> Edition:
    visible = VISIBLE
    if slug is None:
        edition = db.session.scalar(
            select(Edition)
            .join(ResultSet, ResultSet.edition_id == Edition.id)
            .where(Edition.status.in_(visible), ResultSet.status.in_(results.PUBLIC_STATUSES))
            .order_by(Edition.year.desc(), Edition.id.desc())
            .limit(1)
        )
        if edition is None:
            edition = db.session.scalar(
                select(Edition).where(Edition.status.in_(visible)).order_by(Edition.year.desc()).limit(1)
            )
    else:
        edition = db.session.scalar(select(Edition).where(Edition.slug == slug, Edition.status.in_(visible)))
    if edition is None:
        abort(404)
    return edition


def _sections(sets: list[ResultSet]) -> list[dict[str, Any]]:
    """Per result set, the rows to show grouped by field, in the published order."""
    ids = [s.id for s in sets]
    awards = db.session.scalars(
        select(Award)
        .where(Award.result_set_id.in_(ids))
        .options(
            selectinload(Award.entry).selectinload(Entry.members),
            selectinload(Award.entry).selectinload(Entry.category),
            selectinload(Award.computed_level),
            selectinload(Award.override_level),
        )
    ).all()
    by_set: dict[int, list[Award]] = {}
    for a in awards:
        by_set.setdefault(a.result_set_id, []).append(a)
    sections = []
    for rs in sets:
        shown = [a for a in by_set.get(rs.id, []) if a.level is not None or rs.list_non_winners]
        shown.sort(key=lambda a: (a.entry.category.position, a.level.position if a.level else 999, a.rank,
                                  a.entry.reference_code))
        groups: dict[int, dict[str, Any]] = {}
        for a in shown:
            group = groups.setdefault(a.entry.category_id, {"category": a.entry.category, "awards": []})
            group["awards"].append(a)
        sections.append({
            "set": rs,
            "groups": list(groups.values()),
            "has_vote": any(a.vote_score is not None for a in by_set.get(rs.id, [])),
        })
    return sections


STATE_SECONDS = 2


def _public_state(slug: str | None) -> tuple[int, tuple] | None:
    """(edition id, state of its public sets) from one light query; None when nothing is public.

    The state (ids, statuses, publication dates, listing choice) is the cache key: any change of
    a set's state makes a new key, in every worker process, with no invalidation message.
    """
    query = (
        select(Edition.id, Edition.year, ResultSet.id, ResultSet.status, ResultSet.list_non_winners,
               ResultSet.published_at, ResultSet.complaint_ends_at)
        .join(ResultSet, ResultSet.edition_id == Edition.id)
        .where(Edition.status.in_(VISIBLE), ResultSet.status.in_(results.PUBLIC_STATUSES))
    )
    if slug is not None:
        query = query.where(Edition.slug == slug)
    rows = db.session.execute(query).all()
    if not rows:
        return None
    edition_id = max((r[1], r[0]) for r in rows)[1]
    return edition_id, tuple(sorted(tuple(r[2:]) for r in rows if r[0] == edition_id))


def _render_content(edition_id: int, state: tuple) -> dict[str, str]:
    key = ("results", edition_id, current_language(), state)
    cached = results.cache_get(key)
    if cached is None:
        from contest.exports import organization

        edition = db.session.get(Edition, edition_id)
        sets = public_sets(edition)
        cached = {
            "title": localized(edition, "name"),
            "html": render_template("public/results/_list.html", edition=edition, sections=_sections(sets),
                                    organization=organization),
        }
        results.cache_put(key, cached)
    return cached


@bp.route("/ket-qua")
@bp.route("/ket-qua/<slug>")
def results_page(slug: str | None = None) -> str:
    # The state itself is re-read at most every STATE_SECONDS per worker: a publication reaches
    # every worker within that time (at once in the worker that made it, which clears its cache).
    state_key = ("results-state", slug)
    public = results.cache_get(state_key)
    if public is None:
        public = _public_state(slug) or ()
        results.cache_put(state_key, public, seconds=STATE_SECONDS)
    public = public or None
    if public is None:  # nothing published (yet) for this edition
        edition = _edition_or_404(slug)
        return render_template("public/results/index.html", title=localized(edition, "name"), fragment=None)
    # Anonymous visitors (nearly all of them) get the whole page from the cache: it holds nothing
    # personal (no user menu, no form token, no flashed message).
    whole_page = not current_user.is_authenticated and not session.get("_flashes")
    page_key = ("results-page", request.full_path, current_language(), public)
    if whole_page:
        cached_page = results.cache_get(page_key)
        if cached_page is not None:
            return cached_page
    content = _render_content(*public)
    fragment = Markup(content["html"])
    page = render_template("public/results/index.html", title=content["title"], fragment=fragment)
    if whole_page:
        results.cache_put(page_key, page)
    return page


def _own_entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    owns = entry.owner_id == current_user.id or any(m.user_id == current_user.id for m in entry.members)
    if not owns:
        abort(404)  # someone else's entry is not visible at all
    return entry


def applicant_comments(round_: Round | None, entry: Entry) -> list[dict[str, str]]:
    """The judges' comments meant for the applicant, judges anonymous (Giám khảo 1, 2 …)."""
    if round_ is None:
        return []
    sheets = db.session.scalars(
        select(ScoreSheet)
        .join(Assignment, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.round_id == round_.id,
            Assignment.entry_id == entry.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            ScoreSheet.status == SheetStatus.SUBMITTED.value,
        )
        .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
    ).all()
    texts = [s.comment_to_applicant.strip() for s in sheets
             if s.comment_to_applicant and s.comment_to_applicant.strip()]
    return [{"n": i, "comment": text} for i, text in enumerate(texts, start=1)]


def published_award(entry: Entry) -> Award | None:
    """The entry's line in its newest published or finalized result set."""
    return db.session.scalar(
        select(Award)
        .join(ResultSet, Award.result_set_id == ResultSet.id)
        .where(Award.entry_id == entry.id, ResultSet.status.in_(results.PUBLIC_STATUSES))
        .order_by(ResultSet.published_at.desc(), ResultSet.id.desc())
        .limit(1)
    )


@bp.route("/ket-qua/bai/<int:entry_id>")
@login_required
def my_result(entry_id: int) -> str:
    from contest.web.public.complaints import complaint_context

    entry = _own_entry_or_404(entry_id)
    award = published_award(entry)
    comments = applicant_comments(award.result_set.round, entry) if award is not None else []
    out = phases.results_out(entry.edition)
    # Every round's comments, not only the last one's; an eliminated entry has no award row but a result.
    earlier = [r for r in phases.entry_rounds_report(entry)
               if award is None or r.round.id != award.result_set.round_id] if out else []
    return render_template(
        "public/results/my_result.html", entry=entry, award=award, rs=award.result_set if award else None,
        comments=comments, finalized=award is not None and award.result_set.status == ResultStatus.FINALIZED,
        results_out=out, rounds=earlier, stopped=phases.stopped_in(entry) if out else None,
        **complaint_context(entry, award.result_set if award else None),
    )
