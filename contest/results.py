"""Results: from submitted score sheets to a published, reproducible award list.

A result set is one computation for a round (optionally one field of it).  Its life:

    computed ──freeze──▶ frozen ──publish──▶ published ──finalize──▶ finalized
        ▲                  ▲                    │ (un-publish, before finalization)
        └──────────────────┴────────────────────┘
    published / finalized ──create_correction──▶ superseded (+ a new, linked computed set)

The math is the judging engine's (:mod:`judging.engine`); this module turns rows into the
engine's inputs and its outputs back into rows.  Everything the engine was given is kept in
``payload["inputs"]`` (plain JSON), so :func:`run_inputs` can recompute the same list from an
export with no database at all; ``input_hash`` is the SHA-256 of the canonical text of those
inputs (:func:`results_canonical_text`), which includes the engine's own input hash.

Operations change the models, write an audit event and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from flask import current_app, url_for
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import judging
from contest import audit, votes
from contest.approvals import publication_blockers, reopen_award
from contest.certificates import issue_certificates
from contest.complaints import unresolved
from contest.extensions import db
from contest.i18n import _
from contest.mail import send_mail
from contest.models import (
    ApprovalState,
    Assignment,
    AssignmentState,
    Award,
    AwardLevel,
    AwardScope,
    Category,
    Entry,
    EntryStatus,
    ResultSet,
    ResultStatus,
    Round,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from contest.phases import stopped_in
from judging.awards import AwardList, Level
from judging.engine import (
    Evaluation,
    InvalidScores,
    allocate_awards,
    evaluate,
    stability,
)
from judging.publication import Publication, publish_evaluation
from judging.rank import DEFAULT_DECIMALS, rank, round_half_up
from judging.rubric import Criterion as RubricCriterion
from judging.rubric import Rubric

INPUTS_FORMAT = "contest-results-inputs-v1"
METHOD_CHOICES = ("calibrated", "zscore", "raw")
DEFAULT_METHOD = "calibrated"
DEFAULT_SEED = 0

# Entries in these states are never ranked, whatever their sheets say.
EXCLUDED_ENTRY_STATUSES = (EntryStatus.DRAFT.value, EntryStatus.WITHDRAWN.value, EntryStatus.INELIGIBLE.value)
PUBLIC_STATUSES = (ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value)


class ResultError(Exception):
    """A refused results operation; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class PublicationBlocked(ResultError):
    def __init__(self, reasons: list[str]):
        # Each reason is a clause of its own ("Giải Nhất – TN-001: còn thiếu 2 phiếu …"): keep them apart.
        joined = "; ".join(r.strip().rstrip(".;") for r in reasons)
        super().__init__(_("Chưa thể công bố kết quả: %(reasons)s.", reasons=joined), 409)
        self.reasons = reasons


class ImmutableResult(ResultError):
    pass


# ---------------------------------------------------------------------------------------------
# Rows → engine inputs (JSON-ready) → outcome
# ---------------------------------------------------------------------------------------------


def rubric_of(round_: Round, scale: float) -> dict[str, Any]:
    return {
        "scale": float(scale),
        "criteria": [
            {
                "key": c.key,
                "weight": float(c.weight),
                "maximum": float(c.max_score),
                "minimum": float(c.min_score),
                "step": float(c.step) if c.step is not None else None,
            }
            for c in round_.criteria
        ],
    }


def expert_scale(round_: Round) -> float:
    """Points of the expert part: the edition's expert scale when a public vote adds to it."""
    edition = round_.edition
    return float(edition.expert_points if edition.has_public_vote else round_.scale)


def submitted_sheets(round_: Round, category: Category | None = None) -> list[ScoreSheet]:
    """Submitted sheets of active assignments of the round, for entries still in the contest."""
    query = (
        select(ScoreSheet)
        .join(Assignment, ScoreSheet.assignment_id == Assignment.id)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(
            Assignment.round_id == round_.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            ScoreSheet.status == SheetStatus.SUBMITTED.value,
            Entry.status.notin_(EXCLUDED_ENTRY_STATUSES),
        )
        .order_by(ScoreSheet.id)
    )
    if category is not None:
        query = query.where(Entry.category_id == category.id)
    return list(db.session.scalars(query))


def award_levels_of(round_: Round) -> tuple[list[dict[str, Any]], bool]:
    """The edition's award structure as engine levels (named by level id) and whether per field.

    An edition whose every level is ``overall`` awards across fields; otherwise the
    per-field levels apply within each field.  Only the edition's last round gives prizes: an earlier round
    ranks entries for advancement and has no levels (so no "uncertain award level" either).
    """
    if not round_.is_last:
        return [], True
    levels = list(round_.edition.award_levels)
    per_category = not levels or any(lv.scope == AwardScope.PER_CATEGORY.value for lv in levels)
    chosen = [lv for lv in levels if (lv.scope == AwardScope.PER_CATEGORY.value) == per_category]
    return (
        [
            {"name": str(lv.id), "quota": int(lv.quota),
             "min_score": float(lv.min_score) if lv.min_score is not None else 0.0, "category": None}
            for lv in sorted(chosen, key=lambda lv: lv.position)
        ],
        per_category,
    )


