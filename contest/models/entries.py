"""Entries (công trình dự thi), their authors, files and per-round progress."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow
from contest.models.people import ApplicantType

if TYPE_CHECKING:
    from contest.models.editions import (
        AttachmentKind,
        Category,
        Edition,
        EligibilityCheck,
        Locality,
        Round,
    )
    from contest.models.people import User


class EntryStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    ADVANCED = "advanced"
    ELIMINATED = "eliminated"
    AWARDED = "awarded"
    WITHDRAWN = "withdrawn"


class RoundOutcome(enum.StrEnum):
    IN_ROUND = "in_round"
    ADVANCED = "advanced"
    ELIMINATED = "eliminated"


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("edition_id", "reference_code"),
        CheckConstraint(check_in("status", EntryStatus), name="status_known"),
        CheckConstraint(check_in("applicant_type", ApplicantType), name="applicant_type_known"),
        CheckConstraint(
            "status <> 'ineligible' OR ineligible_reason IS NOT NULL", name="ineligible_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reference_code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    applicant_type: Mapped[str] = mapped_column(String(20), default=ApplicantType.INDIVIDUAL.value)
    organization: Mapped[str | None] = mapped_column(String(300))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.DRAFT.value, index=True)
    ineligible_reason: Mapped[str | None] = mapped_column(Text)
    # Which fields the applicant agreed to show on the public ballot (title, summary, images…).
    public_consent: Mapped[bool] = mapped_column(default=False)
    # Lower-cased, diacritics-free copy of the searchable text, for "thai nguyen" → "Thái Nguyên".
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    screened_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}

    edition: Mapped[Edition] = relationship()
    category: Mapped[Category] = relationship()
    owner: Mapped[User] = relationship()
    locality: Mapped[Locality | None] = relationship()
    members: Mapped[list[EntryMember]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryMember.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="Attachment.uploaded_at"
    )
    rounds: Mapped[list[EntryRound]] = relationship(back_populates="entry", cascade="all, delete-orphan")
    conflict_declarations: Mapped[list[EntryConflictDeclaration]] = relationship(
        back_populates="entry", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == EntryStatus.DRAFT

    @property
    def authors_display(self) -> str:
        names = [m.full_name for m in self.members]
        return ", ".join(names) if names else (self.owner.full_name if self.owner else "")


class EntryMember(Base):
    """An author of the entry (tác giả / đồng tác giả)."""

    __tablename__ = "entry_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entry: Mapped[Entry] = relationship(back_populates="members")


class Attachment(Base):
    """A file in object storage (or a video link) belonging to an entry."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "(storage_key IS NOT NULL AND size > 0 AND sha256 IS NOT NULL) OR link_url IS NOT NULL",
            name="file_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("attachment_kinds.id"))
    display_filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    link_url: Mapped[str | None] = mapped_column(String(1000))
    public: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entry: Mapped[Entry] = relationship(back_populates="attachments")
    kind: Mapped[AttachmentKind] = relationship()


class EntryRound(Base):
    """An entry's place in one round: in it, advanced past it, or eliminated."""

    __tablename__ = "entry_rounds"
    __table_args__ = (
        UniqueConstraint("entry_id", "round_id"),
        CheckConstraint(check_in("outcome", RoundOutcome), name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default=RoundOutcome.IN_ROUND.value)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    entry: Mapped[Entry] = relationship(back_populates="rounds")
    round: Mapped[Round] = relationship()


class EligibilityResult(Base):
    """The secretariat's tick (or cross) on one checklist item for one entry."""

    __tablename__ = "eligibility_results"
    __table_args__ = (UniqueConstraint("entry_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    check_id: Mapped[int] = mapped_column(ForeignKey("eligibility_checks.id", ondelete="CASCADE"))
    passed: Mapped[bool]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    check: Mapped[EligibilityCheck] = relationship()


class EntryConflictDeclaration(Base):
    """An organization or person the applicant says must not judge this entry."""

    __tablename__ = "entry_conflict_declarations"
    __table_args__ = (
        CheckConstraint("organization IS NOT NULL OR person_name IS NOT NULL", name="names_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    organization: Mapped[str | None] = mapped_column(String(300))
    person_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[Entry] = relationship(back_populates="conflict_declarations")


def entry_json(entry: Entry) -> dict[str, Any]:
    """The fields an audit event records for an entry."""
    return {
        "reference_code": entry.reference_code,
        "title": entry.title,
        "status": entry.status,
        "category_id": entry.category_id,
    }
