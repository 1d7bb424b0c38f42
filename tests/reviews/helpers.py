"""A full panel where one judge's sheet lies far from the others: entry A is flagged for the chair."""

from __future__ import annotations

from contest import results
from contest.models import Role
from tests.factories import make_user
from tests.results.helpers import scored_contest

# Judge 4 gave A 48 where the others gave about 78: A's plain mean is 72, B's 73.8; both reach a prize.
FULL_PANEL = {"A": dict(enumerate([78, 79, 77, 78, 48])), "B": dict(enumerate([74, 75, 73, 74, 73]))}


def flagged_result_set():
    """(result set, entries, judges, organizer) with a computed set for FULL_PANEL."""
    edition, round_, entries, judges = scored_contest(FULL_PANEL)
    organizer = make_user(Role.ORGANIZER, full_name="Ban tổ chức Lê Văn Nam")
    rs = results.compute_result_set(round_, actor=organizer)
    return rs, entries, judges, organizer