def build_inputs(
    round_: Round,
    category: Category | None = None,
    method: str = DEFAULT_METHOD,
    params: Mapping[str, Any] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    n_resamples: int | None = None,
) -> dict[str, Any]:
    """Everything that decides the result, read from the database, as plain JSON.

    ``n_resamples`` of the stability bootstrap defaults to the ``RESULTS_STABILITY_RESAMPLES``
    setting (200).
    """
    if n_resamples is None:
        n_resamples = int(current_app.config["RESULTS_STABILITY_RESAMPLES"])
    if method not in METHOD_CHOICES:
        raise ResultError(_("Phương pháp tính điểm không hợp lệ."), 400)
    if not round_.criteria:
        raise ResultError(_("Vòng thi chưa có tiêu chí chấm điểm."), 409)
    sheets = submitted_sheets(round_, category)
    if not sheets:
        raise ResultError(_("Chưa có phiếu chấm nào đã nộp trong vòng này."), 409)
    keys = {c.id: c.key for c in round_.criteria}
    scores: list[list[Any]] = []
    entries: dict[str, Entry] = {}
    for sheet in sheets:
        assignment = sheet.assignment
        entry_key = str(assignment.entry_id)
        entries[entry_key] = assignment.entry
        for score in sheet.scores:
            if score.criterion_id not in keys:
                continue
            value = float(score.value) if score.value is not None else None
            scores.append([entry_key, str(assignment.judge_id), keys[score.criterion_id], value])
    scores.sort(key=lambda s: (s[0], s[1], s[2]))
    levels, per_category = award_levels_of(round_)
    vote = votes.vote_points_for_round(round_)
    return {
        "format": INPUTS_FORMAT,
        "round_id": round_.id,
        "category_id": category.id if category is not None else None,
        "rubric": rubric_of(round_, expert_scale(round_)),
        "method": method,
        "params": dict(params or {}),
        "scores": scores,
        "reference_codes": {k: e.reference_code for k, e in sorted(entries.items())},
        "disagree_fraction": float(round_.disagreement_threshold),
        "decimals": DEFAULT_DECIMALS,
        "levels": levels,
        "categories": {k: e.category.code for k, e in sorted(entries.items())} if per_category else None,
        "vote_points": {str(k): str(v) for k, v in sorted(vote.items()) if str(k) in entries},
        "has_vote": bool(round_.edition.has_public_vote and vote),
        "expects_vote": bool(round_.edition.has_public_vote),
        "stability": {"seed": int(seed), "n_resamples": int(n_resamples)},
    }


def results_canonical_text(inputs: Mapping[str, Any], engine_sha256: str) -> str:
    """The canonical text hashed into ``ResultSet.input_hash``.

    Lines: ``results-input-v1``; ``engine|<the engine's input SHA-256>`` (covers rubric,
    method, parameters, every score and reference code); ``decimals|d``; one
    ``level|name|quota|min_score|category`` per level in order; ``category|entry|code`` and
    ``vote|entry|points`` sorted by entry.  Joined with ``\\n``, hashed as UTF-8.
    """
    lines = ["results-input-v1", f"engine|{engine_sha256}", f"decimals|{inputs['decimals']}"]
    for lv in inputs["levels"]:
        lines.append(f"level|{lv['name']}|{lv['quota']}|{float(lv['min_score'])!r}|{lv['category'] or ''}")
    for entry_id, code in sorted((inputs.get("categories") or {}).items()):
        lines.append(f"category|{entry_id}|{code}")
    for entry_id, points in sorted((inputs.get("vote_points") or {}).items()):
        lines.append(f"vote|{entry_id}|{points}")
    return "\n".join(lines)


@dataclass
class Outcome:
    """What the engine made of a set of inputs."""

    inputs: dict[str, Any]
    evaluation: Evaluation
    awards: AwardList | None
    vote: dict[str, Decimal]
    totals: dict[str, float]
    ranking: list[Any]  # judging.rank.Ranked, by total
    input_hash: str
    stability: Any = None
    warnings: list[str] = field(default_factory=list)
    published: Publication | None = None  # plain mean or calibrated value, on the scale, with the chair's flags
    expert_ranking: list[Any] = field(default_factory=list)  # judging.rank.Ranked, by published expert score


def rubric_from(inputs: Mapping[str, Any]) -> Rubric:
    spec = inputs["rubric"]
    return Rubric(
        tuple(
            RubricCriterion(c["key"], c["weight"], c["maximum"], c["minimum"], c["step"])
            for c in spec["criteria"]
        ),
        scale=spec["scale"],
    )


