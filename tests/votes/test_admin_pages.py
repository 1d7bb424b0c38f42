"""Organizers open a voting period, choose its ballot and fields, review, void and freeze."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest import votes
from contest.extensions import db
from contest.i18n import to_local
from contest.models import AuditEvent, Role, Vote, Voter, VotingPeriod, utcnow
from tests.factories import make_user
from tests.votes.helpers import edition_with_entries, window


def _local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER)


def test_only_organizers_reach_the_vote_pages(client, auth, app) -> None:
    edition, round_, _e = edition_with_entries(1)
    assert client.get("/quan-tri/binh-chon").status_code == 302  # to the login page
    auth.as_(make_user(Role.APPLICANT))
    assert client.get("/quan-tri/binh-chon").status_code == 403
    assert client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo", data={}).status_code == 403


def test_organizer_opens_a_period_with_chosen_entries_and_fields(client, auth, organizer) -> None:
    edition, round_, (a, b, c) = edition_with_entries(3)
    auth.as_(organizer)
    page = client.get(f"/quan-tri/binh-chon/vong/{round_.id}/mo")
    assert page.status_code == 200 and a.reference_code in page.get_data(as_text=True)
    opens, closes = window()
    response = client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo", data={
        "opens_at": _local(opens), "closes_at": _local(closes), "frequency": "daily",
        "max_entries_per_voter": "2", "show_counts_live": "y", "entry_ids": [str(a.id), str(c.id)],
        "field_summary": "1", "field_images": "1",
    })
    assert response.status_code == 302
    period = db.session.scalars(db.select(VotingPeriod)).one()
    assert [x.entry_id for x in period.ballot] == [a.id, c.id]
    assert period.ballot[0].public_fields == ["title", "summary", "images"]
    assert (period.frequency, period.max_entries_per_voter, period.show_counts_live) == ("daily", 2, True)
    assert abs((period.opens_at - opens).total_seconds()) < 60  # typed in Vietnam time, stored in UTC
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "vote.period_opened"))
    # Opening again leads to the existing period.
    assert client.get(f"/quan-tri/binh-chon/vong/{round_.id}/mo").status_code == 302


def test_bad_window_is_422_and_nothing_created(client, auth, organizer) -> None:
    edition, round_, _e = edition_with_entries(1)
    auth.as_(organizer)
    opens, closes = window()
    response = client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo", data={
        "opens_at": _local(closes), "closes_at": _local(opens), "frequency": "once"})
    assert response.status_code == 422
    assert "Thời điểm đóng phải sau thời điểm mở" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(VotingPeriod.id))) == 0


def test_edit_ballot_takes_an_entry_with_votes_off_only_with_a_reason(client, auth, organizer) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    voter = Voter(email="x@gmail.com", verified_at=utcnow())
    db.session.add(voter)
    db.session.flush()
    votes.cast_vote(period, voter, a)
    db.session.commit()
    auth.as_(organizer)
    assert client.get(f"/quan-tri/binh-chon/{period.id}").status_code == 200
    response = client.post(f"/quan-tri/binh-chon/{period.id}", data={
        "closes_at": _local(closes), "entry_ids": [str(b.id)], f"field_{b.id}_description": "1"})
    assert response.status_code == 422
    assert "đã có phiếu bình chọn" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Vote.voided_at)) is None
    response = client.post(f"/quan-tri/binh-chon/{period.id}", data={
        "closes_at": _local(closes + timedelta(days=1)), "entry_ids": [str(b.id)],
        f"field_{b.id}_description": "1", "removal_reason": "Trùng với bài đã đạt giải năm trước"})
    assert response.status_code == 302
    db.session.refresh(period)
    line_a = next(line for line in period.ballot if line.entry_id == a.id)
    assert line_a.taken_off_reason == "Trùng với bài đã đạt giải năm trước" and line_a.taken_off_by_id == organizer.id
    vote = db.session.scalar(db.select(Vote))
    assert vote.voided_at is not None and vote.void_reason == "Trùng với bài đã đạt giải năm trước"
    assert votes.live_counts(period) == {b.id: 0}
    assert [line.entry_id for line in votes.public_ballot(period)] == [b.id]
    html = client.get(f"/quan-tri/binh-chon/{period.id}").get_data(as_text=True)
    assert f'data-test="taken-off" data-entry="{a.id}"' in html
    assert "Trùng với bài đã đạt giải năm trước" in html and "1 phiếu đã hủy" in html
    # Listed again, the entry is back on the ballot; the vote voided stays voided, on record.
    response = client.post(f"/quan-tri/binh-chon/{period.id}", data={
        "closes_at": _local(closes + timedelta(days=1)), "entry_ids": [str(a.id), str(b.id)],
        f"field_{b.id}_description": "1"})
    assert response.status_code == 302
    db.session.refresh(period)
    assert [line.entry_id for line in votes.public_ballot(period)] == [a.id, b.id]
    assert period.ballot[1].public_fields == ["title", "description"]
    assert votes.live_counts(period) == {a.id: 0, b.id: 0}


def test_review_queue_void_with_reason_and_freeze_with_hash(client, auth, organizer) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    for i in range(4):  # one device, four addresses
        voter = Voter(email=f"mot.may{i}@gmail.com", verified_at=utcnow())
        db.session.add(voter)
        db.session.flush()
        votes.cast_vote(period, voter, a, ip=f"192.0.2.{i}", device="cung-mot-may")
    db.session.commit()
    auth.as_(organizer)
    html = client.get(f"/quan-tri/binh-chon/{period.id}/ra-soat").get_data(as_text=True)
    assert 'data-kind="device_many_voters"' in html and "mot.may0@gmail.com" in html
    ids = [str(v) for v in db.session.scalars(db.select(Vote.id))]
    missing_reason = client.post(f"/quan-tri/binh-chon/{period.id}/huy-phieu", data={"vote_ids": ids, "reason": ""})
    assert missing_reason.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.voided_at.is_not(None))) == 0
    response = client.post(f"/quan-tri/binh-chon/{period.id}/huy-phieu",
                           data={"vote_ids": ids[:3], "reason": "Một thiết bị bình chọn thay nhiều người"})
    assert response.status_code == 302
    html = client.get(f"/quan-tri/binh-chon/{period.id}/ra-soat").get_data(as_text=True)
    assert "Một thiết bị bình chọn thay nhiều người" in html and organizer.full_name in html
    # Freezing waits for the close.
    client.post(f"/quan-tri/binh-chon/{period.id}/chot")
    db.session.refresh(period)
    assert period.frozen_at is None
    period.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/quan-tri/binh-chon/{period.id}/chot").status_code == 302
    db.session.refresh(period)
    assert period.tally["counts"] == {str(a.id): 1, str(b.id): 0}
    html = client.get(f"/quan-tri/binh-chon/{period.id}").get_data(as_text=True)
    assert period.tally_hash in html and "Đã kiểm tra lại" in html
