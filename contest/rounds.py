"""A round's life: open scoring, follow progress and remind judges, close it (running the judging engine), decide
who advances, export its sheets.

Closing a round evaluates every SUBMITTED sheet of the round's ACTIVE
assignments with :func:`judging.engine.evaluate` and keeps the engine's full
answer as a :class:`ResultSet` (status ``computed``) with the input hash, so
the ranking can always be explained and reproduced.  Closing again after the
round was reopened supersedes the earlier computation.

Advancement reads that ranking and the round's own rules:

* ``min_total_to_advance``: an entry scoring less never advances;
* ``zero_eliminates``: an entry whose judges' mean on any criterion is the
  criterion's minimum (zero points) never advances ("no criterion at zero").

Then organizers choose: the best N per category (entries tied with the N-th
all advance: a tie is not broken by chance), everyone at or above a score, or
by hand with a reason.  Each entry gets its outcome for the round
(:class:`EntryRound`), its status (advanced / eliminated), and the advancing
ones a place in the next round.  The choice itself (rules, quotas, ties) is
pure and lives in :mod:`judging.advancement`; this module reads and writes rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contest import audit
from contest.exports import to_csv, to_xlsx
from contest.extensions import db
from contest.i18n import _, format_datetime_local, to_local
from contest.labels import SHEET_STATUS, label
from contest.mail import external_url
from contest.models import (
    AdvancementRule,
    Assignment,
    AssignmentState,
    Entry,
    EntryRound,
    EntryStatus,
    ReminderLog,
    ResultSet,
    ResultStatus,
    Round,
    RoundOutcome,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from contest.scoring import sheet_total, sheet_values
from judging import advancement, engine
from judging.publication import publish_evaluation

# -------------------------------------------------------------------------------------- opening, closing and advancing
# Entries that left the contest are never moved by a round decision.
OUT_OF_CONTEST = (EntryStatus.WITHDRAWN.value, EntryStatus.INELIGIBLE.value, EntryStatus.DRAFT.value)


class RoundError(Exception):
    """A refused round operation; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or {}


def round_json(round_: Round) -> dict[str, Any]:
    return {"status": round_.status, "opened_at": audit.jsonable(round_.opened_at),
            "closed_at": audit.jsonable(round_.closed_at)}


# --- open and close ----------------------------------------------------------------------------


def starts_later(round_: Round, now: datetime | None = None) -> bool:
    """Whether the round's scoring start lies in the future: opened or not, judges cannot score yet."""
    return round_.opens_at is not None and (now or utcnow()) < round_.opens_at


def open_round(round_: Round, *, actor: User | None = None, now: datetime | None = None,
               start_now: bool = False) -> Round:
    """Let judges score (a closed round may be reopened, e.g. after a sheet is reopened).

    With ``start_now`` a scoring start that lies in the future moves to ``now``: an open round
    whose start is still ahead shows judges nothing they can score.  Asking again on a round
    already open only moves its start.
    """
    now = now or utcnow()
    if start_now and starts_later(round_, now):
        before = {"opens_at": audit.jsonable(round_.opens_at)}
        round_.opens_at = now
        db.session.flush()
        audit.record("round.start_moved", round_, actor=actor, before=before, after={"opens_at": audit.jsonable(now)})
    if round_.status == RoundStatus.OPEN.value:
        return round_
    if not round_.criteria:
        raise RoundError(_("Vòng chấm chưa có tiêu chí nào; không thể mở."), 409)
    before = round_json(round_)
    round_.status = RoundStatus.OPEN.value
    round_.opened_at = now
    round_.closed_at = None
    db.session.flush()
    audit.record("round.opened", round_, actor=actor, before=before, after=round_json(round_))
    return round_


@dataclass
class RoundWarning:
    """Something that keeps judges of an open round from scoring, and where it is fixed."""

    code: str  # "starts_later", "no_assignments"
    message: str  # translated
    fix_url: str | None = None