def run_inputs(inputs: Mapping[str, Any], *, with_stability: bool = True) -> Outcome:
    """Evaluate, allocate awards (and optionally measure stability) from stored inputs.

    Pure apart from reading ``inputs``: no database, no Flask.
    """
    if inputs.get("format") != INPUTS_FORMAT:
        raise ResultError(_("Dữ liệu đầu vào không đúng định dạng."), 400)
    try:
        evaluation = evaluate(
            [tuple(s) for s in inputs["scores"]],
            rubric_from(inputs),
            inputs["method"],
            inputs["reference_codes"],
            inputs["params"] or None,
            decimals=inputs["decimals"],
            disagree_fraction=inputs["disagree_fraction"],
        )
    except InvalidScores as error:
        raise ResultError(
            _("Phiếu chấm không hợp lệ (%(count)d lỗi), ví dụ: bài %(entry)s, tiêu chí %(criterion)s.",
              count=len(error.errors), entry=error.errors[0].entry_id, criterion=error.errors[0].criterion),
            422,
        ) from error
    ranked_ids = [r.entry_id for r in evaluation.ranking]
    known = set(ranked_ids)
    vote = {e: Decimal(p) for e, p in (inputs.get("vote_points") or {}).items() if e in known}
    if inputs.get("has_vote"):
        vote = {e: vote.get(e, Decimal("0.0")) for e in ranked_ids}
    extra = {e: float(p) for e, p in vote.items()}
    # What is published: the plain mean on a full panel, always on the published scale (judging.publication).
    published, expert_ranking = publish_evaluation(evaluation, inputs["disagree_fraction"])
    expert = {e: float(v) for e, v in zip(evaluation.sheets.entry_ids, published.published, strict=True)}
    totals = {e: float(Decimal(repr(expert[e])) + vote.get(e, Decimal(0))) for e in ranked_ids}
    by_id = {r.entry_id: r for r in evaluation.ranking}
    if vote:
        ranking = rank(
            ranked_ids,
            [totals[e] for e in ranked_ids],
            primary_means=[by_id[e].primary_mean for e in ranked_ids],
            missing_sheets=[by_id[e].missing_sheets for e in ranked_ids],
            reference_codes=inputs["reference_codes"],
            stderr=[by_id[e].stderr for e in ranked_ids],
            decimals=inputs["decimals"],
        )
    else:
        ranking = list(expert_ranking)
    levels = [Level(lv["name"], lv["quota"], lv["min_score"], lv["category"]) for lv in inputs["levels"]]
    categories = {e: c for e, c in (inputs.get("categories") or {}).items() if e in known} or None
    award_list = (
        allocate_awards(expert, levels, categories, extra, decimals=inputs["decimals"]) if levels else None
    )
    input_hash = hashlib.sha256(
        results_canonical_text(inputs, evaluation.input_sha256).encode("utf-8")
    ).hexdigest()
    warnings = list(evaluation.warnings)
    if inputs.get("expects_vote") and not inputs.get("has_vote"):
        warnings.append("vote_not_frozen: the edition has a public vote but no frozen tally; totals are expert scores")
    outcome = Outcome(dict(inputs), evaluation, award_list, vote, totals, ranking, input_hash, warnings=warnings,
                      published=published, expert_ranking=expert_ranking)
    if with_stability and levels:
        outcome.stability = stability(
            evaluation, levels, categories, extra,
            n_resamples=inputs["stability"]["n_resamples"], seed=inputs["stability"]["seed"],
        )
    return outcome


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def payload_of(outcome: Outcome) -> dict[str, Any]:
    """The engine's output plus the vote parts, as stored in ``ResultSet.payload``."""
    ev = outcome.evaluation
    sheets = ev.sheets
    fit = ev.fit
    # Each sheet as the panel would have given it: leniency removed and the judge's stretch undone.
    adjusted = ev.adjusted_totals()
    sheet_rows = []
    for i in range(sheets.total.size):
        judge_id = sheets.judge_ids[int(sheets.judge[i])]
        total = float(sheets.total[i])
        sheet_rows.append({
            "entry_id": sheets.entry_ids[int(sheets.entry[i])],
            "judge_id": judge_id,
            "total": total,
            "adjusted": adjusted[(sheets.entry_ids[int(sheets.entry[i])], judge_id)],
            "residual": float(fit.residual[i]) if fit.residual is not None else None,
            # The sheet's weight and its judge's stretch: with ``center`` they let the why page
            # recompute the calibrated value by hand (judging.publication.paper_decomposition).
            "weight": float(fit.sheet_weight[i]),
            "stretch": float(fit.judge_scale[int(sheets.judge[i])]),
        })
    award_by_entry = {a.entry_id: a for a in outcome.awards.awards} if outcome.awards else {}
    stab_by_entry = {s.entry_id: s for s in outcome.stability.entries} if outcome.stability else {}
    engine_rows = {r.entry_id: r for r in ev.ranking}
    published = outcome.published
    at = {e: i for i, e in enumerate(sheets.entry_ids)}
    expert_rank = {r.entry_id: r.rank for r in outcome.expert_ranking}
    rows = []
    for r in outcome.ranking:
        e = r.entry_id
        base = engine_rows[e]
        award = award_by_entry.get(e)
        stab = stab_by_entry.get(e)
        flags = list(base.flags)
        if published is not None:
            flags += [f for f in published.flags[at[e]] if f not in flags]
        if award is not None and award.tie_at_boundary:
            flags.append("tie_at_boundary")
        if stab is not None and stab.grey_zone:
            flags.append("grey_zone")
        rows.append({
            "rank": r.rank,
            "tied": r.tied,
            "entry_id": e,
            "reference_code": base.reference_code,
            "expert_score": float(published.published[at[e]]) if published is not None else base.score,
            "computed_score": base.score,
            "plain_mean": float(published.plain_mean[at[e]]) if published is not None else base.raw_mean,
            "expert_rank": expert_rank.get(e, base.rank),
            "stderr": base.stderr,
            "raw_mean": base.raw_mean,
            "n_sheets": base.n_sheets,
            "vote_score": str(outcome.vote[e]) if e in outcome.vote else None,
            "total": outcome.totals[e],
            "level": award.level if award else None,
            "category": award.category if award else None,
            "position": award.position if award else None,
            "contested_places": award.contested_places if award else 0,
            "p_keep_level": stab.p_keep_level if stab else None,
            "interval": list(stab.interval) if stab else None,
            "flags": flags,
        })
    return _clean({
        "engine_version": ev.engine_version,
        "engine_input_sha256": ev.input_sha256,
        "input_hash": outcome.input_hash,
        "method": ev.method,
        "effective_params": ev.params,
        "scale": ev.scale,
        "complete_design": published.complete if published is not None else False,
        "scale_mapping": published.mapping.to_dict() if published is not None else None,
        "center": float(np.average(sheets.total, weights=sheets.sheet_weights())) if sheets.total.size else None,
        "rows": rows,
        "evaluation": ev.to_dict(),
        "awards": outcome.awards.to_dict() if outcome.awards else None,
        "stability": outcome.stability.to_dict() if outcome.stability else None,
        "sheets": sheet_rows,
        "warnings": outcome.warnings,
        "inputs": outcome.inputs,
    })


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------


