"""Where an edition stands in its year, and what its pages should say about it.

One function decides the phase (submission, judging, vote, results, finalized) from the
edition's data, so the home page, the dashboard, the applicant's pages and the round tables
agree; one tally counts entries the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.i18n import _, _l, format_datetime_local, localized
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
    RoundStatus,
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


# Entries whose published award (or lack of one) is their standing once results are out.
_AWARDABLE = (EntryStatus.ELIGIBLE.value, EntryStatus.ADVANCED.value, EntryStatus.AWARDED.value)


def entry_standing(entry: Entry) -> str:
    """The entry's status as its author and the organizers should read it now.

    "Vào vòng trong" is right only while a later round waits: once results are out the entry
    either won a level or did not, and inside the final round it is simply in that round.
    """
    award = published_award(entry) if entry.status in _AWARDABLE else None
    stopped = stopped_in(entry) if entry.status == EntryStatus.ELIMINATED.value else None
    current = current_round(entry) if entry.status == EntryStatus.ADVANCED.value and award is None else None
    return _standing_words(entry.status, award, stopped, current)


def _standing_words(status: str, award: Award | None, stopped: Round | None, current: Round | None) -> str:
    """The standing of an entry in ``status`` given its published award, the round it stopped in and the
    round it is in: one wording for the entry's own page and the organizers' tally."""
    if award is not None and status in _AWARDABLE:
        if award.level is not None:
            return _("Đoạt %(level)s", level=localized(award.level, "name"))
        return _("Không đoạt giải")
    if status == EntryStatus.ELIMINATED.value and stopped is not None:
        return _("Dừng ở %(round)s", round=localized(stopped, "name"))
    if status == EntryStatus.ADVANCED.value and current is not None:
        return _("Đang ở %(round)s", round=localized(current, "name"))
    return str(label(ENTRY_STATUS, status))


def standing_tally(edition_id: int) -> dict[str, int]:
    """How many entries stand where, in :func:`entry_standing`'s words, read in four queries per edition.

    The organizers' dashboard shows this rather than raw statuses, so that after publication it says
    who won a level and where the others stopped, as the applicants' own pages do.
    """
    entries = db.session.execute(select(Entry.id, Entry.status).where(Entry.edition_id == edition_id)).all()
    awards: dict[int, Award] = {}
    for award in db.session.scalars(
        select(Award).join(ResultSet, ResultSet.id == Award.result_set_id)
        .where(ResultSet.edition_id == edition_id, ResultSet.status.in_(PUBLIC_RESULT_STATUSES))
        .order_by(ResultSet.published_at, ResultSet.id)
        .options(selectinload(Award.computed_level), selectinload(Award.override_level))
    ):
        awards[award.entry_id] = award  # the latest published list wins, as in published_award
    rounds: dict[tuple[int, str], Round] = {}
    for entry_id, outcome, round_ in db.session.execute(
        select(EntryRound.entry_id, EntryRound.outcome, Round).join(Round, Round.id == EntryRound.round_id)
        .where(Round.edition_id == edition_id,
               EntryRound.outcome.in_([RoundOutcome.IN_ROUND.value, RoundOutcome.ELIMINATED.value]))
        .order_by(Round.position)
    ):
        rounds[(entry_id, outcome)] = round_  # the last round of each outcome, as entry_standing reads it
    tally: dict[str, int] = {}
    for entry_id, status in entries:
        words = str(_standing_words(status, awards.get(entry_id), rounds.get((entry_id, RoundOutcome.ELIMINATED.value)),
                                    rounds.get((entry_id, RoundOutcome.IN_ROUND.value))))
        tally[words] = tally.get(words, 0) + 1
    return tally


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


@dataclass(frozen=True)
class Step:
    """One thing to do next in the edition's year; ``blocking`` marks what stops the year moving on."""

    code: str
    text: str
    url: str
    blocking: bool = False


def _advancement_decided(round_: Round) -> bool:
    return db.session.scalar(
        select(func.count(EntryRound.id)).where(
            EntryRound.round_id == round_.id, EntryRound.outcome != RoundOutcome.IN_ROUND.value)
    ) > 0


def _vote_steps(edition: Edition, now: datetime) -> list[Step]:
    from flask import url_for

    steps = []
    periods = db.session.scalars(
        select(VotingPeriod).join(Round, Round.id == VotingPeriod.round_id)
        .where(Round.edition_id == edition.id, VotingPeriod.frozen_at.is_(None))
        .order_by(VotingPeriod.opens_at)
    )
    for period in periods:
        url = url_for("admin.vote_period", period_id=period.id)
        if now < period.closes_at:
            steps.append(Step("vote_open", _("Bình chọn của cộng đồng chưa kết thúc (đóng lúc %(time)s); cần đóng và "
                                             "chốt kết quả bình chọn trước khi tính giải.",
                                             time=format_datetime_local(period.closes_at)), url, blocking=True))
        else:
            steps.append(Step("vote_freeze", _("Chốt kết quả bình chọn để đưa điểm bình chọn vào bảng giải."), url))
    return steps


