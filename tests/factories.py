"""Factories that build the contest's objects with sensible defaults (call inside an app context)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from contest.entries import next_reference_code
from contest.extensions import db
from contest.models import (
    ApplicantProfile,
    Edition,
    EditionStatus,
    Entry,
    EntryMember,
    JudgeProfile,
    Role,
    User,
    utcnow,
)
from contest.passwords import hash_password
from contest.presets import apply_thai_nguyen_2025
from contest.search import fold

TEST_PASSWORD = "Matkhau2025an"
_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(*roles: Role | str, email: str | None = None, full_name: str | None = None,
              verified: bool = True, organization: str | None = None, **fields: Any) -> User:
    n = _next()
    user = User(
        email=(email or f"nguoi{n}@example.vn").lower(),
        full_name=full_name or f"Nguyễn Văn {n}",
        password_hash=hash_password(fields.pop("password", TEST_PASSWORD)),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    for role in roles or (Role.APPLICANT,):
        user.add_role(Role(role))
    if user.has_role(Role.APPLICANT):
        user.applicant_profile = ApplicantProfile(applicant_type="individual", organization=organization)
    if user.has_role(Role.JUDGE):
        user.judge_profile = JudgeProfile(organization=organization, expertise_categories=[], max_load=20)
    db.session.add(user)
    db.session.commit()
    return user


def make_edition(*, year: int = 2025, status: str = EditionStatus.OPEN.value, open_days: int = 30,
                 **fields: Any) -> Edition:
    now = utcnow()
    n = _next()
    edition = Edition(
        year=year,
        slug=fields.pop("slug", f"{year}-{n}"),
        name=fields.pop("name", f"Cuộc thi Đổi mới sáng tạo – Vì Thái Nguyên thân yêu {year}"),
        status=status,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=open_days),
        **fields,
    )
    apply_thai_nguyen_2025(edition)
    db.session.add(edition)
    db.session.commit()
    return edition


def make_entry(owner: User, edition: Edition, *, status: str = "draft", category_code: str | None = None,
               title: str | None = None, organization: str | None = None, **fields: Any) -> Entry:
    category = next(c for c in edition.categories if category_code in (None, c.code))
    entry = Entry(
        edition=edition,
        category=category,
        owner=owner,
        reference_code=next_reference_code(edition),
        title=title or f"Giải pháp thử nghiệm số {_next()}",
        summary=fields.pop("summary", "Tóm tắt giải pháp."),
        description=fields.pop("description", "Mô tả chi tiết giải pháp."),
        status=status,
        organization=organization,
        **fields,
    )
    if status != "draft":
        entry.submitted_at = utcnow()
    entry.members = [EntryMember(full_name=owner.full_name, role="Tác giả", organization=organization,
                                 email=owner.email, user_id=owner.id)]
    entry.search_text = fold(f"{entry.reference_code} {entry.title} {entry.summary} {organization or ''}")
    db.session.add(entry)
    db.session.commit()
    return entry


def decimal(value: float | str) -> Decimal:
    return Decimal(str(value))
