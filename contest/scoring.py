"""What a judge does to a score sheet: save a draft, submit it, or recuse from the entry.

Sheets are versioned against lost updates.  Every save names the version the
judge's page was showing; the row is bumped with a compare-and-swap
(``UPDATE … WHERE version = :seen``), so two tabs, a double click or two
devices can never overwrite newer work silently: the loser gets
:class:`VersionConflict` (HTTP 409) and is told.  The first save of a sheet
creates it; the unique constraint on ``assignment_id`` settles the race when
two first saves arrive together (the second one re-reads and conflicts).

Draft saves may leave criteria blank but never store an out-of-range or
off-step value.  Submitting requires every criterion and locks the sheet;
only an organizer reopens it (:func:`contest.rounds.reopen_sheet`).

Draft saves are the judge's private working state (autosaved every few
seconds) and are not written to the audit log one by one; starting,
submitting, reopening and recusing are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from flask import abort
from flask_babel import format_decimal
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from contest import audit
from contest.assignments import judge_sees_assignment
from contest.extensions import db
from contest.i18n import _, format_datetime_local
from contest.mail import external_url
from contest.models import (
    Assignment,
    AssignmentState,
    Attachment,
    ConflictSource,
    Criterion,
    CriterionScore,
    Entry,
    Role,
    Round,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    User,
    UserRole,
    utcnow,
)
from judging import rubric as rubric_mod

COMMENT_MAX = 5000
NOTE_MAX = 5000


class ScoringError(Exception):
    """A refused save or submit; ``message`` is translated, ``status`` is the HTTP status."""

    status = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ScoringClosed(ScoringError):
    status = 403


class VersionConflict(ScoringError):
    status = 409


class SheetLocked(ScoringError):
    status = 409


class InvalidSheet(ScoringError):
    """``errors`` maps a field name (``score-<criterion id>``, ``comment-<id>``, …) to its message."""

    status = 422


@dataclass
class SheetInput:
    """What the judge typed, as text: criterion id -> score text / comment text."""

    version: int
    scores: dict[int, str | None] = field(default_factory=dict)
    comments: dict[int, str | None] = field(default_factory=dict)
    comment_to_applicant: str | None = None
    private_note: str | None = None
    unknown_criteria: list[str] = field(default_factory=list)


# --- loading -----------------------------------------------------------------------------------


@cache
def _assignment_query(with_dossier: bool) -> Select:
    # Built once per variant: composing a statement with loader options costs more than running it.
    entry = joinedload(Assignment.entry)
    options = [
        joinedload(Assignment.round).joinedload(Round.criteria),  # a few rows more, one query less
        joinedload(Assignment.sheet),
        entry.joinedload(Entry.edition),
        entry.joinedload(Entry.category),
        entry.selectinload(Entry.members),
        entry.selectinload(Entry.conflict_declarations),
    ]
    if with_dossier:
        options.append(entry.selectinload(Entry.attachments).joinedload(Attachment.kind))
    return select(Assignment).where(Assignment.id == bindparam("assignment_id")).options(*options)


def judge_assignment_or_404(judge: User, assignment_id: int, *, with_dossier: bool = False) -> Assignment:
    """The judge's ACTIVE, unconflicted assignment; 404 for anything else (it is not theirs to see).

    Loads, in a handful of queries, what the conflict check and a save read (the entry's authors and
    declarations, the round's criteria, the sheet and its scores); ``with_dossier`` adds what the
    entry page shows (files with their kinds).  Judges autosave every few seconds: no lazy loads here.
    """
    judge = getattr(judge, "_get_current_object", lambda: judge)()  # the account itself, not the request proxy
    assignment = (
        db.session.execute(_assignment_query(with_dossier), {"assignment_id": assignment_id})
        .unique()  # one row per criterion of the round
        .scalar_one_or_none()
    )
    if assignment is None or not judge_sees_assignment(judge, assignment):
        abort(404)
    return assignment


def sheet_of(assignment: Assignment) -> ScoreSheet | None:
    """The assignment's sheet as stored now (its scores load when read, unless already loaded)."""
    return db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id).options(lazyload(ScoreSheet.scores))
    )