def published_assignment_count(round_: Round) -> int:
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.round_id == round_.id, Assignment.state == AssignmentState.ACTIVE.value,
            Assignment.published_at.is_not(None),
        )
    ) or 0


def round_warnings(round_: Round, now: datetime | None = None) -> list[RoundWarning]:
    """Why the judges of an open round see nothing they can score, each with the page that fixes it."""
    from flask import url_for

    now = now or utcnow()
    if round_.status != RoundStatus.OPEN.value:
        return []
    found = []
    if starts_later(round_, now):
        found.append(RoundWarning(
            "starts_later",
            _("Vòng đang mở nhưng thời điểm bắt đầu chấm là %(time)s: đến lúc đó giám khảo chưa thể chấm.",
              time=format_datetime_local(round_.opens_at)),
            url_for("admin.round_progress", round_id=round_.id),
        ))
    if not published_assignment_count(round_):
        found.append(RoundWarning(
            "no_assignments",
            _("Vòng đang mở nhưng chưa có phân công nào được công bố: giám khảo chưa thấy bài nào để chấm."),
            url_for("admin.round_assignments", round_id=round_.id),
        ))
    return found


def round_scores(round_: Round) -> tuple[list[tuple[str, str, str, float | None]], dict[str, Entry]]:
    """The engine's input: one item per criterion of every submitted sheet of an active assignment."""
    keys = {c.id: c.key for c in round_.criteria}
    rows = db.session.execute(
        select(Assignment, ScoreSheet)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.round_id == round_.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            ScoreSheet.status == SheetStatus.SUBMITTED.value,
        )
    ).all()
    items: list[tuple[str, str, str, float | None]] = []
    entries: dict[str, Entry] = {}
    for assignment, sheet in rows:
        entries[str(assignment.entry_id)] = assignment.entry
        for score in sheet.scores:
            if score.criterion_id in keys:
                value = float(score.value) if score.value is not None else None
                items.append((str(assignment.entry_id), str(assignment.judge_id), keys[score.criterion_id], value))
    return items, entries


