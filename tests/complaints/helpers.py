"""A published result set with its complaint period still open, for the complaint tests."""

from __future__ import annotations

from decimal import Decimal

from contest import results
from contest.extensions import db
from contest.models import Role
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, later, scored_contest
from tests.results.test_compute import LENIENT


def published_contest(days_left: int = 7):
    """(result set, entries by label, organizer): published with ``days_left`` days to complain."""
    edition, round_, entries, _ = scored_contest(LENIENT)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    db.session.commit()
    organizer = make_user(Role.ORGANIZER, email="btc.khieunai@example.vn")
    members = committee(edition, 3)
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    db.session.commit()
    approve_all(rs, members)
    results.publish_results(rs, later(days_left), actor=organizer)
    db.session.commit()
    return rs, entries, organizer
