"""An entry screened out of the contest leaves the ballot: no new vote, its votes voided with the reason,
and the other entries' points divided by the highest count among the entries still counted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contest import entries as entry_operations
from contest import votes
from contest.extensions import db
from contest.i18n import to_local
from contest.models import AuditEvent, Role, Vote, Voter, VotingPeriod, utcnow
from tests.factories import make_user
from tests.votes.flow import solve, verify
from tests.votes.helpers import edition_with_entries, window

REASON = "Giải pháp đã đạt giải ở cuộc thi cấp tỉnh năm 2023"


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"VOTE_POW_BITS": 4}


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER)


@pytest.fixture
def voted(app):
    """Three entries on an open ballot with 5, 3 and 1 votes."""
    edition, round_, (a, b, c) = edition_with_entries(3)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    people = [Voter(email=f"cu.tri{i}@thainguyen.gov.vn", verified_at=utcnow()) for i in range(5)]
    db.session.add_all(people)
    db.session.flush()
    for entry, n in ((a, 5), (b, 3), (c, 1)):
        for person in people[:n]:
            votes.cast_vote(period, person, entry, ip="203.0.113.7")
    db.session.commit()
    return period, (a, b, c)


def _screen_out(entry, organizer) -> None:
    entry_operations.screen_entry(entry, actor=organizer, passed={}, eligible=False, reason=REASON)
    db.session.commit()


def _freeze(period: VotingPeriod) -> None:
    votes.freeze_tally(period, now=period.closes_at + timedelta(minutes=1))
    db.session.commit()


def test_screened_out_entry_keeps_its_votes_on_record_but_voided_with_the_reason(voted, organizer) -> None:
    period, (a, b, c) = voted
    _screen_out(a, organizer)
    kept = db.session.scalars(db.select(Vote).where(Vote.entry_id == a.id)).all()
    assert len(kept) == 5
    assert all(v.voided_at is not None and REASON in v.void_reason and v.voided_by_id == organizer.id for v in kept)
    assert votes.live_counts(period) == {b.id: 3, c.id: 1}
    line = next(line for line in period.ballot if line.entry_id == a.id)
    assert not line.on_ballot and REASON in line.taken_off_reason
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "vote.entry_taken_off"))
    assert event.after == {"entry_id": a.id, "votes_voided": 5} and REASON in event.reason


def test_points_of_the_others_are_divided_by_the_highest_counted_entry(voted, organizer) -> None:
    period, (a, b, c) = voted
    _screen_out(a, organizer)
    _freeze(period)
    # 20 × 3 ÷ 3 and 20 × 1 ÷ 3 = 6.67 → 6.7; with the screened-out entry's 5 votes they were 12.0 and 4.0.
    assert votes.vote_points_for_round(period.round) == {b.id: Decimal("20.0"), c.id: Decimal("6.7")}
    assert period.tally["counts"] == {str(b.id): 3, str(c.id): 1}
    assert votes.verify_frozen_tally(period)


def test_an_entry_screened_out_after_the_freeze_leaves_the_points_too(voted, organizer) -> None:
    period, (a, b, c) = voted
    _freeze(period)
    assert votes.vote_points_for_round(period.round) == {
        a.id: Decimal("20.0"), b.id: Decimal("12.0"), c.id: Decimal("4.0")}
    _screen_out(a, organizer)
    assert votes.vote_points_for_round(period.round) == {b.id: Decimal("20.0"), c.id: Decimal("6.7")}
    assert votes.verify_frozen_tally(period)  # the hashed votes are untouched


def test_withdrawn_entry_leaves_the_ballot_with_its_votes_voided(voted) -> None:
    period, (a, b, c) = voted
    entry_operations.withdraw_entry(b, actor=b.owner, reason="Nhóm tác giả xin rút")
    db.session.commit()
    reasons = set(db.session.scalars(db.select(Vote.void_reason).where(Vote.entry_id == b.id)))
    assert len(reasons) == 1 and "Nhóm tác giả xin rút" in reasons.pop()
    assert votes.live_counts(period) == {a.id: 5, c.id: 1}
    _freeze(period)
    assert votes.vote_points_for_round(period.round) == {a.id: Decimal("20.0"), c.id: Decimal("4.0")}


def test_a_new_vote_for_a_screened_out_entry_is_refused_not_counted(client, mailbox, voted, organizer) -> None:
    period, (a, b, c) = voted
    verify(client, mailbox, period.id, "nguoi.moi@gmail.com")
    pow_ = solve(client, period.id, purpose="vote", entry=a.id)  # the page was opened before the screening
    _screen_out(a, organizer)
    answer = client.post(f"/binh-chon/{period.id}/bai/{a.id}/bo-phieu", data=pow_,
                         headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert answer.get_json()["code"] == "off_ballot"
    assert "bị loại khỏi danh sách bình chọn" in answer.get_json()["error"]
    plain = client.post(f"/binh-chon/{period.id}/bai/{a.id}/bo-phieu", data=pow_)
    assert plain.status_code == 409 and "bị loại khỏi danh sách bình chọn" in plain.get_data(as_text=True)
    challenge = client.post(f"/binh-chon/{period.id}/thu-thach", data={"purpose": "vote", "entry": a.id})
    assert challenge.status_code == 409
    assert db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.entry_id == a.id)) == 5
    voter = db.session.scalar(db.select(Voter).where(Voter.email == "nguoi.moi@gmail.com"))
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, voter, a)
    assert err.value.code == "off_ballot" and err.value.status == 409


def test_the_public_ballot_no_longer_shows_a_screened_out_entry(client, voted, organizer) -> None:
    period, (a, b, c) = voted
    assert f'data-entry="{a.id}"' in client.get(f"/binh-chon/{period.id}").get_data(as_text=True)
    _screen_out(a, organizer)
    html = client.get(f"/binh-chon/{period.id}").get_data(as_text=True)
    assert f'data-entry="{a.id}"' not in html and f'data-entry="{b.id}"' in html
    assert client.get(f"/binh-chon/{period.id}/bai/{a.id}").status_code == 404


def test_the_organizer_sees_why_the_entry_left_and_its_voided_votes(client, auth, voted, organizer) -> None:
    period, (a, b, c) = voted
    _screen_out(a, organizer)
    auth.as_(organizer)
    html = client.get(f"/quan-tri/binh-chon/{period.id}").get_data(as_text=True)
    assert f'data-test="taken-off" data-entry="{a.id}"' in html
    assert REASON in html and "5 phiếu đã hủy" in html
    review = client.get(f"/quan-tri/binh-chon/{period.id}/ra-soat").get_data(as_text=True)
    assert review.count(REASON) == 5
    # Saving the period page again leaves the screened-out entry off the ballot, with nothing to add.
    response = client.post(f"/quan-tri/binh-chon/{period.id}", data={
        "closes_at": to_local(period.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "entry_ids": [str(b.id), str(c.id)]})
    assert response.status_code == 302
    assert [line.entry_id for line in votes.public_ballot(period)] == [b.id, c.id]


def test_a_vote_racing_with_the_screening_is_voided_when_the_tally_is_frozen(voted, organizer) -> None:
    period, (a, b, c) = voted
    _screen_out(a, organizer)
    # A vote whose request read the ballot just before the screening committed.
    straggler = Voter(email="cham.chan@gmail.com", verified_at=utcnow())
    db.session.add(straggler)
    db.session.flush()
    db.session.add(Vote(period_id=period.id, voter_id=straggler.id, voter_key=straggler.identity, entry_id=a.id,
                        vote_day=votes.vote_day_for(period, utcnow()),
                        created_at=utcnow()))
    db.session.commit()
    assert votes.live_counts(period) == {b.id: 3, c.id: 1}
    _freeze(period)
    late = db.session.scalar(db.select(Vote).where(Vote.voter_id == straggler.id))
    assert late.voided_at is not None and REASON in late.void_reason
    assert votes.verify_frozen_tally(period)
    assert votes.vote_points_for_round(period.round) == {b.id: Decimal("20.0"), c.id: Decimal("6.7")}