def _finite(value: Any) -> Any:
    """JSON-safe: NaN and infinities (a single sheet has no spread) become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def criterion_means(items: list[tuple[str, str, str, float | None]]) -> dict[str, dict[str, float]]:
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for entry_id, _judge, key, value in items:
        if value is not None:
            sums[entry_id][key].append(value)
    return {e: {k: sum(v) / len(v) for k, v in by.items()} for e, by in sums.items()}


def _unsubmitted_count(round_: Round) -> int:
    """Active assignments whose sheet was not submitted when the round closed (not counted)."""
    submitted = select(ScoreSheet.assignment_id).where(ScoreSheet.status == SheetStatus.SUBMITTED.value)
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.round_id == round_.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            Assignment.id.not_in(submitted),
        )
    ) or 0


def latest_result(round_: Round) -> ResultSet | None:
    return db.session.scalar(
        select(ResultSet)
        .where(ResultSet.round_id == round_.id, ResultSet.status != ResultStatus.SUPERSEDED.value)
        .order_by(ResultSet.computed_at.desc(), ResultSet.id.desc())
        .limit(1)
    )


def close_round(round_: Round, *, actor: User | None = None, now: datetime | None = None) -> ResultSet:
    """Stop scoring and evaluate the round; returns the stored computation.

    Closing a closed round returns its computation unchanged (a double click is harmless).
    """
    from contest.scoring import rubric_for

    now = now or utcnow()
    if round_.status == RoundStatus.CLOSED.value:
        existing = latest_result(round_)
        if existing is not None:
            return existing
    elif round_.status != RoundStatus.OPEN.value:
        raise RoundError(_("Vòng chấm chưa mở nên chưa thể đóng."), 409)
    items, entries = round_scores(round_)
    if not items:
        raise RoundError(_("Chưa có phiếu chấm nào được nộp trong vòng này; chưa thể đóng vòng và tính kết quả."), 409)
    method = round_.normalization_method if round_.normalization_method in engine.METHODS else engine.DEFAULT_METHOD
    try:
        evaluation = engine.evaluate(
            items,
            rubric_for(round_),
            method=method,
            reference_codes={eid: e.reference_code for eid, e in entries.items()},
            disagree_fraction=float(round_.disagreement_threshold),
        )
    except engine.InvalidScores as error:  # stored sheets were validated; this means the rubric changed since
        raise RoundError(
            _("Không tính được kết quả: có điểm không khớp với tiêu chí hiện tại của vòng (%(detail)s).",
              detail=str(error)), 409) from None
    for old in db.session.scalars(
        select(ResultSet).where(ResultSet.round_id == round_.id, ResultSet.status == ResultStatus.COMPUTED.value)
    ):
        old.status = ResultStatus.SUPERSEDED.value
    payload = evaluation.to_dict()
    payload["ranking"] = _published_ranking(evaluation, float(round_.disagreement_threshold))
    payload["categories"] = {eid: e.category_id for eid, e in entries.items()}
    payload["sheets_not_submitted"] = _unsubmitted_count(round_)
    payload["criterion_means"] = criterion_means(items)
    payload["criteria"] = [
        {"key": c.key, "name": c.name, "minimum": float(c.min_score), "maximum": float(c.max_score)}
        for c in round_.criteria
    ]
    result = ResultSet(
        edition_id=round_.edition_id,
        round_id=round_.id,
        method=evaluation.method,
        parameters=_finite(evaluation.params),
        engine_version=evaluation.engine_version,
        input_hash=evaluation.input_sha256,
        payload=_finite(payload),
        status=ResultStatus.COMPUTED.value,
        computed_at=now,
        computed_by_id=actor.id if actor else None,
    )
    db.session.add(result)
    before = round_json(round_)
    round_.status = RoundStatus.CLOSED.value
    round_.closed_at = now
    db.session.flush()
    audit.record(
        "round.closed",
        round_,
        actor=actor,
        before=before,
        after={**round_json(round_), "result_set_id": result.id, "input_hash": result.input_hash,
               "entries": len(evaluation.ranking)},
    )
    return result


# --- advancement -------------------------------------------------------------------------------


def _published_ranking(evaluation: engine.Evaluation, disagree_fraction: float) -> list[dict]:
    """The engine's rows re-ranked on what a council publishes (``judging.publication``).

    Advancement reads ``score``: on a full panel the plain mean of the sheets, otherwise the
    calibrated value, on the round's scale either way; ``computed_score`` keeps the engine's value.
    """
    published, ranking = publish_evaluation(evaluation, disagree_fraction)
    at = {e: i for i, e in enumerate(evaluation.sheets.entry_ids)}
    engine_rows = {r.entry_id: r.to_dict() for r in evaluation.ranking}
    rows = []
    for r in ranking:
        row = dict(engine_rows[r.entry_id])
        i = at[r.entry_id]
        row.update(rank=r.rank, tied=r.tied, score=float(published.published[i]),
                   computed_score=row["score"], plain_mean=float(published.plain_mean[i]),
                   flags=[*row["flags"], *(f for f in published.flags[i] if f not in row["flags"])])
        rows.append(row)
    return rows


def next_round(round_: Round) -> Round | None:
    return db.session.scalar(
        select(Round)
        .where(Round.edition_id == round_.edition_id, Round.position > round_.position)
        .order_by(Round.position)
        .limit(1)
    )


def round_entries(round_: Round) -> list[Entry]:
    """The entries competing in the round: placed in it, or assigned to its judges."""
    placed = select(EntryRound.entry_id).where(EntryRound.round_id == round_.id)
    assigned = select(Assignment.entry_id).where(
        Assignment.round_id == round_.id, Assignment.state == AssignmentState.ACTIVE.value
    )
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.id.in_(placed.union(assigned)), Entry.status.not_in(OUT_OF_CONTEST))
            .order_by(Entry.reference_code)
        )
    )


@dataclass
class Standing:
    """One entry's place in the closed round and whether the round's rules let it advance."""

    entry: Entry
    rank: int | None
    score: float | None
    tied: bool = False
    blocked: list[str] = field(default_factory=list)  # translated reasons the rules refuse it

    @property
    def may_advance(self) -> bool:
        return not self.blocked


def standings(round_: Round, result: ResultSet | None = None) -> list[Standing]:
    """Every entry of the round with its rank, score and rule check, best first (unscored last)."""
    result = result or latest_result(round_)
    ranking = {r["entry_id"]: r for r in (result.payload.get("ranking", []) if result else [])}
    means = result.payload.get("criterion_means", {}) if result else {}
    minimum = float(round_.min_total_to_advance) if round_.min_total_to_advance is not None else None
    criteria = list(round_.criteria)
    zero_floors = {c.key: float(c.min_score) for c in criteria} if round_.zero_eliminates else None
    names = {c.key: c.name for c in criteria}
    rows = []
    for entry in round_entries(round_):
        r = ranking.get(str(entry.id))
        candidate = _candidate(entry, r, means)
        refused = advancement.blocks(candidate, minimum=minimum, zero_floors=zero_floors)
        rows.append(Standing(entry, candidate.rank, candidate.score, bool(r and r.get("tied")),
                             _block_reasons(refused, round_, names)))
    rows.sort(key=lambda s: (s.rank is None, s.rank or 0, s.entry.reference_code))
    return rows


def _candidate(entry: Entry, ranked: dict[str, Any] | None, means: dict[str, dict[str, float]]
               ) -> advancement.Candidate:
    return advancement.Candidate(
        key=entry.id, track=entry.category_id,
        rank=ranked["rank"] if ranked else None, score=ranked["score"] if ranked else None,
        criterion_means=means.get(str(entry.id), {}),
    )


def _block_reasons(refused: advancement.Blocks, round_: Round, names: dict[str, str]) -> list[str]:
    """The translated sentences an organizer reads for each rule that refuses the entry."""
    reasons = []
    if refused.unscored:
        reasons.append(_("Chưa có phiếu chấm đã nộp."))
    if refused.below_minimum:
        reasons.append(_("Dưới điểm tối thiểu để vào vòng sau (%(min)s).",
                         min=_plain(round_.min_total_to_advance)))
    if refused.zero_criteria:
        reasons.append(_("Có tiêu chí bị 0 điểm: %(names)s.",
                         names=", ".join(names[key] for key in refused.zero_criteria)))
    return reasons


def _plain(value: Decimal | float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


@dataclass
class Advancement:
    advanced: list[Entry]
    eliminated: list[Entry]
    next_round: Round


def advance_entries(
    round_: Round,
    rule: AdvancementRule | str,
    *,
    top_n: int | None = None,
    threshold: Decimal | float | None = None,
    chosen: list[int] | None = None,
    reason: str | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Advancement:
    """Decide the round's outcome for every entry in it and seat the advancing ones in the next round.

    Deciding again (before the next round opens) replaces the earlier decision.
    """
    now = now or utcnow()
    rule = AdvancementRule(rule)
    if round_.status != RoundStatus.CLOSED.value:
        raise RoundError(_("Cần đóng vòng chấm và tính kết quả trước khi xét vào vòng sau."), 409)
    following = next_round(round_)
    if following is None:
        raise RoundError(_("Đây là vòng cuối; kết quả vòng này dùng để xét giải, không xét vào vòng sau."), 409)
    if following.status != RoundStatus.DRAFT.value:
        raise RoundError(_("Vòng sau đã mở chấm; không thể thay đổi danh sách vào vòng sau."), 409)
    result = latest_result(round_)
    if result is None:
        raise RoundError(_("Chưa có kết quả tính của vòng này."), 409)
    table = standings(round_, result)
    chosen_ids, detail = _chosen_by_rule(table, rule, top_n=top_n, threshold=threshold, chosen=chosen,
                                         reason=reason)
    decision_reason = reason or _("Theo quy tắc: %(detail)s.", detail=detail)
    advanced, eliminated, changed = _record_outcomes(table, chosen_ids, round_, following, decision_reason,
                                                     actor=actor, now=now)
    db.session.flush()
    from contest.notices import notify_round_outcome

    for entry in advanced + eliminated:
        if entry.status in (EntryStatus.ADVANCED.value, EntryStatus.ELIMINATED.value) and entry.id in changed:
            notify_round_outcome(entry, round_, following, entry.status == EntryStatus.ADVANCED.value)
    audit.record(
        "round.advancement_decided",
        round_,
        actor=actor,
        after={"rule": rule.value, "top_n": top_n, "threshold": _plain(threshold) if threshold is not None else None,
               "advanced": [e.id for e in advanced], "eliminated": [e.id for e in eliminated],
               "next_round_id": following.id, "result_set_id": result.id},
        reason=decision_reason,
    )
    return Advancement(advanced, eliminated, following)


def _chosen_by_rule(table: list[Standing], rule: AdvancementRule, *, top_n: int | None,
                    threshold: Decimal | float | None, chosen: list[int] | None,
                    reason: str | None) -> tuple[set[int], str]:
    """The ids of the entries the organizer's rule advances, and the rule in words for the record."""
    eligible = [advancement.Candidate(key=s.entry.id, track=s.entry.category_id, rank=s.rank, score=s.score)
                for s in table if s.may_advance]
    if rule == AdvancementRule.TOP_N:
        if not top_n or top_n < 1:
            raise RoundError(_("Vui lòng nhập số bài vào vòng sau cho mỗi lĩnh vực (N ≥ 1)."), 422,
                             {"top_n": _("Nhập một số nguyên dương.")})
        return (set(advancement.top_n_per_track(eligible, top_n)),  # type: ignore[arg-type]
                _("%(n)d bài điểm cao nhất mỗi lĩnh vực", n=top_n))
    if rule == AdvancementRule.THRESHOLD:
        if threshold is None:
            raise RoundError(_("Vui lòng nhập điểm sàn."), 422, {"threshold": _("Nhập điểm sàn.")})
        return (set(advancement.at_or_above(eligible, float(threshold))),  # type: ignore[arg-type]
                _("điểm từ %(t)s trở lên", t=_plain(threshold)))
    return _checked_manual_choice(table, chosen, reason), _("chọn thủ công")


