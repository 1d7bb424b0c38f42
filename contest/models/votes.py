"""The public vote (điểm bình chọn): periods, ballots, verified voters and votes.

Uniqueness of a vote is a database constraint on (period, mailbox, entry, day), the mailbox being
the voter's canonical identity (contest/voter_identity.py): two tabs, a double click or two spellings
of one Gmail address can race, and the database decides, not Python.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow
from contest.voter_identity import canonical_identity

if TYPE_CHECKING:
    from contest.models.editions import Round
    from contest.models.entries import Entry


class VoteFrequency(enum.StrEnum):
    ONCE = "once"  # one vote per entry for the whole period
    DAILY = "daily"  # one vote per entry per local day


# In "once" mode every vote carries this day, so the unique key still applies.
ONCE_DAY = date(2000, 1, 1)


class VotingPeriod(Base):
    __tablename__ = "voting_periods"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
        CheckConstraint(check_in("frequency", VoteFrequency), name="frequency_known"),
        CheckConstraint("max_entries_per_voter IS NULL OR max_entries_per_voter > 0", name="max_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    frequency: Mapped[str] = mapped_column(String(10), default=VoteFrequency.ONCE.value)
    max_entries_per_voter: Mapped[int | None]
    show_counts_live: Mapped[bool] = mapped_column(default=False)
    frozen_at: Mapped[datetime | None]
    tally: Mapped[dict[str, Any] | None]
    tally_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship()
    ballot: Mapped[list[BallotEntry]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="BallotEntry.position"
    )

    def is_open(self, now: datetime) -> bool:
        return self.frozen_at is None and self.opens_at <= now < self.closes_at


class BallotEntry(Base):
    """One entry on a period's ballot.  A line taken off (the entry screened out, or removed by an
    organizer once it had votes) stays with its reason: its votes are kept, voided from the tally."""

    __tablename__ = "ballot_entries"
    __table_args__ = (
        UniqueConstraint("period_id", "entry_id"),
        CheckConstraint("taken_off_at IS NULL OR taken_off_reason IS NOT NULL", name="taken_off_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("voting_periods.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    # Which of the entry's consented fields show publicly, e.g. ["title", "summary", "images"].
    public_fields: Mapped[list[Any]] = mapped_column(default=lambda: ["title", "summary"])
    taken_off_at: Mapped[datetime | None]
    taken_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_off_reason: Mapped[str | None] = mapped_column(Text)

    period: Mapped[VotingPeriod] = relationship(back_populates="ballot")
    entry: Mapped[Entry] = relationship()

    @property
    def on_ballot(self) -> bool:
        return self.taken_off_at is None


class Voter(Base):
    """A member of the public who proved an email address; no other personal data."""

    __tablename__ = "voters"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # as typed (lower-cased): where mail goes
    # The mailbox the address reaches (contest/voter_identity.py); spellings of one mailbox share it.
    identity: Mapped[str] = mapped_column(
        String(320), index=True, default=lambda context: canonical_identity(context.get_current_parameters()["email"])
    )
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_ip: Mapped[str | None] = mapped_column(String(45))


class VoterCode(Base):
    """A one-time code sent to a voter's address; only its hash is stored."""

    __tablename__ = "voter_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("period_id", "voter_key", "entry_id", "vote_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("voting_periods.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id"), index=True)
    # The voter's identity when the vote was cast: what the unique key compares.  None only for a vote
    # cast before identities existed by a second spelling of a mailbox that had already voted for the
    # entry that day; it is kept and shown in the review queue (votes.suspicious_patterns).
    voter_key: Mapped[str | None] = mapped_column(String(320))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), index=True)
    vote_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    network: Mapped[str | None] = mapped_column(String(50))  # /24 or /48 block, for abuse review
    device_hash: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    voter: Mapped[Voter] = relationship()
    entry: Mapped[Entry] = relationship()


class UsedChallenge(Base):
    """A solved proof-of-work challenge: each one unlocks a single action, so its id is kept until it expires."""

    __tablename__ = "used_challenges"

    challenge_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