STORED_SCORE_PLACES = 6


def _stored_score(value: float | None) -> Decimal | None:
    """The engine's value kept to six places, so pages and exports round it once, from this, to two.

    Storing it already rounded (to three places, say) would round twice: 60.494756 → 60.495 → 60.50,
    where the engine's own value gives 60.49.
    """
    if value is None or not math.isfinite(value):
        return None
    return round_half_up(value, STORED_SCORE_PLACES)


def _summary(rs: ResultSet) -> dict[str, Any]:
    return {
        "status": rs.status,
        "method": rs.method,
        "round_id": rs.round_id,
        "category_id": rs.category_id,
        "input_hash": rs.input_hash,
        "engine_version": rs.engine_version,
        "awards": len(rs.awards),
    }


def is_draft(rs: ResultSet) -> bool:
    """A set never made public (computed or frozen): whatever names winners from it must say "Dự thảo"."""
    return rs.status in (ResultStatus.COMPUTED.value, ResultStatus.FROZEN.value)


def is_round_snapshot(rs: ResultSet) -> bool:
    """Whether ``rs`` is the evaluation stored when its round closed, not an award list.

    Closing a round keeps the engine's ranking (``ranking``) for advancement; award lists
    computed in the workspace carry per-entry ``rows`` with award levels.  Pages built for
    award lists cannot read a snapshot; the round's own page shows its standings.
    """
    return "rows" not in (rs.payload or {})


def compute_result_set(
    round_: Round,
    category: Category | None = None,
    method: str = DEFAULT_METHOD,
    *,
    params: Mapping[str, Any] | None = None,
    actor: User | None = None,
    seed: int = DEFAULT_SEED,
    n_resamples: int | None = None,
) -> ResultSet:
    """Compute a new result set from the round's submitted sheets (status ``computed``)."""
    if category is not None and category.edition_id != round_.edition_id:
        raise ResultError(_("Lĩnh vực không thuộc cuộc thi của vòng này."), 400)
    inputs = build_inputs(round_, category, method, params, seed=seed, n_resamples=n_resamples)
    outcome = run_inputs(inputs)
    same = _unchanged_working_set(round_, category, method, outcome.input_hash)
    if same is not None:
        return same  # a double submit, or nothing changed since: the same working set
    payload = payload_of(outcome)
    rs = ResultSet(
        edition_id=round_.edition_id,
        round_id=round_.id,
        category_id=category.id if category is not None else None,
        method=method,
        parameters={
            "engine_params": inputs["params"],
            "effective_params": payload["effective_params"],
            "disagree_fraction": inputs["disagree_fraction"],
            "decimals": inputs["decimals"],
            "expert_scale": inputs["rubric"]["scale"],
            "stability": inputs["stability"],
        },
        engine_version=judging.__version__,
        input_hash=outcome.input_hash,
        payload=payload,
        status=ResultStatus.COMPUTED.value,
        computed_at=utcnow(),
        computed_by_id=actor.id if actor is not None else None,
    )
    for row in payload["rows"]:
        rs.awards.append(
            Award(
                entry_id=int(row["entry_id"]),
                rank=row["rank"],
                expert_score=_stored_score(row["expert_score"]),
                expert_stderr=_stored_score(row["stderr"]),
                vote_score=Decimal(row["vote_score"]) if row["vote_score"] is not None else None,
                total_score=_stored_score(row["total"]),
                computed_level_id=int(row["level"]) if row["level"] else None,
                flags=row["flags"],
                approval_state=ApprovalState.PENDING.value,
            )
        )
    db.session.add(rs)
    db.session.flush()
    audit.record("results.compute", rs, actor=actor, after=_summary(rs))
    db.session.flush()
    return rs


def _unchanged_working_set(round_: Round, category: Category | None, method: str, input_hash: str
                           ) -> ResultSet | None:
    """The newest untouched working set computed from exactly these inputs, if any."""
    latest = db.session.scalar(
        select(ResultSet)
        .where(
            ResultSet.round_id == round_.id,
            ResultSet.category_id.is_(None) if category is None else ResultSet.category_id == category.id,
            ResultSet.supersedes_id.is_(None),
        )
        .order_by(ResultSet.id.desc())
        .limit(1)
    )
    if (
        latest is not None and latest.status == ResultStatus.COMPUTED and latest.method == method
        and latest.input_hash == input_hash and not any(a.overridden for a in latest.awards)
    ):
        return latest
    return None


