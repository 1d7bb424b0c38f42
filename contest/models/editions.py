"""An edition of the contest and everything that configures it.

An edition (one year's contest) owns its fields (lĩnh vực), rounds with their
criteria, the attachment kinds applicants provide, the eligibility checklist,
and the award structure.  Phases are data: each round carries its own windows
and policy, so no code needs to know what "sơ khảo" means.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow


class EditionStatus(enum.StrEnum):
    DRAFT = "draft"  # being configured, invisible to applicants
    OPEN = "open"  # visible; registration follows its own window
    CLOSED = "closed"  # judging finished, results published
    ARCHIVED = "archived"


class RoundMode(enum.StrEnum):
    ASSIGNED = "assigned"  # k judges per entry chosen by the assignment engine
    FULL_PANEL = "full_panel"  # every unconflicted judge scores every entry


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # judges may score within the window
    CLOSED = "closed"


class AdvancementRule(enum.StrEnum):
    TOP_N = "top_n"  # the best N per category
    THRESHOLD = "threshold"  # everyone at or above a score
    MANUAL = "manual"  # organizers choose, each with a reason


class AwardScope(enum.StrEnum):
    PER_CATEGORY = "per_category"
    OVERALL = "overall"


class Locality(Base):
    """A commune or ward (or any administrative unit) kept as data: maps change."""

    __tablename__ = "localities"
    __table_args__ = (UniqueConstraint("province", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50), default="xã")
    province: Mapped[str] = mapped_column(String(100), default="Thái Nguyên")
    active: Mapped[bool] = mapped_column(default=True)


class Edition(Base):
    __tablename__ = "editions"
    __table_args__ = (
        CheckConstraint(check_in("status", EditionStatus), name="status_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_sane"),
        CheckConstraint("expert_points > 0", name="expert_points_positive"),
        CheckConstraint("vote_points >= 0", name="vote_points_not_negative"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_ordered",
        ),
        CheckConstraint(
            "vote_closes_at IS NULL OR vote_opens_at IS NULL OR vote_closes_at > vote_opens_at",
            name="vote_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=EditionStatus.DRAFT.value)
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Ho_Chi_Minh")
    blind_judging: Mapped[bool] = mapped_column(default=False)
    # Off: an assigned round keeps every entry's judges within its field (a sub-panel per field, each
    # its own calibration component).  On: assignment adds judges across fields so scores are comparable
    # between fields, which awards or advancement across fields need.
    compare_across_fields: Mapped[bool] = mapped_column(default=False)
    code_prefix: Mapped[str] = mapped_column(String(10), default="TN")
    next_entry_number: Mapped[int] = mapped_column(default=1)
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    # The planned public vote window (the votes area opens a VotingPeriod within it).
    vote_opens_at: Mapped[datetime | None]
    vote_closes_at: Mapped[datetime | None]
    results_announced_at: Mapped[datetime | None]
    complaint_ends_at: Mapped[datetime | None]
    # Who may enter: a subset of ApplicantType values.
    allowed_applicant_types: Mapped[list[Any]] = mapped_column(
        default=lambda: ["individual", "group", "enterprise", "student"]
    )
    # Values a preset filled that the contest's published rules do not state: keys from
    # contest.presets.value_key, listed on the checklist until the organizer confirms or changes each.
    values_to_confirm: Mapped[list[Any]] = mapped_column(default=list)
    max_group_size: Mapped[int | None] = mapped_column(default=5)
    max_entries_per_person: Mapped[int | None]
    max_entry_bytes: Mapped[int] = mapped_column(default=200 * 1024 * 1024)
    # Scoring composition: the expert part and the public-vote part (0 = none).
    expert_points: Mapped[int] = mapped_column(default=100)
    vote_points: Mapped[int] = mapped_column(default=0)
    decision_reference: Mapped[str | None] = mapped_column(String(200))
    rules_document_key: Mapped[str | None] = mapped_column(String(200))
    rules_document_name: Mapped[str | None] = mapped_column(String(255))
    cloned_from_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="Category.position"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="Round.position"
    )
    attachment_kinds: Mapped[list[AttachmentKind]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="AttachmentKind.position"
    )
    eligibility_checks: Mapped[list[EligibilityCheck]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="EligibilityCheck.position"
    )
    award_levels: Mapped[list[AwardLevel]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="AwardLevel.position"
    )

    @property
    def total_points(self) -> int:
        return self.expert_points + self.vote_points

    @property
    def has_public_vote(self) -> bool:
        return self.vote_points > 0

    def registration_open(self, now: datetime) -> bool:
        if self.status != EditionStatus.OPEN:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return not (self.registration_closes_at and now >= self.registration_closes_at)


class Category(Base):
    """A field (lĩnh vực), judged by its own sub-panel (tiểu ban)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    sub_panel: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="categories")


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("edition_id", "position"),
        CheckConstraint(check_in("mode", RoundMode), name="mode_known"),
        CheckConstraint(check_in("status", RoundStatus), name="status_known"),
        CheckConstraint(check_in("advancement_rule", AdvancementRule), name="advancement_known"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry_positive"),
        CheckConstraint("scale > 0", name="scale_positive"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_ordered"),
        CheckConstraint(
            "disagreement_threshold >= 0 AND disagreement_threshold <= 1", name="disagreement_fraction"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20), default=RoundMode.ASSIGNED.value)
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.DRAFT.value)
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    scoring_deadline: Mapped[datetime | None]
    # When and where the entries' authors present before the panel (the final round's pitch session);
    # applicants in the round are told whenever the organizer sets or changes it.
    presentation_at: Mapped[datetime | None]
    presentation_place: Mapped[str | None] = mapped_column(String(300))
    # The points the expert part of this round is out of (80 in the 2025 rules).
    scale: Mapped[int] = mapped_column(default=100)
    advancement_rule: Mapped[str] = mapped_column(String(20), default=AdvancementRule.TOP_N.value)
    advance_top_n: Mapped[int | None]
    min_total_to_advance: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    zero_eliminates: Mapped[bool] = mapped_column(default=False)
    # Two sheets of one entry further apart than this fraction of the scale are flagged.
    disagreement_threshold: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.100"))
    normalization_method: Mapped[str] = mapped_column(String(20), default="calibrated")
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The latest automatic assignment's settings and figures (LP bound, gap, …); the audit keeps every run.
    assignment_settings: Mapped[dict[str, Any] | None]
    assignment_summary: Mapped[dict[str, Any] | None]

    edition: Mapped[Edition] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Criterion.position"
    )

    @property
    def is_final(self) -> bool:
        return self.mode == RoundMode.FULL_PANEL

    @property
    def is_last(self) -> bool:
        """No later round follows in the edition: only the last round gives prizes; earlier ones rank entries for
        advancement."""
        return not any(other.position > self.position for other in self.edition.rounds)

    def scoring_open(self, now: datetime) -> bool:
        if self.status != RoundStatus.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        deadline = self.scoring_deadline or self.closes_at
        return not (deadline and now >= deadline)


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "key"),
        CheckConstraint("max_score > min_score", name="range_ordered"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("step IS NULL OR step > 0", name="step_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    guidance: Mapped[str | None] = mapped_column(Text)
    guidance_en: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal("1"))
    min_score: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("0"))
    max_score: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("10"))
    step: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), default=Decimal("0.5"))

    round: Mapped[Round] = relationship(back_populates="criteria")