def _checked_manual_choice(table: list[Standing], chosen: list[int] | None, reason: str | None) -> set[int]:
    """The organizer's own picks, refused as a whole when any is outside the round or barred by its rules."""
    if not reason:
        raise RoundError(_("Chọn thủ công cần ghi rõ lý do."), 422, {"reason": _("Vui lòng nhập lý do.")})
    known = {s.entry.id: s for s in table}
    picked = set(chosen or [])
    errors = {}
    for entry_id in sorted(picked):
        if entry_id not in known:
            errors[f"entry-{entry_id}"] = _("Bài này không thuộc vòng chấm.")
        elif not known[entry_id].may_advance:
            s = known[entry_id]
            errors[f"entry-{entry_id}"] = _("%(code)s không đủ điều kiện: %(why)s",
                                             code=s.entry.reference_code, why=" ".join(s.blocked))
    if not picked:
        errors["chosen"] = _("Chọn ít nhất một bài.")
    if errors:
        raise RoundError(_("Danh sách chọn chưa hợp lệ."), 422, errors)
    return picked


def _record_outcomes(table: list[Standing], chosen_ids: set[int], round_: Round, following: Round,
                     decision_reason: str, *, actor: User | None,
                     now: datetime) -> tuple[list[Entry], list[Entry], set[int]]:
    """Write each entry's outcome, status and seat in the next round.

    Returns (advanced, eliminated, the ids whose status changed): only a changed outcome is worth an email.
    """
    entry_ids = [s.entry.id for s in table]
    # Both rounds' places of every entry in one query, not two per entry.
    places = {
        (p.entry_id, p.round_id): p
        for p in db.session.scalars(select(EntryRound).where(
            EntryRound.entry_id.in_(entry_ids), EntryRound.round_id.in_([round_.id, following.id])))
    }
    advanced, eliminated = [], []
    changed: set[int] = set()
    for s in table:
        entry = s.entry
        goes = entry.id in chosen_ids
        place = places.get((entry.id, round_.id))
        if place is None:
            place = EntryRound(entry_id=entry.id, round_id=round_.id, outcome=RoundOutcome.IN_ROUND.value)
            db.session.add(place)
        place.outcome = (RoundOutcome.ADVANCED if goes else RoundOutcome.ELIMINATED).value
        place.reason = decision_reason if goes else (" ".join(s.blocked) or decision_reason)
        place.decided_by_id = actor.id if actor else None
        place.decided_at = now
        before = entry.status
        entry.status = (EntryStatus.ADVANCED if goes else EntryStatus.ELIMINATED).value
        seat = places.get((entry.id, following.id))
        if goes and seat is None:
            db.session.add(EntryRound(entry_id=entry.id, round_id=following.id,
                                      outcome=RoundOutcome.IN_ROUND.value))
        elif not goes and seat is not None:
            db.session.delete(seat)  # an earlier decision seated it; the next round has not started
        (advanced if goes else eliminated).append(entry)
        if before != entry.status:
            changed.add(entry.id)
            audit.record(f"entry.{entry.status}", entry, actor=actor, before={"status": before},
                         after={"status": entry.status, "round_id": round_.id}, reason=place.reason)
    return advanced, eliminated, changed


