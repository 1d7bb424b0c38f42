"""Builders for the vote tests: an edition with a round, entries on a ballot, an open period."""

from __future__ import annotations

from datetime import timedelta

from contest.extensions import db
from contest.models import EntryRound, Role, utcnow
from tests.factories import make_edition, make_entry, make_user


def edition_with_entries(n: int = 3, **edition_fields):
    edition = make_edition(**edition_fields)
    owner = make_user(Role.APPLICANT)
    round_ = edition.rounds[0]
    entries = []
    for i in range(n):
        entry = make_entry(owner, edition, status="eligible", title=f"Máy sấy nông sản {i + 1}",
                           public_consent=True)
        db.session.add(EntryRound(entry=entry, round=round_))
        entries.append(entry)
    db.session.commit()
    return edition, round_, entries


def window(hours_before: int = 1, hours_after: int = 24):
    now = utcnow()
    return now - timedelta(hours=hours_before), now + timedelta(hours=hours_after)