def _result_steps(edition: Edition, final: Round) -> list[Step]:
    from flask import url_for

    from contest.approvals import readiness

    working = db.session.scalars(
        select(ResultSet).where(
            ResultSet.round_id == final.id,
            ResultSet.status.in_([ResultStatus.COMPUTED.value, ResultStatus.FROZEN.value]),
        ).order_by(ResultSet.computed_at.desc(), ResultSet.id.desc())
    ).all()
    lists = [rs for rs in working if "rows" in (rs.payload or {})]
    if not lists:
        return [Step("compute", _("Tính kết quả và phân bổ giải cho %(round)s.", round=localized(final, "name")),
                     url_for("admin.results_workspace", round_id=final.id))]
    rs = lists[0]
    url = url_for("admin.result_set", rs_id=rs.id)
    state = readiness(rs)
    if rs.status == ResultStatus.COMPUTED.value:
        return [Step("freeze", _("Xem lại và chốt danh sách giải #%(id)d.", id=rs.id), url)]
    if state.code == "not_sent":
        return [Step("send", _("Gửi danh sách giải #%(id)d đi xin phê duyệt.", id=rs.id),
                     url_for("admin.committee_result_set", result_set_id=rs.id))]
    if state.code == "waiting":
        return [Step("approvals", _("Còn %(n)d giải chờ phê duyệt.", n=len(state.reasons)),
                     url_for("admin.committee_result_set", result_set_id=rs.id), blocking=True)]
    return [Step("publish", _("Công bố danh sách giải #%(id)d.", id=rs.id), url)]


def next_steps(edition: Edition, now: datetime | None = None) -> list[Step]:
    """What happens next in the edition's year, in order, and what stops it, each with the page that fixes it."""
    from flask import url_for

    from contest.rounds import round_warnings

    now = now or utcnow()
    phase = edition_phase(edition, now)
    if phase == PREPARING and edition.status == EditionStatus.DRAFT.value:
        return [Step("open_edition", _("Hoàn tất cấu hình và mở cuộc thi để nhận bài dự thi."),
                     url_for("admin.edition_overview", edition_id=edition.id))]
    if phase == FINALIZED:
        return []
    if phase == RESULTS:
        published = published_result_sets(edition)[0]
        return [Step("finalize", _("Hoàn tất kết quả khi hết thời hạn khiếu nại."),
                     url_for("admin.result_set", rs_id=published.id))]
    steps: list[Step] = []
    unscreened = entry_tally(edition.id).by_status.get(EntryStatus.SUBMITTED.value, 0)
    rounds = sorted(edition.rounds, key=lambda r: r.position)
    if unscreened:
        # Screening blocks the first round only: once it has opened, an entry left unscreened is simply
        # outside the judging, which the organizers should know but which stops nothing else.
        first_round_waits = not rounds or rounds[0].status == RoundStatus.DRAFT.value
        text = _("%(n)d hồ sơ đã nộp chưa được thẩm định.", n=unscreened)
        if edition.registration_open(now):
            text = _("%(n)d hồ sơ đã nộp chưa được thẩm định (vẫn đang nhận bài dự thi).", n=unscreened)
        elif not first_round_waits:
            text = _("%(n)d hồ sơ đã nộp chưa được thẩm định nên không được chấm ở vòng nào.", n=unscreened)
        steps.append(Step("screen", text, url_for("admin.entries_list", edition=edition.id, status="submitted"),
                          blocking=first_round_waits))
    for index, round_ in enumerate(rounds):
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        name = localized(round_, "name")
        if round_.status == RoundStatus.DRAFT.value:
            steps.append(Step("assign", _("Phân công giám khảo cho %(round)s và công bố phân công.", round=name),
                              url_for("admin.round_assignments", round_id=round_.id)))
            steps.append(Step("open_round", _("Mở chấm %(round)s.", round=name),
                              url_for("admin.round_progress", round_id=round_.id)))
            break
        if round_.status == RoundStatus.OPEN.value:
            steps += [Step(w.code, w.message, w.fix_url or url_for("admin.round_progress", round_id=round_.id),
                           blocking=True) for w in round_warnings(round_, now)]
            steps.append(Step("close_round", _("Khi giám khảo chấm xong, đóng %(round)s và tính kết quả.", round=name),
                              url_for("admin.round_progress", round_id=round_.id)))
            break
        if following is not None and not _advancement_decided(round_):
            steps.append(Step("advance", _("Xét các bài vào %(next)s.", next=localized(following, "name")),
                              url_for("admin.round_advance", round_id=round_.id)))
            break
        if following is None:
            steps += _vote_steps(edition, now)
            steps += _result_steps(edition, round_)
    return steps


def current_edition() -> Edition | None:
    """The edition the organizers are running: the newest open one, else the newest of all."""
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    return next((e for e in editions if e.status == EditionStatus.OPEN.value), editions[0] if editions else None)

def init_app(app) -> None:
    """Templates ask what the routes ask: the phase, whether entries may come in, what a status means."""
    app.jinja_env.globals.update(
        phase_of=edition_phase, phase_label=phase_label, accepts_entries=accepts_entries,
        entry_standing=entry_standing, results_out=results_out,
    )