class AttachmentKind(Base):
    __tablename__ = "attachment_kinds"
    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        CheckConstraint("max_size_bytes > 0", name="max_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=False)
    allows_link: Mapped[bool] = mapped_column(default=False)
    multiple: Mapped[bool] = mapped_column(default=False)
    max_size_bytes: Mapped[int] = mapped_column(default=50 * 1024 * 1024)
    # Content types accepted for this kind (sniffed from the bytes, not the name).
    allowed_types: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="attachment_kinds")


class EligibilityCheck(Base):
    """One item of the checklist the secretariat ticks for each entry."""

    __tablename__ = "eligibility_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(500))
    label_en: Mapped[str | None] = mapped_column(String(500))
    failure_reason: Mapped[str] = mapped_column(String(500))
    failure_reason_en: Mapped[str | None] = mapped_column(String(500))

    edition: Mapped[Edition] = relationship(back_populates="eligibility_checks")


class AwardLevel(Base):
    """A prize level with its maximum count: quotas are maxima, never targets."""

    __tablename__ = "award_levels"
    __table_args__ = (
        UniqueConstraint("edition_id", "position"),
        CheckConstraint(check_in("scope", AwardScope), name="scope_known"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1 is the highest prize
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(20), default=AwardScope.PER_CATEGORY.value)
    quota: Mapped[int]
    min_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    prize_amount: Mapped[int | None]  # đồng

    edition: Mapped[Edition] = relationship(back_populates="award_levels")
