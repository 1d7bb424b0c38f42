"""Complaints (khiếu nại) about a published result, filed by an entry's author during the complaint period."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.entries import Entry
    from contest.models.people import User
    from contest.models.results import ResultSet


class ComplaintStatus(enum.StrEnum):
    NEW = "new"  # filed, nobody has looked at it yet
    REVIEWING = "reviewing"  # an organizer is examining it
    UPHELD = "upheld"  # founded: the result is corrected
    REJECTED = "rejected"  # unfounded, with the reasons


OPEN_COMPLAINT_STATUSES = (ComplaintStatus.NEW.value, ComplaintStatus.REVIEWING.value)
_OPEN_SQL = "status IN ('new', 'reviewing')"


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(check_in("status", ComplaintStatus), name="status_known"),
        # One open complaint per entry at a time, even when two requests race.
        Index("uq_complaints_open_entry", "entry_id", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_set_id: Mapped[int] = mapped_column(ForeignKey("result_sets.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    file_key: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ComplaintStatus.NEW.value)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_started_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("result_sets.id", ondelete="SET NULL"))

    result_set: Mapped[ResultSet] = relationship(foreign_keys=[result_set_id])
    correction: Mapped[ResultSet | None] = relationship(foreign_keys=[correction_id])
    entry: Mapped[Entry] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES
