"""The organizations the organizers keep, every name each is known by, judges' affiliations and the
organizers' word on two names that look alike.

Conflicts of interest compare organizations, not typed text: each typed name (an entry's organization, an
author's, a judge's) is looked up among ``OrganizationName`` rows, whose ``key`` is the name normalized by
:func:`contest.organizations.organization_key`, and a merged organization answers for the one it was merged into.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow


class OrganizationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # kept by the organizers: offered to applicants and judges
    PROPOSED = "proposed"  # typed by an applicant or a judge, waiting for an organizer
    MERGED = "merged"  # an organizer folded it into ``merged_into``; its names now belong there


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(check_in("status", OrganizationStatus), name="status_known"),
        CheckConstraint("status <> 'merged' OR merged_into_id IS NOT NULL", name="merged_names_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=OrganizationStatus.PROPOSED.value, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    names: Mapped[list[OrganizationName]] = relationship(
        back_populates="organization", order_by="OrganizationName.id"
    )
    merged_into: Mapped[Organization | None] = relationship(remote_side=[id])

    @property
    def aliases(self) -> list[str]:
        """Every other name the organization is known by (variants merged in, short names)."""
        return [n.name for n in self.names if n.name != self.name]

    @property
    def is_proposed(self) -> bool:
        return self.status == OrganizationStatus.PROPOSED.value


class OrganizationName(Base):
    """One spelling of an organization; its normalized ``key`` belongs to one organization only."""

    __tablename__ = "organization_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="names")


class AffiliationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # recorded or approved by an organizer
    PENDING = "pending"  # the judge's own edit, waiting for an organizer: already counts for conflicts
    REJECTED = "rejected"  # an organizer found it wrong: counts no more


class JudgeAffiliation(Base):
    """One organization a judge belongs or belonged to, and who said so.

    The history is never rewritten: confirming a new organization ends the previous one (``ended_at``), which
    still counts for conflicts in every edition whose window it overlaps.
    """

    __tablename__ = "judge_affiliations"
    __table_args__ = (CheckConstraint(check_in("status", AffiliationStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    typed_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=AffiliationStatus.PENDING.value)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    organization: Mapped[Organization | None] = relationship()


class NearMatchVerdict(enum.StrEnum):
    CONFLICT = "conflict"  # the two names are one organization (or close enough) for conflicts of interest
    DISTINCT = "distinct"  # two different organizations: no conflict from this pair


class NearMatchDecision(Base):
    """An organizer's word on two organization names that look alike (keys in sorted order)."""

    __tablename__ = "near_match_decisions"
    __table_args__ = (
        UniqueConstraint("first_key", "second_key"),
        CheckConstraint(check_in("verdict", NearMatchVerdict), name="verdict_known"),
        CheckConstraint("first_key < second_key", name="keys_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_key: Mapped[str] = mapped_column(String(300))
    second_key: Mapped[str] = mapped_column(String(300))
    first_name: Mapped[str] = mapped_column(String(300))
    second_name: Mapped[str] = mapped_column(String(300))
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
