"""Deadlines and phases: registration window, submission deadline, withdrawing before judging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest import entries
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, RoundStatus, utcnow
from tests.factories import make_edition, make_entry, make_user


def test_no_entry_before_registration_opens_or_after_it_closes(app, auth):
    edition = make_edition()
    edition.registration_opens_at = utcnow() + timedelta(days=1)
    edition.registration_closes_at = utcnow() + timedelta(days=10)
    db.session.commit()
    client = auth.as_(make_user())
    response = client.post("/bai-du-thi/moi", data={"category": edition.categories[0].id,
                                                    "applicant_type": "individual", "title": "Sớm quá"})
    assert response.status_code == 409
    assert db.session.scalars(select(Entry)).all() == []


def test_operations_take_the_time_they_are_given(app):
    edition = make_edition()
    owner = make_user()
    opens, closes = edition.registration_opens_at, edition.registration_closes_at
    with pytest.raises(entries.EntryError):
        entries.create_entry(owner, edition, edition.categories[0], title="x", applicant_type="individual",
                         now=opens - timedelta(seconds=1))
    entry = entries.create_entry(owner, edition, edition.categories[0], title="Đúng hạn", applicant_type="individual",
                             now=closes - timedelta(seconds=1))
    db.session.commit()
    assert entries.edit_problem(entry, now=closes - timedelta(seconds=1)) is None
    assert entries.edit_problem(entry, now=closes) == "Đã hết hạn nộp bài dự thi."
    with pytest.raises(entries.EntryError) as caught:
        entries.add_member(entry, actor=owner, full_name="Muộn", now=closes + timedelta(minutes=1))
    assert caught.value.status == 409


def test_draft_after_the_deadline_cannot_be_edited_or_submitted(app, auth):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    edition.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = auth.as_(owner)
    response = client.post(f"/bai-du-thi/{entry.id}/nop")
    assert response.status_code == 409
    assert "Đã hết hạn nộp bài dự thi." in response.get_data(as_text=True)
    assert client.post(f"/bai-du-thi/{entry.id}/tac-gia", data={"full_name": "X"}).status_code == 409
    assert "Đã hết hạn nộp bài dự thi." in client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)


def test_withdraw_needs_confirmation(app, auth):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition, status="submitted")
    client = auth.as_(owner)
    assert client.get(f"/bai-du-thi/{entry.id}/rut").status_code == 200
    assert client.post(f"/bai-du-thi/{entry.id}/rut", data={}).status_code == 422
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED
    response = client.post(f"/bai-du-thi/{entry.id}/rut", data={"confirm": "y", "reason": "Chưa hoàn thiện"})
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.status == EntryStatus.WITHDRAWN and entry.withdrawn_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.withdrawn")).one()
    assert event.reason == "Chưa hoàn thiện"
    # A second click does nothing more.
    assert client.post(f"/bai-du-thi/{entry.id}/rut", data={"confirm": "y"}).status_code == 302
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.withdrawn")).all()) == 1


def test_no_withdrawal_once_the_first_round_opened(app, auth):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition, status="eligible")
    edition.rounds[0].status = RoundStatus.OPEN.value
    db.session.commit()
    client = auth.as_(owner)
    response = client.post(f"/bai-du-thi/{entry.id}/rut", data={"confirm": "y"})
    assert response.status_code == 409
    assert "Vòng chấm đầu tiên đã bắt đầu" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status == EntryStatus.ELIGIBLE


def test_judging_starts_by_the_first_round_window_too(app):
    edition = make_edition()
    edition.rounds[0].opens_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert not entries.judging_started(edition)
    assert entries.judging_started(edition, now=utcnow() + timedelta(days=3))


def test_other_applicant_cannot_submit_or_withdraw(app, auth, client):
    edition = make_edition()
    entry = make_entry(make_user(), edition)
    auth.as_(make_user())
    assert client.post(f"/bai-du-thi/{entry.id}/nop").status_code == 404
    assert client.post(f"/bai-du-thi/{entry.id}/rut", data={"confirm": "y"}).status_code == 404
    assert client.get(f"/bai-du-thi/{entry.id}/sua").status_code == 404