def rubric_for(round_: Round) -> rubric_mod.Rubric:
    """The round's criteria as the judging engine's rubric (keys are the criteria's keys)."""
    return rubric_mod.Rubric(
        tuple(
            rubric_mod.Criterion(
                key=c.key,
                weight=float(c.weight),
                maximum=float(c.max_score),
                minimum=float(c.min_score),
                step=float(c.step) if c.step is not None else None,
                label=c.name,
            )
            for c in round_.criteria
        ),
        scale=float(round_.scale),
    )


def sheet_total(round_: Round, values: dict[int, Decimal | None]) -> float | None:
    """The weighted total on the round's scale over the criteria given, None when none is."""
    by_key = {c.key: (float(values[c.id]) if values.get(c.id) is not None else None) for c in round_.criteria}
    if all(v is None for v in by_key.values()):
        return None
    return rubric_mod.weighted_total(rubric_for(round_), {k: v for k, v in by_key.items() if v is not None})


def sheet_running_total(round_: Round, values: dict[int, Decimal | None]) -> float | None:
    """The total a judge sees while filling the sheet: blank criteria add nothing yet."""
    by_key = {c.key: (float(values[c.id]) if values.get(c.id) is not None else None) for c in round_.criteria}
    if all(v is None for v in by_key.values()):
        return None
    return rubric_mod.running_total(rubric_for(round_), by_key)


def sheet_values(sheet: ScoreSheet | None) -> dict[int, Decimal | None]:
    return {s.criterion_id: s.value for s in sheet.scores} if sheet else {}


# --- checks ------------------------------------------------------------------------------------


def _num(value: Decimal | float | None) -> str:
    return "" if value is None else format_decimal(Decimal(str(value)).normalize())


def closed_reason(round_: Round, now: datetime) -> str | None:
    """Why scoring is not possible in ``round_`` now (None when it is)."""
    if round_.scoring_open(now):
        return None
    if round_.status == RoundStatus.DRAFT.value:
        return _("Vòng chấm này chưa mở; chưa thể lưu hay nộp phiếu.")
    if round_.status == RoundStatus.CLOSED.value:
        return _("Vòng chấm đã đóng; không thể lưu hay nộp phiếu nữa.")
    if round_.opens_at and now < round_.opens_at:
        return _("Vòng chấm mở lúc %(time)s; chưa thể lưu hay nộp phiếu.", time=format_datetime_local(round_.opens_at))
    deadline = round_.scoring_deadline or round_.closes_at
    return _(
        "Đã quá hạn chấm (%(time)s); không thể lưu hay nộp phiếu. Vui lòng liên hệ Ban tổ chức.",
        time=format_datetime_local(deadline),
    )


def _parse(text: str | None) -> tuple[Decimal | None, bool]:
    """(value, ok): blank is (None, True); "8,5" is accepted as 8.5."""
    if text is None or not text.strip():
        return None, True
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None, False
    return (value, True) if value.is_finite() else (None, False)


def _score_message(c: Criterion, code: str) -> str:
    name = c.name
    if code == rubric_mod.MISSING:
        return _("Vui lòng cho điểm tiêu chí “%(name)s”.", name=name)
    if code == rubric_mod.OUT_OF_RANGE:
        return _("Điểm “%(name)s” phải từ %(min)s đến %(max)s.", name=name, min=_num(c.min_score),
                 max=_num(c.max_score))
    if code == rubric_mod.OFF_STEP:
        return _("Điểm “%(name)s” phải theo bước %(step)s (ví dụ %(a)s; %(b)s).", name=name, step=_num(c.step),
                 a=_num(c.min_score + (c.step or 0)), b=_num(c.min_score + 2 * (c.step or 0)))
    return _("Điểm “%(name)s” phải là một số.", name=name)


