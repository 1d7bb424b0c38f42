"""Certificates of award with a public verification code, and how an edition's certificates are signed."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, utcnow

if TYPE_CHECKING:
    from contest.models.editions import Edition
    from contest.models.entries import Entry
    from contest.models.results import Award


class Certificate(Base):
    """One winner's certificate; ``code`` is printed on it (with a QR code) and checked at /xac-minh/<code>."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    level_name: Mapped[str] = mapped_column(String(200))  # the award as printed, kept after a correction
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    award: Mapped[Award] = relationship()
    entry: Mapped[Entry] = relationship()

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


class CertificateSettings(Base):
    """Where and by whom an edition's certificates are signed, as the organizers set it."""

    __tablename__ = "certificate_settings"

    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True)
    place: Mapped[str] = mapped_column(String(100), default="Thái Nguyên")
    signed_on: Mapped[date | None]
    signer_title: Mapped[str | None] = mapped_column(String(200))
    signer_name: Mapped[str | None] = mapped_column(String(200))

    edition: Mapped[Edition] = relationship()
