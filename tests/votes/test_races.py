"""Double votes racing in two threads: the database decides, exactly one is counted (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from contest import votes
from contest.extensions import db
from contest.models import Vote, Voter, VotingPeriod, utcnow
from tests.concurrency import run_together
from tests.votes.helpers import edition_with_entries, window


@pytest.fixture(autouse=True)
def _postgres_only(app) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every write, so no two votes can race; "
                    "run with TEST_DATABASE_URL on PostgreSQL")


def _race(app, period_id: int, voter_id: int, entry_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(entry_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(entry_id: int) -> None:
        with app.app_context():  # each thread has its own app context and database session
            period = db.session.get(VotingPeriod, period_id)
            voter = db.session.get(Voter, voter_id)
            barrier.wait(timeout=10)
            try:
                votes.cast_vote(period, voter, entry_id, ip="203.0.113.9")
                db.session.commit()
                result = "counted"
            except votes.VoteError as exc:
                db.session.rollback()
                result = exc.code
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(e,)) for e in entry_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


def _setup(max_entries: int | None = None):
    edition, round_, entries = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes, max_entries_per_voter=max_entries)
    voter = Voter(email="hai.tab@gmail.com", verified_at=utcnow())
    db.session.add(voter)
    db.session.commit()
    return period, voter, entries


@pytest.mark.parametrize("attempt", range(5))
def test_double_click_in_two_threads_counts_exactly_once(app, attempt: int) -> None:
    period, voter, (a, _b) = _setup()
    outcomes = _race(app, period.id, voter.id, [a.id, a.id])
    assert outcomes == ["counted", "duplicate"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Vote.id))) == 1
    assert votes.live_counts(db.session.get(VotingPeriod, period.id))[a.id] == 1


def test_two_tabs_cannot_pass_the_entry_limit_together(app) -> None:
    period, voter, (a, b) = _setup(max_entries=1)
    outcomes = _race(app, period.id, voter.id, [a.id, b.id])
    assert outcomes == ["counted", "max_entries"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Vote.id))) == 1


@pytest.mark.parametrize("attempt", range(5))
def test_two_spellings_of_one_gmail_mailbox_voting_at_the_same_moment_count_once(app, attempt: int) -> None:
    edition, round_, (a, _b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    # Two rows of one mailbox: what two spellings asking for a code at the same moment leave behind.
    dotted = Voter(email="nguyen.van.a@gmail.com", verified_at=utcnow())
    tagged = Voter(email="nguyenvana+1@googlemail.com", verified_at=utcnow())
    db.session.add_all([dotted, tagged])
    db.session.commit()
    period_id, entry_id = period.id, a.id

    def vote_as(voter_id: int):
        return lambda: votes.cast_vote(db.session.get(VotingPeriod, period_id), db.session.get(Voter, voter_id),
                                       entry_id, ip="203.0.113.9")

    outcomes = run_together(app, [vote_as(dotted.id), vote_as(tagged.id)])
    assert sorted("counted" if isinstance(o, Vote) else o.code for o in outcomes) == ["counted", "duplicate"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Vote.id))) == 1
    assert votes.live_counts(db.session.get(VotingPeriod, period_id))[entry_id] == 1

