"""Editions in known states for the tests of setup, validation and reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contest.editions import apply_preset, create_edition
from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    Award,
    BallotEntry,
    CriterionScore,
    Edition,
    EligibilityResult,
    Entry,
    EntryRound,
    ResultSet,
    ScoreSheet,
    SheetStatus,
    User,
    Vote,
    Voter,
    VotingPeriod,
)

# 2025 in Asia/Ho_Chi_Minh, kept in UTC: registration March–June, rounds in July and August.
T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def ready_edition(year: int = 2025, name: str = "Cuộc thi Đổi mới sáng tạo 2025") -> Edition:
    """A draft edition with the 2025 preset and a complete, consistent timeline: it validates cleanly."""
    edition = create_edition(year, name)
    apply_preset(edition, "thai_nguyen_2025")
    edition.registration_opens_at = at(0)
    edition.registration_closes_at = at(90)
    first, final = edition.rounds
    first.opens_at, first.closes_at, first.scoring_deadline = at(95), at(120), at(118)
    final.opens_at, final.closes_at = at(130), at(131)
    edition.vote_opens_at, edition.vote_closes_at = at(100), at(125)
    edition.results_announced_at = at(140)
    edition.complaint_ends_at = at(150)
    # The organizer has checked the preset's suggested values against the unit's decision.
    edition.values_to_confirm = []
    db.session.flush()
    return edition


def add_judging_work(edition: Edition, entry: Entry, judge: User, voter_email: str = "dan@example.vn") -> dict:
    """Everything judges, organizers and voters leave on an entry: the rows a clone must not copy."""
    round_ = edition.rounds[0]
    assignment = Assignment(round_id=round_.id, judge_id=judge.id, entry_id=entry.id,
                            state=AssignmentState.ACTIVE.value)
    db.session.add(assignment)
    db.session.flush()
    sheet = ScoreSheet(assignment_id=assignment.id, status=SheetStatus.SUBMITTED.value, submitted_at=at(100))
    sheet.scores = [CriterionScore(criterion_id=c.id, value=Decimal("10")) for c in round_.criteria]
    db.session.add(sheet)
    db.session.add(EntryRound(entry_id=entry.id, round_id=round_.id))
    db.session.add(EligibilityResult(entry_id=entry.id, check_id=edition.eligibility_checks[0].id, passed=True))
    result = ResultSet(edition_id=edition.id, round_id=round_.id, method="raw", engine_version="1",
                       payload={"ranking": []})
    result.awards = [Award(entry_id=entry.id, rank=1, total_score=Decimal("30"),
                           computed_level_id=edition.award_levels[0].id)]
    db.session.add(result)
    period = VotingPeriod(round_id=round_.id, opens_at=at(100), closes_at=at(125))
    period.ballot = [BallotEntry(entry_id=entry.id)]
    db.session.add(period)
    voter = Voter(email=voter_email, verified_at=at(100))
    db.session.add(voter)
    db.session.flush()
    db.session.add(Vote(period_id=period.id, voter_id=voter.id, entry_id=entry.id, vote_day=at(101).date(),
                        created_at=at(101)))
    db.session.flush()
    return {"assignment": assignment, "sheet": sheet, "result": result, "period": period}