# --- reopening a sheet -------------------------------------------------------------------------


def reopen_sheet(sheet: ScoreSheet, *, reason: str, actor: User | None = None,
                 now: datetime | None = None) -> ScoreSheet:
    """Unlock a submitted sheet so its judge can correct it (audited with the reason; the judge is told)."""
    from contest.mail import external_url, send_mail

    now = now or utcnow()
    if not reason or not reason.strip():
        raise RoundError(_("Vui lòng nhập lý do mở lại phiếu."), 422, {"reason": _("Vui lòng nhập lý do.")})
    if sheet.status != SheetStatus.SUBMITTED.value:
        raise RoundError(_("Phiếu này chưa nộp nên không cần mở lại."), 409)
    assignment = sheet.assignment
    if assignment.round.status != RoundStatus.OPEN.value:
        raise RoundError(_("Vòng chấm đã đóng; hãy mở lại vòng trước khi mở lại phiếu."), 409)
    before = {"status": sheet.status, "version": sheet.version,
              "submitted_at": audit.jsonable(sheet.submitted_at)}
    sheet.status = SheetStatus.DRAFT.value
    sheet.submitted_at = None
    sheet.reopened_at = now
    # A new version: a tab still showing the submitted sheet cannot save over the reopened one unseen.
    sheet.version = sheet.version + 1
    sheet.updated_at = now
    db.session.flush()
    audit.record("score_sheet.reopened", sheet, actor=actor, before=before,
                 after={"status": sheet.status, "version": sheet.version}, reason=reason.strip())
    send_mail(
        assignment.judge.email,
        _("Phiếu chấm bài %(code)s đã được mở lại", code=assignment.entry.reference_code),
        "reminder_sheet_reopened",
        assignment=assignment,
        reason=reason.strip(),
        link=external_url("judge.score_entry", assignment_id=assignment.id),
    )
    return sheet


