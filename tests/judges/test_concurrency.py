"""Two organizers at the same moment, on PostgreSQL: one publication, one email per judge, no double pairs."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from contest.assignments import (
    AssignmentError,
    add_pair,
    publish_assignment,
    run_assignment,
)
from contest.extensions import db
from contest.models import Assignment, Entry, Round, User
from tests import concurrency
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL; SQLite serialises every writer")


def run_together(app, jobs):
    def send_emails(outcome):
        if hasattr(outcome, "send_emails"):
            outcome.send_emails()

    return concurrency.run_together(app, jobs, request_path="/quan-tri/", after_commit=send_emails)


def test_two_simultaneous_publications_email_each_judge_once(app, mailbox):
    edition, entries = contest_with_entries({"cntt": 6})
    panel = [judge(fields=["cntt"]) for _ in range(5)]
    round_id = first_round(edition).id
    with app.test_request_context():
        run_assignment(first_round(edition), per_entry=3)
    db.session.commit()

    def publish():
        return publish_assignment(db.session.get(Round, round_id))

    outcomes = run_together(app, [publish, publish])
    errors = [o for o in outcomes if isinstance(o, AssignmentError)]
    reports = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(reports) == 1 and len(errors) == 1, outcomes
    assert reports[0].published == 18
    assert Counter(m.recipients[0] for m in mailbox) == Counter(j.email for j in panel)
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.state == "active")) == 18


def test_two_simultaneous_runs_leave_one_proposal(app):
    edition, entries = contest_with_entries({"cntt": 5}, across_fields=True)  # judges of no field
    for _ in range(4):
        judge()
    round_id = first_round(edition).id

    def run(seed):
        return lambda: run_assignment(db.session.get(Round, round_id), per_entry=2, seed=seed).created

    outcomes = run_together(app, [run(1), run(2)])
    assert outcomes == [10, 10], outcomes
    per_entry = Counter(db.session.scalars(select(Assignment.entry_id)))
    assert sorted(per_entry.values()) == [2] * 5


def test_double_submitted_hand_addition_makes_one_pair(app):
    edition, entries = contest_with_entries({"cntt": 1}, across_fields=True)  # a judge of no field
    someone = judge()
    round_id, entry_id = first_round(edition).id, entries[0].id

    def add():
        return add_pair(db.session.get(Round, round_id), db.session.get(Entry, entry_id),
                        db.session.get(User, someone.id), reason="Bấm hai lần").id

    outcomes = run_together(app, [add, add])
    assert outcomes[0] == outcomes[1] and isinstance(outcomes[0], int), outcomes
    assert db.session.scalar(select(func.count(Assignment.id))) == 1
