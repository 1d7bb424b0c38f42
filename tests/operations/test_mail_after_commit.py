"""Mail announces only what was committed: it is queued by the operation and leaves after the commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contest import mail as outgoing
from contest.extensions import db
from contest.judges import invite_judge
from contest.models import Role, User
from tests.factories import make_user


def _invite(email: str = "gk.moi@example.vn") -> User:
    organizer = make_user(Role.ORGANIZER)
    return invite_judge(email=email, full_name="TS. Trần Thị Mới", invited_by=organizer)


def test_an_invitation_waits_for_the_commit_and_leaves_once(app, mailbox):
    _invite()
    db.session.flush()
    assert mailbox == [] and len(outgoing.pending_messages()) == 1
    db.session.commit()
    assert [m.recipients for m in mailbox] == [["gk.moi@example.vn"]]
    db.session.commit()  # a later commit sends nothing again
    assert len(mailbox) == 1


def test_no_mail_leaves_when_the_commit_fails(app, mailbox):
    taken = make_user(Role.APPLICANT, email="da.co@example.vn")
    db.session.commit()
    _invite()
    db.session.add(User(email=taken.email, full_name="Trùng địa chỉ", password_hash=None))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.commit()  # the next, successful commit must not carry the discarded invitation
    assert mailbox == []
    assert db.session.scalar(select(User).where(User.email == "gk.moi@example.vn")) is None


def test_a_failed_send_is_retried_without_undoing_the_committed_work(app, mailbox, monkeypatch):
    real_send = outgoing.mail.send
    failures = []

    def flaky_send(message):
        if len(failures) < 2:
            failures.append(message)
            raise ConnectionRefusedError("SMTP server is down")
        return real_send(message)

    monkeypatch.setattr(outgoing.mail, "send", flaky_send)
    monkeypatch.setattr(outgoing, "RETRY_PAUSE_SECONDS", 0)
    _invite()
    db.session.commit()
    assert len(failures) == 2 and len(mailbox) == 1
    assert db.session.scalar(select(User).where(User.email == "gk.moi@example.vn")).has_role(Role.JUDGE)


def test_a_send_that_keeps_failing_is_kept_for_a_manual_resend(app, mailbox, monkeypatch, caplog):
    def broken_send(message):
        raise ConnectionRefusedError("SMTP server is down")

    monkeypatch.setattr(outgoing.mail, "send", broken_send)
    monkeypatch.setattr(outgoing, "RETRY_PAUSE_SECONDS", 0)
    _invite()
    db.session.commit()  # does not raise: the invitation is stored whatever the mail server does
    kept = list((Path(app.config["MAIL_OUTBOX_DIR"]) / "failed").glob("*.eml"))
    assert len(kept) == 1 and b"gk.moi@example.vn" in kept[0].read_bytes()
    assert "could not be sent" in caplog.text
    assert db.session.scalar(select(User).where(User.email == "gk.moi@example.vn")) is not None


def test_an_organizer_page_that_fails_to_commit_sends_nothing(app, client, auth, mailbox, monkeypatch):
    organizer = make_user(Role.ORGANIZER)
    db.session.commit()
    auth.login(organizer.email)

    def failing_commit() -> None:
        db.session.flush()
        db.session.rollback()
        raise IntegrityError("COMMIT", {}, Exception("the database refused the commit"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = client.post("/quan-tri/giam-khao/moi", data={"email": "gk.moi@example.vn",
                                                            "full_name": "TS. Trần Thị Mới"})
    assert response.status_code >= 400
    monkeypatch.undo()
    db.session.commit()
    assert mailbox == []
