"""Upgrading a database whose votes already hold several spellings of one mailbox: every row is kept, the
colliding ones wait in the review queue, and the new key refuses another spelling from then on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from contest import votes
from contest.extensions import db
from contest.models import ONCE_DAY, Vote, Voter, VotingPeriod, utcnow
from tests.conftest import _is_postgres, _private_postgres_database, make_test_app
from tests.votes.helpers import edition_with_entries, window

BEFORE = "0011_chair_review"
REVISION = "0012v_voter_identity"


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[Flask]:
    """A database of its own (it is taken down a revision and back), on the server the suite uses."""
    base = os.environ.get("TEST_DATABASE_URL")
    with ExitStack() as stack:
        if base and _is_postgres(base):
            url = stack.enter_context(_private_postgres_database(base))
        else:
            url = f"sqlite:///{tmp_path / 'upgrade.db'}"
        application = make_test_app(url, tmp_path / "instance")
        with application.app_context():
            upgrade()
            yield application
            db.session.remove()
            db.engine.dispose()


def _insert_old_votes(period_id: int, a: int, b: int) -> dict[str, int]:
    """Voters and votes as the previous revision stored them: one row per spelling, no identity."""
    voters = {}
    for email in ("nguyen.van.a@gmail.com", "nguyenvana+1@gmail.com", "nguyenvana@googlemail.com",
                  "tran.b@outlook.com"):
        voters[email] = db.session.execute(
            text("INSERT INTO voters (email, verified_at, created_at) VALUES (:e, :t, :t) RETURNING id"),
            {"e": email, "t": utcnow()},
        ).scalar_one()
    ids = {}
    for name, email, entry in (("first", "nguyen.van.a@gmail.com", a), ("tagged", "nguyenvana+1@gmail.com", a),
                               ("googlemail", "nguyenvana@googlemail.com", a),
                               ("other_entry", "nguyenvana+1@gmail.com", b), ("someone_else", "tran.b@outlook.com", a)):
        ids[name] = db.session.execute(
            text("INSERT INTO votes (period_id, voter_id, entry_id, vote_day, created_at) "
                 "VALUES (:p, :v, :e, :d, :t) RETURNING id"),
            {"p": period_id, "v": voters[email], "e": entry, "d": ONCE_DAY, "t": utcnow()},
        ).scalar_one()
    db.session.commit()
    return ids


def test_upgrade_keys_stored_votes_and_sends_colliding_ones_to_review(own_database) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period_id, a_id, b_id = votes.open_voting_period(round_, opens, closes).id, a.id, b.id
    db.session.commit()
    db.session.remove()
    downgrade(revision=BEFORE)
    assert "identity" not in {c["name"] for c in inspect(db.engine).get_columns("voters")}
    ids = _insert_old_votes(period_id, a_id, b_id)

    upgrade(revision=REVISION)

    period = db.session.get(VotingPeriod, period_id)
    stored = {v.id: v for v in db.session.scalars(db.select(Vote))}
    assert sorted(stored) == sorted(ids.values())  # nothing deleted
    assert all(v.voided_at is None for v in stored.values())  # nothing decided for the organizers
    assert stored[ids["first"]].voter_key == "nguyenvana@gmail.com"
    assert stored[ids["tagged"]].voter_key is None and stored[ids["googlemail"]].voter_key is None
    assert stored[ids["other_entry"]].voter_key == "nguyenvana@gmail.com"
    assert stored[ids["someone_else"]].voter_key == "tran.b@outlook.com"
    assert set(db.session.scalars(db.select(Voter.identity))) == {"nguyenvana@gmail.com", "tran.b@outlook.com"}
    findings = [f for f in votes.suspicious_patterns(period) if f.kind == "same_mailbox"]
    assert [f.vote_ids for f in findings] == [[ids["first"], ids["tagged"], ids["googlemail"]]]

    # From now on the key refuses another spelling of the mailbox.
    dotted = Voter(email="n.guyenvana@gmail.com", verified_at=utcnow())
    db.session.add(dotted)
    db.session.flush()
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, dotted, a_id)
    assert err.value.code == "duplicate"
    db.session.rollback()

    # And the way back keeps every vote under the old key.
    db.session.remove()
    downgrade(revision=BEFORE)
    assert db.session.execute(text("SELECT count(*) FROM votes")).scalar_one() == 5
    db.session.remove()
    upgrade()
