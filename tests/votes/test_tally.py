"""Voiding votes, freezing the tally with its hash, and the review queue's patterns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest import votes
from contest.extensions import db
from contest.models import AuditEvent, Role, Vote, Voter, utcnow
from tests.factories import make_user
from tests.votes.helpers import edition_with_entries, window


@pytest.fixture
def period_with_votes(app):
    edition, round_, entries = edition_with_entries(3)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    people = [Voter(email=f"nguoi{i}@gmail.com", verified_at=utcnow()) for i in range(5)]
    db.session.add_all(people)
    db.session.flush()
    for i, person in enumerate(people):
        for entry in entries[: 1 + i % 3]:
            votes.cast_vote(period, person, entry, ip=f"203.0.113.{i}")
    db.session.commit()
    return period, entries, people


def test_voided_votes_stay_with_who_and_why_and_leave_the_count(period_with_votes) -> None:
    period, (a, b, c), people = period_with_votes
    organizer = make_user(Role.ORGANIZER)
    before = votes.live_counts(period)
    target = db.session.scalars(db.select(Vote).where(Vote.entry_id == a.id).limit(2)).all()
    assert votes.void_votes(list(target), "Địa chỉ email ảo hàng loạt", organizer) == 2
    db.session.commit()
    after = votes.live_counts(period)
    assert after[a.id] == before[a.id] - 2 and after[b.id] == before[b.id]
    for vote in target:
        db.session.refresh(vote)
        assert vote.voided_by_id == organizer.id and vote.void_reason == "Địa chỉ email ảo hàng loạt"
        assert vote.voided_at is not None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "vote.voided"))
    assert event.reason == "Địa chỉ email ảo hàng loạt" and sorted(event.after["vote_ids"]) == sorted(
        v.id for v in target)
    # Voiding again changes nothing; a reason is required.
    assert votes.void_votes(list(target), "lần nữa", organizer) == 0
    with pytest.raises(votes.VoteError):
        votes.void_votes(list(target), "   ", organizer)


def test_freezing_fixes_counts_and_a_recomputable_hash(period_with_votes) -> None:
    period, (a, b, c), people = period_with_votes
    with pytest.raises(votes.VoteError) as early:
        votes.freeze_tally(period)
    assert early.value.status == 409
    counts = votes.live_counts(period)
    lines = votes.canonical_vote_lines(period)
    votes.freeze_tally(period, now=period.closes_at + timedelta(minutes=1))
    db.session.commit()
    assert period.tally["counts"] == {str(k): v for k, v in counts.items()}
    assert period.tally["votes"] == sum(counts.values()) == len(lines)
    import hashlib

    assert period.tally_hash == hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()
    assert votes.verify_frozen_tally(period)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "vote.tally_frozen"))
    assert event.after["hash"] == period.tally_hash


def test_frozen_tally_never_changes(period_with_votes) -> None:
    period, (a, *_rest), people = period_with_votes
    organizer = make_user(Role.ORGANIZER)
    votes.freeze_tally(period, now=period.closes_at)
    db.session.commit()
    frozen = (dict(period.tally), period.tally_hash)
    with pytest.raises(votes.VoteError):
        votes.freeze_tally(period, now=period.closes_at + timedelta(days=1))
    with pytest.raises(votes.VoteError):
        votes.void_votes([db.session.scalars(db.select(Vote)).first()], "muộn", organizer)
    with pytest.raises(votes.VoteError):
        votes.cast_vote(period, Voter(email="moi@gmail.com", verified_at=utcnow()), a,
                        now=period.opens_at + timedelta(minutes=1))
    assert (period.tally, period.tally_hash) == frozen


def test_tampering_after_freeze_is_detected(period_with_votes) -> None:
    period, _entries, _people = period_with_votes
    votes.freeze_tally(period, now=period.closes_at)
    db.session.commit()
    vote = db.session.scalars(db.select(Vote)).first()
    vote.voided_at = utcnow()  # behind the application's back
    db.session.commit()
    assert not votes.verify_frozen_tally(period)


def test_early_freeze_by_force_closes_the_period(period_with_votes) -> None:
    period, _entries, _people = period_with_votes
    now = utcnow()
    votes.freeze_tally(period, now=now, force=True)
    assert period.closes_at == now and not period.is_open(now)


# ---------------------------------------------------------------- review queue


def _synthetic(app, *, burst_network: bool, new_addresses: bool, shared_device: bool):
    edition, round_, entries = edition_with_entries(2)
    start = utcnow() - timedelta(hours=6)
    period = votes.open_voting_period(round_, start, start + timedelta(days=2))
    t = start + timedelta(minutes=5)
    n = 0
    # Background: 40 ordinary voters spread over hours, each from their own network and device.
    for i in range(40):
        at = t + timedelta(minutes=7 * i)
        voter = Voter(email=f"binhthuong{i}@gmail.com", verified_at=at, created_at=at - timedelta(days=3))
        db.session.add(voter)
        db.session.flush()
        votes.cast_vote(period, voter, entries[i % 2], ip=f"10.{i}.{i}.9", device=f"dev-{i}", now=at)
        n += 1  # noqa: SIM113 - the count goes on through the bursts below
    if burst_network:
        at = t + timedelta(hours=1)
        for i in range(25):
            voter = Voter(email=f"cum{i}@gmail.com", verified_at=at, created_at=at - timedelta(days=10))
            db.session.add(voter)
            db.session.flush()
            votes.cast_vote(period, voter, entries[0], ip=f"198.51.100.{i + 1}", device=f"cum-{i}",
                            now=at + timedelta(seconds=10 * i))
    if new_addresses:
        at = t + timedelta(hours=3)
        for i in range(35):
            created = at + timedelta(seconds=5 * i)
            voter = Voter(email=f"moi{i}@gmail.com", verified_at=created, created_at=created)
            db.session.add(voter)
            db.session.flush()
            votes.cast_vote(period, voter, entries[1], ip=f"172.{i}.{i}.1", device=f"moi-{i}",
                            now=created + timedelta(seconds=30))
    if shared_device:
        at = t + timedelta(hours=5)
        for i in range(4):
            voter = Voter(email=f"maymot{i}@gmail.com", verified_at=at, created_at=at - timedelta(days=30))
            db.session.add(voter)
            db.session.flush()
            votes.cast_vote(period, voter, entries[0], ip=f"100.{i}.7.7", device="mot-may",
                            now=at + timedelta(minutes=15 * i))
    db.session.commit()
    return period


def test_ordinary_voting_raises_no_flag(app) -> None:
    period = _synthetic(app, burst_network=False, new_addresses=False, shared_device=False)
    assert votes.suspicious_patterns(period) == []


def test_burst_from_one_network_block_is_flagged(app) -> None:
    period = _synthetic(app, burst_network=True, new_addresses=False, shared_device=False)
    (finding,) = votes.suspicious_patterns(period)
    assert finding.kind == "network_burst" and finding.label == "198.51.100.0/24"
    assert len(finding.vote_ids) == 25 and "198.51.100.0/24" in finding.description


def test_many_new_addresses_within_minutes_are_flagged(app) -> None:
    period = _synthetic(app, burst_network=False, new_addresses=True, shared_device=False)
    (finding,) = votes.suspicious_patterns(period)
    assert finding.kind == "new_voters_burst" and len(finding.vote_ids) == 35
    assert "email mới" in finding.description


def test_one_device_voting_for_many_addresses_is_flagged(app) -> None:
    period = _synthetic(app, burst_network=False, new_addresses=False, shared_device=True)
    (finding,) = votes.suspicious_patterns(period)
    assert finding.kind == "device_many_voters" and len(finding.vote_ids) == 4
    assert "4 địa chỉ email" in finding.description


def test_flagged_votes_disappear_from_the_queue_once_voided(app) -> None:
    period = _synthetic(app, burst_network=True, new_addresses=True, shared_device=True)
    findings = votes.suspicious_patterns(period)
    assert {f.kind for f in findings} == {"network_burst", "new_voters_burst", "device_many_voters"}
    organizer = make_user(Role.ORGANIZER)
    device = next(f for f in findings if f.kind == "device_many_voters")
    votes.void_votes(list(db.session.scalars(db.select(Vote).where(Vote.id.in_(device.vote_ids)))),
                     "Một máy bình chọn thay nhiều người", organizer)
    db.session.commit()
    assert {f.kind for f in votes.suspicious_patterns(period)} == {"network_burst", "new_voters_burst"}


def test_freeze_command_freezes_closed_periods_only(app, period_with_votes) -> None:
    period, _entries, _people = period_with_votes
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contest", "freeze-votes"])
    assert "Không có đợt bình chọn nào cần chốt" in result.output
    period.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["contest", "freeze-votes"])
    db.session.refresh(period)
    assert result.exit_code == 0 and period.tally_hash in result.output
    assert votes.verify_frozen_tally(period)