def _require(rs: ResultSet, *statuses: ResultStatus, message: str) -> None:
    if rs.status not in {s.value for s in statuses}:
        raise ResultError(message, 409)


def below_minimum(award: Award, level: AwardLevel | None = None) -> bool:
    """Whether ``award`` (at ``level``, by default its own) scores below that level's minimum, as the engine rounds."""
    level = level if level is not None else award.level
    if level is None or level.min_score is None or award.total_score is None:
        return False
    return round_half_up(float(award.total_score), DEFAULT_DECIMALS) < round_half_up(float(level.min_score),
                                                                                      DEFAULT_DECIMALS)


def override_award_level(
    award: Award, level: AwardLevel | None, reason: str | None, actor: User | None
) -> Award:
    """The council's decision on one award (``level`` None: no award), with its reason.

    A level whose minimum the entry does not reach is the council's right to give; the audit says so, and the page
    asks for that choice explicitly before calling this (see :func:`below_minimum`)."""
    rs = award.result_set
    _require(rs, ResultStatus.COMPUTED, ResultStatus.FROZEN,
             message=_("Chỉ điều chỉnh được giải khi kết quả chưa công bố."))
    reason = (reason or "").strip()
    if not reason:
        raise ResultError(_("Vui lòng ghi rõ lý do điều chỉnh mức giải."), 422)
    if level is not None and level.edition_id != rs.edition_id:
        raise ResultError(_("Mức giải không thuộc cuộc thi này."), 400)
    before = {"level_id": award.level.id if award.level else None, "overridden": award.overridden,
              "revision": award.revision}
    new_level_id = level.id if level is not None else None
    if before["level_id"] == new_level_id and award.overridden and award.override_reason == reason:
        return award  # a double submit changes nothing
    award.overridden = new_level_id != award.computed_level_id or award.overridden
    award.override_level_id = new_level_id
    award.override_reason = reason
    award.overridden_by_id = actor.id if actor is not None else None
    award.revision += 1
    audit.record(
        "results.override", award, actor=actor, before=before,
        after={"level_id": new_level_id, "overridden": True, "revision": award.revision,
               "entry_id": award.entry_id, "result_set_id": rs.id,
               "below_minimum": below_minimum(award, level) if level is not None else False},
        reason=reason,
    )
    db.session.flush()
    # A replaced award is decided afresh by the committee; the other awards keep their decisions.
    reopen_award(award, actor=actor)
    db.session.flush()
    return award


def set_list_non_winners(rs: ResultSet, value: bool, actor: User | None) -> ResultSet:
    _require(rs, ResultStatus.COMPUTED, ResultStatus.FROZEN,
             message=_("Chỉ thay đổi được cách công bố khi kết quả chưa công bố."))
    if rs.list_non_winners != value:
        before = rs.list_non_winners
        rs.list_non_winners = value
        audit.record("results.list_non_winners", rs, actor=actor,
                     before={"list_non_winners": before}, after={"list_non_winners": value})
        db.session.flush()
    return rs


def freeze_result_set(rs: ResultSet, actor: User | None) -> ResultSet:
    if rs.status == ResultStatus.FROZEN:
        return rs
    _require(rs, ResultStatus.COMPUTED, message=_("Chỉ chốt được bản tính thử."))
    if not rs.input_hash:
        raise ResultError(_("Bản tính thiếu mã băm dữ liệu đầu vào."), 409)
    rs.status = ResultStatus.FROZEN.value
    rs.frozen_at = utcnow()
    _flush_transition()
    audit.record("results.freeze", rs, actor=actor, before={"status": ResultStatus.COMPUTED.value},
                 after=_summary(rs))
    db.session.flush()
    return rs


def _flush_transition() -> None:
    """Write a status change, refused when another request changed the set (or made its scope public) meanwhile.

    The result set's version column turns the UPDATE into a compare-and-swap, and the partial unique index keeps
    one public set per scope; either refusal becomes a clear message for the organizer who clicked second.
    """
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ResultError(_("Kết quả này vừa được người khác thay đổi (có thể đã được công bố). "
                            "Vui lòng tải lại trang để xem trạng thái mới."), 409) from error
    except IntegrityError as error:
        raise ResultError(_("Đã có một kết quả khác được công bố cho phạm vi này; "
                            "hãy tạo bản đính chính từ kết quả đó."), 409) from error


def _same_scope_public(rs: ResultSet) -> ResultSet | None:
    return db.session.scalar(
        select(ResultSet).where(
            ResultSet.id != rs.id,
            ResultSet.edition_id == rs.edition_id,
            ResultSet.round_id.is_(None) if rs.round_id is None else ResultSet.round_id == rs.round_id,
            ResultSet.category_id.is_(None) if rs.category_id is None else ResultSet.category_id == rs.category_id,
            ResultSet.status.in_(PUBLIC_STATUSES),
        )
    )


