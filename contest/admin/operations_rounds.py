"""Organizers' view of a round's scoring: progress, overdue sheets, reminders and raw-score exports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contest import audit
from contest.exports import to_csv, to_xlsx
from contest.extensions import db
from contest.i18n import _, format_datetime_local, to_local
from contest.judge.operations import sheet_total, sheet_values
from contest.web import external_url
from contest.labels import SHEET_STATUS, label
from contest.models import (
    Assignment,
    AssignmentState,
    Entry,
    ReminderLog,
    Round,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)

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