def check_input(round_: Round, data: SheetInput, *, require_all: bool) -> dict[int, Decimal | None]:
    """The parsed scores, or :class:`InvalidSheet` listing every problem (per criterion, in Vietnamese)."""
    errors: dict[str, str] = {}
    values: dict[int, Decimal | None] = {}
    rubric = rubric_for(round_)
    for name in data.unknown_criteria:
        errors[name] = _("Tiêu chí không thuộc vòng chấm này.")
    for c in round_.criteria:
        value, ok = _parse(data.scores.get(c.id))
        if not ok:
            errors[f"score-{c.id}"] = _score_message(c, rubric_mod.NOT_A_NUMBER)
            continue
        problem = rubric_mod.check_score(rubric[c.key], float(value) if value is not None else None)
        if problem is not None and not (problem.code == rubric_mod.MISSING and not require_all):
            errors[f"score-{c.id}"] = _score_message(c, problem.code)
            continue
        if value is not None and value.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[f"score-{c.id}"] = _("Điểm “%(name)s” có tối đa 2 chữ số thập phân.", name=c.name)
            continue
        values[c.id] = value
        comment = data.comments.get(c.id)
        if comment and len(comment) > COMMENT_MAX:
            errors[f"comment-{c.id}"] = _("Nhận xét tối đa %(max)d ký tự.", max=COMMENT_MAX)
    if data.comment_to_applicant and len(data.comment_to_applicant) > COMMENT_MAX:
        errors["comment_to_applicant"] = _("Nhận xét tối đa %(max)d ký tự.", max=COMMENT_MAX)
    if data.private_note and len(data.private_note) > NOTE_MAX:
        errors["private_note"] = _("Ghi chú tối đa %(max)d ký tự.", max=NOTE_MAX)
    if errors:
        message = (
            _("Phiếu chưa đủ hoặc có điểm không hợp lệ. Vui lòng sửa các ô được đánh dấu.")
            if require_all
            else _("Có điểm không hợp lệ; bản nháp chưa được lưu. Vui lòng sửa các ô được đánh dấu.")
        )
        raise InvalidSheet(message, errors)
    return values


def _conflict_message() -> str:
    return _(
        "Phiếu chấm đã có nội dung mới hơn (lưu từ một thẻ hoặc thiết bị khác). Thay đổi vừa rồi chưa được lưu "
        "để không ghi đè. Vui lòng tải lại trang để xem bản mới nhất rồi nhập lại."
    )


def _locked_message() -> str:
    return _("Phiếu chấm đã nộp và bị khóa. Nếu cần sửa, vui lòng liên hệ Ban tổ chức để mở lại phiếu.")


# --- writing -----------------------------------------------------------------------------------


def _claim(assignment: Assignment, sheet: ScoreSheet | None, seen_version: int, now: datetime) -> ScoreSheet:
    """The sheet (as read in this transaction), bumped from ``seen_version`` to the next version, or
    :class:`VersionConflict`.  The compare-and-swap below decides, whatever the read showed."""
    if sheet is None:
        if seen_version != 0:
            raise VersionConflict(_conflict_message())
        sheet = ScoreSheet(
            assignment_id=assignment.id, status=SheetStatus.DRAFT.value, version=1, created_at=now, updated_at=now
        )
        db.session.add(sheet)
        try:
            db.session.flush()
        except IntegrityError:
            # Another request created this sheet a moment ago: its work is newer than what this one saw.
            db.session.rollback()
            raise VersionConflict(_conflict_message()) from None
        audit.record("score_sheet.started", sheet, after={"assignment_id": assignment.id})
        return sheet
    if sheet.status == SheetStatus.SUBMITTED.value:
        raise SheetLocked(_locked_message())
    new_version = db.session.execute(
        update(ScoreSheet)
        .where(
            ScoreSheet.id == sheet.id,
            ScoreSheet.version == seen_version,
            ScoreSheet.status == SheetStatus.DRAFT.value,
        )
        .values(version=ScoreSheet.version + 1, updated_at=now)
        .returning(ScoreSheet.version)
        .execution_options(synchronize_session=False)
    ).scalar()
    if new_version is None:
        db.session.refresh(sheet)
        if sheet.status == SheetStatus.SUBMITTED.value:
            raise SheetLocked(_locked_message())
        raise VersionConflict(_conflict_message())
    # The swap succeeded, so the row is the draft this request read, one version on: no re-read.  (Every
    # writer of a sheet's scores bumps its version, so the scores read earlier are still the stored ones.)
    set_committed_value(sheet, "version", new_version)
    set_committed_value(sheet, "updated_at", now)
    return sheet


