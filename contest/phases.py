"""Where an edition stands in its year, and what its pages should say about it.

One function decides the phase (submission, judging, vote, results, finalized) from the
edition's data, so the home page, the dashboard, the applicant's pages and the round tables
agree; one tally counts entries the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from contest.extensions import db
from contest.i18n import _, _l, localized
from contest.labels import ENTRY_STATUS, label
from contest.models import (
    Award,
    Edition,
    EditionStatus,
    Entry,
    EntryRound,
    EntryStatus,
    ResultSet,
    ResultStatus,
    Round,
    RoundOutcome,
    VotingPeriod,
    utcnow,
)

PREPARING, SUBMISSION, JUDGING, VOTE, RESULTS, FINALIZED, ENDED = (
    "preparing", "submission", "judging", "vote", "results", "finalized", "ended")

PHASE_LABELS = {
    PREPARING: _l("Đang chuẩn bị"),
    SUBMISSION: _l("Đang nhận bài dự thi"),
    JUDGING: _l("Đang chấm"),
    VOTE: _l("Đang bình chọn"),
    RESULTS: _l("Đã công bố kết quả"),
    FINALIZED: _l("Đã có kết quả chính thức"),
    ENDED: _l("Đã kết thúc"),
}

PUBLIC_RESULT_STATUSES = (ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value)


def published_result_sets(edition: Edition) -> list[ResultSet]:
    return list(db.session.scalars(
        select(ResultSet).where(ResultSet.edition_id == edition.id, ResultSet.status.in_(PUBLIC_RESULT_STATUSES))
        .order_by(ResultSet.published_at.desc(), ResultSet.id.desc())
    ))


def open_vote(edition: Edition, now: datetime | None = None) -> VotingPeriod | None:
    now = now or utcnow()
    periods = db.session.scalars(
        select(VotingPeriod).join(Round, Round.id == VotingPeriod.round_id).where(Round.edition_id == edition.id)
    )
    return next((p for p in periods if p.is_open(now)), None)


def edition_phase(edition: Edition, now: datetime | None = None) -> str:
    """The edition's phase now: later phases win (published results end submission and judging)."""
    now = now or utcnow()
    if edition.status == EditionStatus.DRAFT.value:
        return PREPARING
    published = published_result_sets(edition)
    if published:
        return FINALIZED if all(rs.status == ResultStatus.FINALIZED.value for rs in published) else RESULTS
    if edition.status != EditionStatus.OPEN.value:
        return ENDED
    if open_vote(edition, now) is not None:
        return VOTE
    if edition.registration_open(now):
        return SUBMISSION
    if edition.registration_opens_at is not None and now < edition.registration_opens_at:
        return PREPARING
    return JUDGING


def phase_label(edition: Edition, now: datetime | None = None) -> str:
    return str(PHASE_LABELS[edition_phase(edition, now)])


def accepts_entries(edition: Edition, now: datetime | None = None) -> bool:
    """Invite submissions only while registration is open and no result is out yet."""
    now = now or utcnow()
    return edition.registration_open(now) and edition_phase(edition, now) == SUBMISSION


@dataclass
class EntryTally:
    """Entries of an edition counted one way on every page: submitted means sent and not withdrawn."""

    submitted: int = 0
    drafts: int = 0
    withdrawn: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.submitted + self.drafts + self.withdrawn


def entry_tally(edition_id: int) -> EntryTally:
    tally = EntryTally()
    for status, n in db.session.execute(
        select(Entry.status, func.count(Entry.id)).where(Entry.edition_id == edition_id).group_by(Entry.status)
    ):
        tally.by_status[status] = n
        if status == EntryStatus.DRAFT.value:
            tally.drafts += n
        elif status == EntryStatus.WITHDRAWN.value:
            tally.withdrawn += n
        else:
            tally.submitted += n
    return tally