# ------------------------------------------------------------------------------------- progress, reminders and exports
REMINDER_KIND = "pending_sheets"


@dataclass
class JudgeProgress:
    judge: User
    expected: int = 0
    submitted: int = 0
    drafts: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0


@dataclass
class EntryProgress:
    entry: Entry
    expected: int = 0
    submitted: int = 0
    recused: int = 0
    sheets: list[tuple[Assignment, ScoreSheet | None]] = field(default_factory=list)


@dataclass
class RoundProgress:
    round: Round
    judges: list[JudgeProgress]
    entries: list[EntryProgress]
    overdue: list[tuple[Assignment, ScoreSheet | None]]
    holes: list[tuple[Entry, int]]  # entries with fewer active judges than the round asks for
    recusals: list[Assignment]
    expected: int = 0
    submitted: int = 0
    drafts: int = 0
    deadline: datetime | None = None
    past_deadline: bool = False
    pending_judges: list[User] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0


def round_progress(round_: Round, *, now: datetime | None = None) -> RoundProgress:
    """Sheets submitted / expected per judge and per entry, overdue sheets and holes in the panel."""
    now = now or utcnow()
    deadline = round_.scoring_deadline or round_.closes_at
    past = bool(deadline and now >= deadline)
    rows = db.session.execute(
        select(Assignment, ScoreSheet)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id,
               Assignment.state.in_([AssignmentState.ACTIVE.value, AssignmentState.RECUSED.value]))
        .order_by(Assignment.id)
    ).all()
    judges: dict[int, JudgeProgress] = {}
    entries: dict[int, EntryProgress] = {}
    overdue: list[tuple[Assignment, ScoreSheet | None]] = []
    recusals: list[Assignment] = []
    progress = RoundProgress(round_, [], [], overdue, [], recusals, deadline=deadline, past_deadline=past)
    for assignment, sheet in rows:
        ep = entries.setdefault(assignment.entry_id, EntryProgress(assignment.entry))
        if assignment.state == AssignmentState.RECUSED.value:
            ep.recused += 1
            recusals.append(assignment)
            continue
        jp = judges.setdefault(assignment.judge_id, JudgeProgress(assignment.judge))
        status = sheet.status if sheet else None
        jp.expected += 1
        ep.expected += 1
        ep.sheets.append((assignment, sheet))
        progress.expected += 1
        if status == SheetStatus.SUBMITTED.value:
            jp.submitted += 1
            ep.submitted += 1
            progress.submitted += 1
        else:
            if status == SheetStatus.DRAFT.value:
                jp.drafts += 1
                progress.drafts += 1
            if past:
                jp.overdue += 1
                overdue.append((assignment, sheet))
    wanted = round_.judges_per_entry
    progress.judges = sorted(judges.values(), key=lambda j: (j.percent, j.judge.full_name))
    progress.entries = sorted(entries.values(), key=lambda e: e.entry.reference_code)
    if not round_.is_final:
        progress.holes = [(e.entry, wanted - e.expected) for e in progress.entries if e.expected < wanted]
    else:
        progress.holes = [(e.entry, e.recused) for e in progress.entries if e.recused]
    progress.pending_judges = [j.judge for j in progress.judges if j.submitted < j.expected]
    return progress


