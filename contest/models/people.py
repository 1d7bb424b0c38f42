"""People: accounts, their roles, and the profiles of applicants and judges."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, check_in, utcnow

if TYPE_CHECKING:
    from contest.models.editions import Locality


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    JUDGE = "judge"
    ORGANIZER = "organizer"
    COMMITTEE = "committee"


class ApplicantType(enum.StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    ENTERPRISE = "enterprise"
    STUDENT = "student"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased, so the unique constraint is case-insensitive
        # in the database itself, not only in Python.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    # Bumped when the password changes: every other session and remember-me
    # cookie carries the old value in its id and stops being valid.
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    applicant_profile: Mapped[ApplicantProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    judge_profile: Mapped[JudgeProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="JudgeProfile.user_id"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.value for r in self.roles}
        return any(str(role) in mine for role in roles)

    def add_role(self, role: Role) -> None:
        if not self.has_role(role):
            self.role_rows.append(UserRole(role=role.value))

    def remove_role(self, role: Role) -> None:
        self.role_rows = [row for row in self.role_rows if row.role != role.value]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(check_in("role", Role), name="role_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class ApplicantProfile(Base):
    __tablename__ = "applicant_profiles"
    __table_args__ = (
        CheckConstraint(check_in("applicant_type", ApplicantType), name="applicant_type_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    applicant_type: Mapped[str] = mapped_column(String(20), default=ApplicantType.INDIVIDUAL.value)
    organization: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(200))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))

    user: Mapped[User] = relationship(back_populates="applicant_profile")
    locality: Mapped[Locality | None] = relationship()


class JudgeProfile(Base):
    __tablename__ = "judge_profiles"
    __table_args__ = (CheckConstraint("max_load IS NULL OR max_load >= 0", name="max_load_positive"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(100))
    # Category codes of the edition's fields the judge is expert in, plus free keywords.
    expertise_categories: Mapped[list[Any]] = mapped_column(default=list)
    expertise_keywords: Mapped[str | None] = mapped_column(Text)
    max_load: Mapped[int | None]
    invited_at: Mapped[datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    profile_completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="judge_profile", foreign_keys=[user_id])

    @property
    def keywords(self) -> list[str]:
        return [k.strip() for k in (self.expertise_keywords or "").split(";") if k.strip()]


class CommitteeMembership(Base):
    """Membership of an edition's organizing committee, whose members approve awards."""

    __tablename__ = "committee_memberships"
    __table_args__ = (UniqueConstraint("edition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