def published_award(entry: Entry) -> Award | None:
    """The entry's line in the latest published (or final) award list, None before publication."""
    return db.session.scalar(
        select(Award).join(ResultSet, ResultSet.id == Award.result_set_id)
        .where(Award.entry_id == entry.id, ResultSet.status.in_(PUBLIC_RESULT_STATUSES))
        .order_by(ResultSet.published_at.desc(), ResultSet.id.desc()).limit(1)
    )


def current_round(entry: Entry) -> Round | None:
    """The last round the entry is still in (advanced into it, not yet decided there)."""
    return db.session.scalar(
        select(Round).join(EntryRound, EntryRound.round_id == Round.id)
        .where(EntryRound.entry_id == entry.id, EntryRound.outcome == RoundOutcome.IN_ROUND.value)
        .order_by(Round.position.desc()).limit(1)
    )


def entry_standing(entry: Entry) -> str:
    """The entry's status as its author and the organizers should read it now.

    "Vào vòng trong" is right only while a later round waits: once results are out the entry
    either won a level or did not, and inside the final round it is simply in that round.
    """
    if entry.status in (EntryStatus.ELIGIBLE.value, EntryStatus.ADVANCED.value, EntryStatus.AWARDED.value):
        award = published_award(entry)
        if award is not None:
            if award.level is not None:
                return _("Đoạt %(level)s", level=localized(award.level, "name"))
            return _("Không đoạt giải")
    if entry.status == EntryStatus.ELIMINATED.value and (stop := stopped_in(entry)) is not None:
        return _("Dừng ở %(round)s", round=localized(stop, "name"))
    if entry.status == EntryStatus.ADVANCED.value:
        round_ = current_round(entry)
        if round_ is not None:
            return _("Đang ở %(round)s", round=localized(round_, "name"))
    return str(label(ENTRY_STATUS, entry.status))



def results_out(edition: Edition) -> bool:
    """Applicants see their results and the judges' comments once the edition has published any."""
    return bool(published_result_sets(edition))


@dataclass
class RoundReport:
    """One round of an entry's journey as its author reads it after publication."""

    round: Round
    outcome: str | None  # RoundOutcome value, None when no decision was recorded for the round
    comments: list[str]


def entry_rounds_report(entry: Entry) -> list[RoundReport]:
    """Every round the entry was scored in, first round first, with the judges' comments to the author.

    Judges stay anonymous; only comments written for the applicant appear, never private notes.
    """
    from contest.models import Assignment, AssignmentState, ScoreSheet, SheetStatus

    rows = db.session.execute(
        select(Round, ScoreSheet.comment_to_applicant)
        .join(Assignment, Assignment.round_id == Round.id)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.entry_id == entry.id,
            Assignment.state == AssignmentState.ACTIVE.value,
            ScoreSheet.status == SheetStatus.SUBMITTED.value,
        )
        .order_by(Round.position, ScoreSheet.submitted_at, ScoreSheet.id)
    ).all()
    outcomes = dict(db.session.execute(
        select(EntryRound.round_id, EntryRound.outcome).where(EntryRound.entry_id == entry.id)
    ).all())
    reports: dict[int, RoundReport] = {}
    for round_, comment in rows:
        report = reports.setdefault(round_.id, RoundReport(round_, outcomes.get(round_.id), []))
        if comment and comment.strip():
            report.comments.append(comment.strip())
    return list(reports.values())


def stopped_in(entry: Entry) -> Round | None:
    """The round an eliminated entry stopped in."""
    if entry.status != EntryStatus.ELIMINATED.value:
        return None
    return db.session.scalar(
        select(Round).join(EntryRound, EntryRound.round_id == Round.id)
        .where(EntryRound.entry_id == entry.id, EntryRound.outcome == RoundOutcome.ELIMINATED.value)
        .order_by(Round.position.desc()).limit(1)
    )

def init_app(app) -> None:  # noqa: ANN001 - a Flask app
    """Templates ask what the routes ask: the phase, whether entries may come in, what a status means."""
    app.jinja_env.globals.update(
        phase_of=edition_phase, phase_label=phase_label, accepts_entries=accepts_entries,
        entry_standing=entry_standing, results_out=results_out,
    )