def publish_results(
    rs: ResultSet, complaint_ends_at: datetime | None = None, *, actor: User | None = None,
    notify: bool = True,
) -> ResultSet:
    """Make a frozen result set public; refused while any award still lacks approval."""
    if rs.status == ResultStatus.PUBLISHED:
        return rs
    _require(rs, ResultStatus.FROZEN, message=_("Cần chốt kết quả trước khi công bố."))
    now = utcnow()
    if complaint_ends_at is not None and complaint_ends_at <= now:
        raise ResultError(_("Hạn khiếu nại phải ở sau thời điểm công bố."), 422)
    other = _same_scope_public(rs)
    if other is not None:
        raise ResultError(
            _("Đã có một kết quả khác được công bố cho phạm vi này; hãy tạo bản đính chính từ kết quả đó."), 409
        )
    blockers = publication_blockers(rs)
    if blockers:
        raise PublicationBlocked([str(b) for b in blockers])
    rs.status = ResultStatus.PUBLISHED.value
    rs.published_at = now
    rs.complaint_ends_at = complaint_ends_at
    _flush_transition()
    ends = complaint_ends_at.isoformat() if complaint_ends_at else None
    audit.record("results.publish", rs, actor=actor, before={"status": ResultStatus.FROZEN.value},
                 after=dict(_summary(rs), complaint_ends_at=ends))
    db.session.flush()
    invalidate_cache()
    if notify:
        notify_applicants(rs)
    return rs


def unpublish_results(rs: ResultSet, reason: str | None, actor: User | None) -> ResultSet:
    if rs.status == ResultStatus.FINALIZED:
        raise ImmutableResult(_("Kết quả đã hoàn tất, không thể hủy công bố; hãy tạo bản đính chính."), 409)
    _require(rs, ResultStatus.PUBLISHED, message=_("Kết quả này chưa được công bố."))
    reason = (reason or "").strip()
    if not reason:
        raise ResultError(_("Vui lòng ghi rõ lý do hủy công bố."), 422)
    rs.status = ResultStatus.FROZEN.value
    rs.published_at = None
    rs.complaint_ends_at = None
    _flush_transition()
    audit.record("results.unpublish", rs, actor=actor, before={"status": ResultStatus.PUBLISHED.value},
                 after={"status": rs.status}, reason=reason)
    db.session.flush()
    invalidate_cache()
    return rs


def finalize_results(rs: ResultSet, actor: User | None = None, *, now: datetime | None = None) -> ResultSet:
    """After the complaint period the published list becomes final and immutable."""
    if rs.status == ResultStatus.FINALIZED:
        return rs
    _require(rs, ResultStatus.PUBLISHED, message=_("Chỉ hoàn tất được kết quả đã công bố."))
    now = now or utcnow()
    if rs.complaint_ends_at is not None and now < rs.complaint_ends_at:
        raise ResultError(_("Thời hạn khiếu nại chưa kết thúc."), 409)
    pending = unresolved(rs)
    if pending:
        raise ResultError(_("Còn %(n)d khiếu nại chưa được giải quyết (bài %(codes)s); hãy giải quyết trước khi "
                            "hoàn tất kết quả.", n=len(pending),
                            codes=", ".join(sorted(c.entry.reference_code for c in pending))), 409)
    rs.status = ResultStatus.FINALIZED.value
    rs.finalized_at = now
    _flush_transition()
    audit.record("results.finalize", rs, actor=actor, before={"status": ResultStatus.PUBLISHED.value},
                 after=_summary(rs))
    for award in rs.awards:
        # A final prize ends the entry's journey: its status says so from now on.
        if award.level is not None and award.entry.status != EntryStatus.AWARDED.value:
            before = award.entry.status
            award.entry.status = EntryStatus.AWARDED.value
            audit.record("entry.awarded", award.entry, actor=actor, before={"status": before},
                         after={"status": EntryStatus.AWARDED.value, "level": award.level.name})
    db.session.flush()
    issue_certificates(rs, actor=actor, now=now)
    invalidate_cache()
    return rs