# --- reminders ---------------------------------------------------------------------------------


def reminder_period(now: datetime) -> str:
    """Reminders go at most once a local (Asia/Ho_Chi_Minh) day per judge per round."""
    return to_local(now).date().isoformat()


def _pending_by_judge(round_: Round) -> dict[int, list[Assignment]]:
    rows = db.session.execute(
        select(Assignment, ScoreSheet)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.state == AssignmentState.ACTIVE.value)
        .order_by(Assignment.id)
    ).all()
    pending: dict[int, list[Assignment]] = defaultdict(list)
    for assignment, sheet in rows:
        if sheet is None or sheet.status != SheetStatus.SUBMITTED.value:
            pending[assignment.judge_id].append(assignment)
    return pending


@dataclass
class ReminderReport:
    sent: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


def send_reminders(round_: Round, *, actor: User | None = None, now: datetime | None = None) -> ReminderReport:
    """Email every judge with unsubmitted sheets in an open round, once per local day.

    Mail cannot be taken back, so each judge's reminder is recorded and committed
    before the message goes: a concurrent run (cron and a click at the same time)
    collides on ReminderLog's unique key and skips that judge instead of mailing twice.
    """
    from contest.mail import send_mail

    now = now or utcnow()
    report = ReminderReport()
    if round_.status != RoundStatus.OPEN.value:
        return report
    period = reminder_period(now)
    round_id = round_.id
    deadline = round_.scoring_deadline or round_.closes_at
    pending = _pending_by_judge(round_)
    for judge_id, assignments in pending.items():
        judge = db.session.get(User, judge_id)
        if judge is None or not judge.active:
            continue
        done = db.session.scalar(select(ReminderLog.id).where(
            ReminderLog.round_id == round_id, ReminderLog.judge_id == judge_id,
            ReminderLog.kind == REMINDER_KIND, ReminderLog.period == period))
        if done is not None:
            report.already.append(judge)
            continue
        db.session.add(ReminderLog(round_id=round_id, judge_id=judge_id, kind=REMINDER_KIND, period=period,
                                   sent_at=now))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            report.already.append(db.session.get(User, judge_id))
            continue
        round_ = db.session.get(Round, round_id)
        codes = [a.entry.reference_code for a in assignments]
        send_mail(
            judge.email,
            _("Nhắc chấm điểm: còn %(n)d bài chưa nộp phiếu – %(round)s", n=len(codes), round=round_.name),
            "reminder_pending",
            judge=judge,
            round=round_,
            codes=codes,
            deadline=format_datetime_local(deadline) if deadline else None,
            overdue=bool(deadline and now >= deadline),
            link=external_url("judge.dashboard"),
        )
        report.sent.append(judge)
    if report.sent:
        audit.record("round.reminders_sent", db.session.get(Round, round_id), actor=actor,
                     after={"period": period, "judges": [j.id for j in report.sent]})
        db.session.flush()
    return report


