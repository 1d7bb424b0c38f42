"""The applicant's choice, made at submission, whether a winning entry may appear in the showcase (kỷ yếu)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base, utcnow


class ShowcaseConsent(Base):
    __tablename__ = "showcase_consents"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    consent: Mapped[bool] = mapped_column(default=False)
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)
