"""Judges' work: conflicts of interest, assignments, score sheets and reminders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.editions import Criterion, Round
    from contest.models.entries import Entry
    from contest.models.people import User


class ConflictSource(enum.StrEnum):
    JUDGE = "judge"  # declared by the judge
    APPLICANT = "applicant"  # named by the applicant
    ORGANIZER = "organizer"  # added by an organizer
    AUTOMATIC = "automatic"  # organization match found by the platform


class AssignmentState(enum.StrEnum):
    PROPOSED = "proposed"  # computed, not yet published to the judge
    ACTIVE = "active"  # published: the judge sees the entry
    RECUSED = "recused"  # the judge declared a conflict
    CANCELLED = "cancelled"  # removed by an organizer


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ConflictOfInterest(Base):
    """A hard rule: the judge is never assigned to, and never sees, the entry."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (
        CheckConstraint("entry_id IS NOT NULL OR organization IS NOT NULL", name="targets_something"),
        CheckConstraint(check_in("source", ConflictSource), name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    organization: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    entry: Mapped[Entry | None] = relationship()


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_id", "entry_id"),
        CheckConstraint(check_in("state", AssignmentState), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=AssignmentState.PROPOSED.value)
    affinity: Mapped[float | None] = mapped_column(Float)
    manual: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship()
    entry: Mapped[Entry] = relationship()
    sheet: Mapped[ScoreSheet | None] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.state == AssignmentState.ACTIVE


class ScoreSheet(Base):
    """One judge's scores for one entry in one round, versioned against lost updates."""

    __tablename__ = "score_sheets"
    __table_args__ = (
        CheckConstraint(check_in("status", SheetStatus), name="status_known"),
        CheckConstraint("status <> 'submitted' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20), default=SheetStatus.DRAFT.value)
    # Incremented on every save; a save naming an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    comment_to_applicant: Mapped[str | None] = mapped_column(Text)
    private_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")
    scores: Mapped[list[CriterionScore]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", lazy="selectin"
    )

    def score_for(self, criterion_id: int) -> CriterionScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class CriterionScore(Base):
    __tablename__ = "criterion_scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    comment: Mapped[str | None] = mapped_column(Text)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ReminderLog(Base):
    """What reminder went to whom, so the scheduled command never sends one twice."""

    __tablename__ = "reminder_logs"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(20))  # e.g. the local date, for once-a-day reminders
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
