"""The award decision (quyết định khen thưởng) that a finalized result set leads to: its number and date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base


class AwardDecision(Base):
    """Filled in by the organizers once the decision is signed; blank while it is a draft."""

    __tablename__ = "award_decisions"

    result_set_id: Mapped[int] = mapped_column(ForeignKey("result_sets.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(100))  # "45/QĐ-SKHCN"
    signed_on: Mapped[date | None]
