"""Applicants' requests to have their personal data erased (Vietnam's personal-data rules)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.people import User


class DeletionStatus(enum.StrEnum):
    PENDING = "pending"  # asked by the applicant, waiting for an organizer
    COMPLETED = "completed"  # the account and personal fields were anonymized
    REJECTED = "rejected"  # refused by an organizer, with a reason
    CANCELLED = "cancelled"  # withdrawn by the applicant


class DeletionRequest(Base):
    __tablename__ = "deletion_requests"
    __table_args__ = (
        CheckConstraint(check_in("status", DeletionStatus), name="status_known"),
        CheckConstraint("status <> 'rejected' OR decision_note IS NOT NULL", name="rejection_has_reason"),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DeletionStatus.PENDING.value, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