def _write(sheet: ScoreSheet, round_: Round, data: SheetInput, values: dict[int, Decimal | None]) -> None:
    for c in round_.criteria:
        row = sheet.score_for(c.id)
        if row is None:
            row = CriterionScore(criterion_id=c.id)
            sheet.scores.append(row)
        row.value = values.get(c.id)
        row.comment = (data.comments.get(c.id) or None)
    sheet.comment_to_applicant = data.comment_to_applicant or None
    sheet.private_note = data.private_note or None


def save_score_sheet(assignment: Assignment, data: SheetInput, *, now: datetime | None = None) -> ScoreSheet:
    """Keep the judge's draft (partial values allowed, invalid ones never)."""
    now = now or utcnow()
    round_ = assignment.round
    reason = closed_reason(round_, now)
    if reason:
        raise ScoringClosed(reason)
    existing = sheet_of(assignment)
    if existing is not None and existing.status == SheetStatus.SUBMITTED.value:
        raise SheetLocked(_locked_message())
    values = check_input(round_, data, require_all=False)
    sheet = _claim(assignment, existing, data.version, now)
    _write(sheet, round_, data, values)
    db.session.flush()
    return sheet


def submit_score_sheet(
    assignment: Assignment, data: SheetInput, *, now: datetime | None = None
) -> tuple[ScoreSheet, bool]:
    """Submit and lock the sheet; returns (sheet, newly_submitted).

    Submitting again what was just submitted (a double click, a resent form: the
    version seen is the submitted one or the one it was submitted from) changes
    nothing and is not an error.
    """
    now = now or utcnow()
    round_ = assignment.round
    existing = sheet_of(assignment)
    if existing is not None and existing.status == SheetStatus.SUBMITTED.value:
        if data.version in (existing.version, existing.version - 1):
            return existing, False
        raise SheetLocked(_locked_message())
    reason = closed_reason(round_, now)
    if reason:
        raise ScoringClosed(reason)
    values = check_input(round_, data, require_all=True)
    sheet = _claim(assignment, existing, data.version, now)
    _write(sheet, round_, data, values)
    sheet.status = SheetStatus.SUBMITTED.value
    sheet.submitted_at = now
    db.session.flush()
    total = sheet_total(round_, values)
    audit.record(
        "score_sheet.submitted",
        sheet,
        after={
            "assignment_id": assignment.id,
            "version": sheet.version,
            "scores": {c.key: str(values[c.id]) for c in round_.criteria},
            "total": round(total, 2) if total is not None else None,
        },
    )
    return sheet, True


def recuse_from_entry(assignment: Assignment, *, reason: str, actor: User) -> Assignment:
    """The judge declares a conflict on an assigned entry: the pair ends RECUSED and organizers are told."""
    from contest.assignments import cancel_assignment
    from contest.conflicts import declare_conflict
    from contest.mail import send_mail

    if assignment.state != AssignmentState.ACTIVE.value:
        return assignment
    declare_conflict(actor, source=ConflictSource.JUDGE, entry=assignment.entry, reason=reason, declared_by=actor)
    cancel_assignment(assignment, reason=reason, actor=actor, state=AssignmentState.RECUSED)
    organizers = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.ORGANIZER.value, User.active.is_(True))
    ).all()
    recipients = sorted({u.email for u in organizers})
    if recipients:
        send_mail(
            recipients,
            _("Giám khảo từ chối chấm bài %(code)s do xung đột lợi ích", code=assignment.entry.reference_code),
            "recusal_notice",
            assignment=assignment,
            judge=actor,
            reason=reason,
            link=external_url("admin.round_progress", round_id=assignment.round_id),
        )
    return assignment