def finalize_due(now: datetime | None = None) -> list[ResultSet]:
    """Finalize every published set whose complaint period has ended (for the scheduled command)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(ResultSet).where(
            ResultSet.status == ResultStatus.PUBLISHED.value,
            ResultSet.complaint_ends_at.is_not(None),
            ResultSet.complaint_ends_at <= now,
        )
    ).all()
    return [finalize_results(rs, None, now=now) for rs in due]


def create_correction(
    rs: ResultSet, reason: str | None, actor: User | None = None, *, recompute: bool = False
) -> ResultSet:
    """A new result set that replaces a published or finalized one; the old one is superseded.

    By default the new set copies the old list (its levels and decisions) for the council to
    change with recorded reasons; ``recompute`` computes it afresh from the current sheets with
    the same method and parameters.
    """
    _require(rs, ResultStatus.PUBLISHED, ResultStatus.FINALIZED,
             message=_("Chỉ tạo bản đính chính cho kết quả đã công bố."))
    reason = (reason or "").strip()
    if not reason:
        raise ResultError(_("Vui lòng ghi rõ lý do đính chính."), 422)
    if recompute:
        if rs.round is None:
            raise ResultError(_("Kết quả này không gắn với vòng thi nào nên không tính lại được."), 409)
        new = compute_result_set(
            rs.round, rs.category, rs.method, params=(rs.parameters or {}).get("engine_params"),
            actor=actor, seed=(rs.parameters or {}).get("stability", {}).get("seed", DEFAULT_SEED),
        )
    else:
        new = ResultSet(
            edition_id=rs.edition_id, round_id=rs.round_id, category_id=rs.category_id, method=rs.method,
            parameters=dict(rs.parameters or {}), engine_version=rs.engine_version, input_hash=rs.input_hash,
            payload=dict(rs.payload or {}), status=ResultStatus.COMPUTED.value, computed_at=utcnow(),
            computed_by_id=actor.id if actor is not None else None, list_non_winners=rs.list_non_winners,
        )
        for old in rs.awards:
            new.awards.append(Award(
                entry_id=old.entry_id, rank=old.rank, expert_score=old.expert_score,
                expert_stderr=old.expert_stderr, vote_score=old.vote_score, total_score=old.total_score,
                computed_level_id=old.computed_level_id, override_level_id=old.override_level_id,
                overridden=old.overridden, override_reason=old.override_reason,
                overridden_by_id=old.overridden_by_id, flags=list(old.flags or []),
                approval_state=ApprovalState.PENDING.value,
            ))
        db.session.add(new)
    new.supersedes_id = rs.id
    new.correction_reason = reason
    before = rs.status
    rs.status = ResultStatus.SUPERSEDED.value
    _flush_transition()
    audit.record("results.supersede", rs, actor=actor, before={"status": before},
                 after={"status": rs.status, "superseded_by": new.id}, reason=reason)
    audit.record("results.correction", new, actor=actor, after=dict(_summary(new), supersedes_id=rs.id),
                 reason=reason)
    db.session.flush()
    invalidate_cache()
    return new


# ---------------------------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    engine_hash_ok: bool
    input_hash_ok: bool
    ranking_ok: bool
    awards_ok: bool
    engine_version_ok: bool
    differences: list[str]

    @property
    def matches(self) -> bool:
        return self.engine_hash_ok and self.input_hash_ok and self.ranking_ok and self.awards_ok


def recompute_check(inputs_or_set: ResultSet | Mapping[str, Any], expected: Mapping[str, Any] | None = None
                    ) -> RecomputeReport:
    """Re-run the engine on the stored inputs and compare hashes, ranking and computed levels."""
    payload = inputs_or_set.payload if isinstance(inputs_or_set, ResultSet) else (expected or {})
    inputs = payload["inputs"] if isinstance(inputs_or_set, ResultSet) else inputs_or_set
    stored_hash = inputs_or_set.input_hash if isinstance(inputs_or_set, ResultSet) else payload.get("input_hash")
    again = payload_of(run_inputs(inputs, with_stability=False))
    differences = []

    # The engine's own rank and total: a chair's decision (contest.reviews) moves the published ones and keeps
    # these beside them, so the check still compares like with like.
    def rows(p: Mapping[str, Any]) -> list[tuple]:
        return sorted((r["entry_id"], r.get("engine_rank", r["rank"]), round(r.get("engine_total", r["total"]), 6))
                      for r in p.get("rows", []))

    def levels(p: Mapping[str, Any]) -> list[tuple]:
        return sorted((r["entry_id"], r["level"] or "") for r in p.get("rows", []))

    engine_ok = again["engine_input_sha256"] == payload.get("engine_input_sha256")
    hash_ok = again["input_hash"] == stored_hash
    ranking_ok = rows(again) == rows(payload)
    awards_ok = levels(again) == levels(payload)
    if not engine_ok:
        differences.append("engine_input_sha256")
    if not hash_ok:
        differences.append("input_hash")
    if not ranking_ok:
        differences.append("ranking")
    if not awards_ok:
        differences.append("awards")
    return RecomputeReport(engine_ok, hash_ok, ranking_ok, awards_ok,
                           payload.get("engine_version") == judging.__version__, differences)


# ---------------------------------------------------------------------------------------------
# Notification and the public page's cache
# ---------------------------------------------------------------------------------------------


def notify_applicants(rs: ResultSet) -> int:
    """Tell each applicant of the set that results are out (one mail per entry owner)."""
    from flask import has_request_context

    if not has_request_context():  # the scheduled command: templates need a request to render
        base = current_app.config["PUBLIC_BASE_URL"]
        with current_app.test_request_context("/", base_url=base):
            return notify_applicants(rs)
    sent = 0
    for award in rs.awards:
        entry = award.entry
        owner = entry.owner
        if owner is None or not owner.email:
            continue
        send_mail(
            owner.email,
            _("Kết quả %(edition)s", edition=rs.edition.name),
            "results_published",
            entry=entry,
            award=award,
            result_set=rs,
            url=current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            + url_for("public.my_result", entry_id=entry.id),
        )
        sent += 1
    if rs.supersedes_id is None:
        sent += _notify_eliminated(rs, send_mail)
    return sent


def _notify_eliminated(rs: ResultSet, send_mail: Any) -> int:
    """Entries that stopped in an earlier round learn their result and where to read the comments too."""
    listed = {a.entry_id for a in rs.awards}
    query = select(Entry).where(Entry.edition_id == rs.edition_id, Entry.status == EntryStatus.ELIMINATED.value)
    if rs.category_id is not None:
        query = query.where(Entry.category_id == rs.category_id)
    sent = 0
    for entry in db.session.scalars(query.order_by(Entry.id)):
        owner = entry.owner
        if entry.id in listed or owner is None or not owner.email:
            continue
        send_mail(
            owner.email,
            _("Kết quả %(edition)s", edition=rs.edition.name),
            "results_published",
            entry=entry,
            award=None,
            stopped=stopped_in(entry),
            result_set=rs,
            url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("public.my_result", entry_id=entry.id),
        )
        sent += 1
    return sent


_CACHE: dict[tuple, tuple[float, Any]] = {}


def cache_get(key: tuple) -> Any:
    hit = _CACHE.get(key)
    if hit is None:
        return None
    expires, value = hit
    if expires < time.monotonic():
        _CACHE.pop(key, None)
        return None
    return value


def cache_put(key: tuple, value: Any, seconds: int | None = None) -> None:
    if seconds is None:
        seconds = int(current_app.config["RESULTS_CACHE_SECONDS"])
    if seconds <= 0:
        return
    if len(_CACHE) > 512:  # a handful of editions × languages: never grows past this
        _CACHE.clear()
    _CACHE[key] = (time.monotonic() + seconds, value)


def invalidate_cache() -> None:
    _CACHE.clear()


# ---------------------------------------------------------------------------------------------
# Immutability, enforced at flush time whatever code path tries an edit
# ---------------------------------------------------------------------------------------------

_CLOSED = (ResultStatus.FINALIZED.value, ResultStatus.SUPERSEDED.value)


def _committed(obj: Any, attr: str) -> Any:
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attr)


@event.listens_for(Session, "before_flush")
def _refuse_edits_of_closed_results(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ResultSet):
            was = _committed(obj, "status")
            if was not in _CLOSED or not session.is_modified(obj):
                continue
            changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
            # The only change a finalized set accepts: being superseded by a correction.
            if obj in session.deleted or not (
                was == ResultStatus.FINALIZED.value and changed == {"status"}
                and obj.status == ResultStatus.SUPERSEDED.value
            ):
                raise ImmutableResult(_("Kết quả đã hoàn tất hoặc đã được thay thế, không thể sửa."), 409)
        elif isinstance(obj, Award) and session.is_modified(obj):
            rs = obj.result_set
            if rs is not None and _committed(rs, "status") in _CLOSED:
                raise ImmutableResult(_("Kết quả đã hoàn tất hoặc đã được thay thế, không thể sửa."), 409)


def paper_steps(payload: Mapping[str, Any], entry_id: str) -> dict[str, Any] | None:
    """One entry's score in the steps a council member can redo by hand, from a stored payload.

    Sheets with their judge's correction (leniency, stretch) and weight, the calibrated value they give
    (:func:`judging.publication.paper_decomposition`), the plain mean, the value the published scale is
    taken from, the mapping onto that scale, the vote points and the total.  None for a method without a
    judge model, or a payload stored before sheets carried their weight.
    """
    from judging.publication import paper_decomposition

    sheets = [s for s in payload.get("sheets", []) if s["entry_id"] == entry_id]
    row = next((r for r in payload.get("rows", []) if r["entry_id"] == entry_id), None)
    if (payload.get("method") != "calibrated" or row is None or not sheets or payload.get("center") is None
            or any("weight" not in s for s in sheets)):
        return None
    bias = {j["judge_id"]: j["bias"] or 0.0 for j in payload["evaluation"]["judges"]}
    steps = paper_decomposition(
        np.array([s["total"] for s in sheets]), np.array([bias.get(s["judge_id"], 0.0) for s in sheets]),
        np.array([s["stretch"] for s in sheets]), np.array([s["weight"] for s in sheets]), payload["center"])
    lines = [
        {"judge_id": s["judge_id"], "total": s["total"], "bias": bias.get(s["judge_id"], 0.0),
         "stretch": s["stretch"], "corrected": float(c), "weight": float(w)}
        for s, c, w in zip(sheets, steps.corrected, steps.weight)
    ]
    return {
        "sheets": lines,
        "stretched": any(abs(s["stretch"] - 1.0) > 1e-9 for s in sheets),
        "center": payload["center"],
        "weighted_value": steps.value,
        "weight_sum": float(np.sum(steps.weight)),
        "weighted_sum": float(np.sum(steps.weight * steps.corrected)),
        "plain_mean": row.get("plain_mean"),
        "source": _source_value(row, sheets, payload),
        "expert_score": row["expert_score"],
        "vote_score": row.get("vote_score"),
        "total": row["total"],
    }


def _source_value(row: Mapping[str, Any], sheets: list[Mapping[str, Any]], payload: Mapping[str, Any]) -> float | None:
    """The value the scale mapping is applied to: the chair's when the chair replaced it (contest.reviews),
    else the plain mean on a complete design, else the calibrated value."""
    decision = row.get("chair_decision") or {}
    if decision.get("decision") == "plain_mean":
        return row.get("plain_mean")
    if decision.get("decision") == "exclude_sheet":
        kept = [s["total"] for s in sheets if int(s["judge_id"]) != decision.get("judge_id")]
        return sum(kept) / len(kept)
    return row.get("plain_mean") if payload.get("complete_design") else row.get("computed_score")
