"""Two requests on one entry at the same moment (a double click, two tabs): one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from contest import entries
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus
from tests.entries.helpers import kind, tiny_pdf, upload
from tests.factories import TEST_PASSWORD, make_edition, make_entry, make_user


@pytest.fixture
def on_postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers: SQLite serialises the whole database (run with TEST_DATABASE_URL)")


def test_simultaneous_submits_send_one_receipt(on_postgres, app, auth, mailbox, monkeypatch):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    client = auth.as_(owner)
    for code in ("phieu_dang_ky", "thuyet_minh"):
        assert upload(client, entry, kind(edition, code), tiny_pdf(code)).status_code == 302

    barrier = threading.Barrier(2, timeout=20)
    real_submit = entries.submit_entry

    def submit_together(*args, **kwargs):  # both requests have loaded the draft before either writes
        barrier.wait()
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(entries, "submit_entry", submit_together)
    statuses = []
    email, entry_id = owner.email, entry.id  # the threads must not touch this test's session

    def click():
        browser = FlaskClient(app, app.response_class, use_cookies=True)
        browser.post("/tai-khoan/dang-nhap", data={"email": email, "password": TEST_PASSWORD})
        statuses.append(browser.post(f"/bai-du-thi/{entry_id}/nop").status_code)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert len(mailbox) == 1
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.submitted")).all()) == 1
