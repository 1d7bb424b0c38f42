"""Builders for judges' tests: a round with eligible entries and a pool of judges."""

from __future__ import annotations

from contest.extensions import db
from contest.models import Edition, Entry, Role, Round, User
from tests.factories import make_edition, make_entry, make_user


def judge(*, organization: str | None = None, fields: list[str] | None = None, keywords: str | None = None,
          max_load: int | None = 20, email: str | None = None, full_name: str | None = None) -> User:
    user = make_user(Role.JUDGE, organization=organization, email=email, full_name=full_name)
    user.judge_profile.expertise_categories = list(fields or [])
    user.judge_profile.expertise_keywords = keywords
    user.judge_profile.max_load = max_load
    db.session.commit()
    return user


def contest_with_entries(per_category: dict[str, int], *, organization: str | None = None,
                         across_fields: bool = False) -> tuple[Edition, list[Entry]]:
    """Eligible entries per field; ``across_fields`` lets any judge take any entry (no sub-panels per field)."""
    edition = make_edition()
    edition.compare_across_fields = across_fields
    owner = make_user(Role.APPLICANT)
    entries = []
    for code, n in per_category.items():
        for _ in range(n):
            entries.append(make_entry(owner, edition, status="eligible", category_code=code, organization=organization))
    return edition, entries


def first_round(edition: Edition) -> Round:
    return min(edition.rounds, key=lambda r: r.position)


def final_round(edition: Edition) -> Round:
    return max(edition.rounds, key=lambda r: r.position)
