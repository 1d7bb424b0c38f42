"""Result sets (a frozen, reproducible computation), awards and their approval."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.editions import AwardLevel, Category, Edition, Round
    from contest.models.entries import Entry
    from contest.models.people import User


class ResultStatus(enum.StrEnum):
    COMPUTED = "computed"  # a working computation, may be recomputed
    FROZEN = "frozen"  # inputs hashed and fixed; goes to the committee
    PUBLISHED = "published"  # public; complaints may be lodged
    FINALIZED = "finalized"  # immutable
    SUPERSEDED = "superseded"  # replaced by a correcting result set


class ApprovalState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


PUBLIC_STATUS_SQL = "status IN ('published', 'finalized')"


class ResultSet(Base):
    """One computation of a round's (or a field's) ranking and awards, on its way from draft to public record.

    Status changes are compare-and-swap: ``version`` is the mapper's version column, so an UPDATE that finds the
    row changed since it was read (another organizer published it a moment earlier) matches nothing and fails
    instead of overwriting. The partial unique index lets at most one set per scope (edition, round, field) be
    public, whatever two requests do at the same moment.
    """

    __tablename__ = "result_sets"
    __table_args__ = (
        CheckConstraint(check_in("status", ResultStatus), name="status_known"),
        CheckConstraint("status = 'computed' OR input_hash IS NOT NULL", name="frozen_has_hash"),
        Index(
            "uq_result_sets_one_public_per_scope", "edition_id", func.coalesce(text("round_id"), 0),
            func.coalesce(text("category_id"), 0), unique=True,
            sqlite_where=text(PUBLIC_STATUS_SQL), postgresql_where=text(PUBLIC_STATUS_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    method: Mapped[str] = mapped_column(String(20))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    engine_version: Mapped[str] = mapped_column(String(20))
    input_hash: Mapped[str | None] = mapped_column(String(64))
    # The engine's full output (ranking, judge report, flags), kept for explanation.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=ResultStatus.COMPUTED.value)
    list_non_winners: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    frozen_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    complaint_ends_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("result_sets.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    # When the award list was last sent to the committee (None: never sent); the audit keeps each sending.
    sent_for_approval_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    edition: Mapped[Edition] = relationship()
    round: Mapped[Round | None] = relationship()
    category: Mapped[Category | None] = relationship()
    awards: Mapped[list[Award]] = relationship(
        back_populates="result_set", cascade="all, delete-orphan", order_by="Award.rank"
    )

    @property
    def is_mutable(self) -> bool:
        return self.status == ResultStatus.COMPUTED


class Award(Base):
    """One entry's line in a result set, with its prize level if any."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("result_set_id", "entry_id"),
        CheckConstraint(check_in("approval_state", ApprovalState), name="approval_known"),
        CheckConstraint(
            "override_level_id IS NULL OR override_reason IS NOT NULL", name="override_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_set_id: Mapped[int] = mapped_column(ForeignKey("result_sets.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    rank: Mapped[int]
    expert_score: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    expert_stderr: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    vote_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    total_score: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    computed_level_id: Mapped[int | None] = mapped_column(ForeignKey("award_levels.id"))
    override_level_id: Mapped[int | None] = mapped_column(ForeignKey("award_levels.id"))
    overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flags: Mapped[list[Any]] = mapped_column(default=list)
    # Bumped when the award is replaced, so only decisions on the current revision count.
    revision: Mapped[int] = mapped_column(default=1)
    approval_state: Mapped[str] = mapped_column(String(20), default=ApprovalState.PENDING.value)

    result_set: Mapped[ResultSet] = relationship(back_populates="awards")
    entry: Mapped[Entry] = relationship()
    computed_level: Mapped[AwardLevel | None] = relationship(foreign_keys=[computed_level_id])
    override_level: Mapped[AwardLevel | None] = relationship(foreign_keys=[override_level_id])
    approvals: Mapped[list[AwardApproval]] = relationship(
        back_populates="award", cascade="all, delete-orphan"
    )

    @property
    def level(self) -> AwardLevel | None:
        return self.override_level if self.overridden else self.computed_level


class AwardApproval(Base):
    """A committee member's decision on one revision of one award."""

    __tablename__ = "award_approvals"
    __table_args__ = (
        UniqueConstraint("award_id", "member_id", "revision"),
        CheckConstraint("decision IN ('approve', 'reject')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revision: Mapped[int]
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    award: Mapped[Award] = relationship(back_populates="approvals")
    member: Mapped[User] = relationship()