# --- raw score export --------------------------------------------------------------------------

def export_rows(round_: Round) -> tuple[list[str], list[list[object]]]:
    """Every sheet of the round (drafts included, marked), one row each, with Vietnamese headers."""
    criteria = list(round_.criteria)
    headers = [_("Mã bài"), _("Tên giải pháp"), _("Lĩnh vực"), _("Giám khảo"), _("Email giám khảo"),
               _("Trạng thái phân công"), _("Trạng thái phiếu"), _("Nộp lúc")]
    for c in criteria:
        headers += [_("Điểm: %(name)s", name=c.name), _("Nhận xét: %(name)s", name=c.name)]
    headers += [_("Tổng điểm (thang %(scale)s)", scale=round_.scale), _("Nhận xét chung gửi tác giả"),
                _("Ghi chú riêng cho Ban tổ chức"), _("Phiên bản phiếu")]
    rows = []
    records = db.session.execute(
        select(Assignment, ScoreSheet)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(User, User.id == Assignment.judge_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.state != AssignmentState.PROPOSED.value)
        .order_by(Entry.reference_code, User.full_name)
    ).all()
    from contest.labels import ASSIGNMENT_STATE

    for assignment, sheet in records:
        row: list[object] = [
            assignment.entry.reference_code, assignment.entry.title, assignment.entry.category.name,
            assignment.judge.full_name, assignment.judge.email, label(ASSIGNMENT_STATE, assignment.state),
            label(SHEET_STATUS, sheet.status if sheet else "none"),
            format_datetime_local(sheet.submitted_at) if sheet and sheet.submitted_at else "",
        ]
        for c in criteria:
            score = sheet.score_for(c.id) if sheet else None
            row += [float(score.value) if score and score.value is not None else None,
                    (score.comment or "") if score else ""]
        total = sheet_total(round_, sheet_values(sheet)) if sheet else None
        row += [round(total, 2) if total is not None else None,
                (sheet.comment_to_applicant or "") if sheet else "",
                (sheet.private_note or "") if sheet else "",
                sheet.version if sheet else None]
        rows.append(row)
    return headers, rows


def export_csv(round_: Round) -> bytes:
    return to_csv(*export_rows(round_))


def export_xlsx(round_: Round) -> bytes:
    return to_xlsx(_("Điểm thô"), *export_rows(round_))
