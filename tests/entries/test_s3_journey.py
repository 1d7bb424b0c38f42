"""The applicant's journey against a real S3 server (SeaweedFS), including an outage and a failed commit."""

from __future__ import annotations

import urllib.request

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from contest.extensions import db
from contest.models import Attachment, EntryStatus
from contest.storage import get_store, missing_objects
from tests.entries.helpers import kind, tiny_pdf, tiny_png, upload
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture(scope="module")
def own_server(s3_server_factory):
    """A private server: these tests stop it, and the shared one must stay up for everyone else."""
    return s3_server_factory()


@pytest.fixture
def app_config(own_server):
    if not own_server.running:
        own_server.start()
    return {"STORAGE_URL": own_server.new_bucket_url()}


@pytest.fixture
def draft(app, own_server):
    yield make_entry(make_user(), make_edition())
    if not own_server.running:
        own_server.start()


def _keys() -> set[str]:
    return {info.key for info in get_store().iter_objects()}


def test_applicant_journey_on_s3(draft, auth, mailbox):
    edition = draft.edition
    client = auth.as_(draft.owner)
    assert upload(client, draft, kind(edition, "phieu_dang_ky"), tiny_pdf("P"), "Phiếu đăng ký.pdf").status_code == 302
    assert upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("T"), "Thuyết minh.pdf").status_code == 302
    db.session.refresh(draft)
    assert {a.storage_key for a in draft.attachments} == _keys()
    assert client.post(f"/bai-du-thi/{draft.id}/nop").status_code == 302
    db.session.refresh(draft)
    assert draft.status == EntryStatus.SUBMITTED and len(mailbox) == 1

    response = client.get(f"/bai-du-thi/tep/{draft.attachments[0].id}")
    assert response.status_code == 302
    url = response.headers["Location"]
    assert "X-Amz-Signature" in url and "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as remote:
        assert remote.read() == tiny_pdf("P")
        assert "filename*=UTF-8''Phi%E1%BA%BFu" in remote.headers["Content-Disposition"]
        assert remote.headers["Content-Type"] == "application/pdf"


def test_outage_mid_journey_keeps_the_draft_and_its_files_and_retry_succeeds(draft, auth, own_server):
    edition = draft.edition
    client = auth.as_(draft.owner)
    assert upload(client, draft, kind(edition, "phieu_dang_ky"), tiny_pdf("P"), "phieu.pdf").status_code == 302
    before = db.session.scalars(select(Attachment)).all()
    assert len(before) == 1

    own_server.stop()
    response = upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("T"), "thuyet-minh.pdf")
    assert response.status_code == 503
    assert "Kho lưu trữ tạm thời không truy cập được, vui lòng thử lại sau" in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.status == EntryStatus.DRAFT
    assert [a.id for a in draft.attachments] == [before[0].id]
    # The rest of the draft still works while storage is down.
    assert client.get(f"/bai-du-thi/{draft.id}/sua").status_code == 200
    assert client.post(f"/bai-du-thi/{draft.id}/tac-gia", data={"full_name": "Trần Văn Bổ Sung"}).status_code == 302

    own_server.start()
    assert upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("T"), "thuyet-minh.pdf").status_code == 302
    db.session.refresh(draft)
    keys = [a.storage_key for a in draft.attachments]
    assert len(keys) == 2
    assert missing_objects(get_store(), keys) == []  # no row without its object
    assert _keys() == set(keys)  # and no object without its row


def test_failed_commit_after_the_object_was_written_removes_the_object(draft, auth, monkeypatch):
    edition = draft.edition
    client = auth.as_(draft.owner)
    assert upload(client, draft, kind(edition, "phieu_dang_ky"), tiny_pdf("P")).status_code == 302
    kept = _keys()

    real_commit = db.session.commit
    calls = {"n": 0}

    def failing_commit():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("COMMIT", {}, Exception("database went away"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = upload(client, draft, kind(edition, "hinh_anh"), tiny_png(), "anh.png")
    monkeypatch.undo()
    assert calls["n"] == 1
    assert response.status_code == 503
    assert "Chưa lưu được tệp" in response.get_data(as_text=True)
    assert _keys() == kept
    assert len(db.session.scalars(select(Attachment)).all()) == 1


def test_replace_whose_commit_fails_keeps_the_old_file(draft, auth, monkeypatch):
    edition = draft.edition
    client = auth.as_(draft.owner)
    upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("v1"), "v1.pdf")
    old = db.session.scalars(select(Attachment)).one()
    old_key = old.storage_key

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("v2"), "v2.pdf")
    monkeypatch.undo()
    assert response.status_code == 503
    rows = db.session.scalars(select(Attachment)).all()
    assert [(r.display_filename, r.storage_key) for r in rows] == [("v1.pdf", old_key)]
    assert _keys() == {old_key}
