"""Uploads are checked by content, name and size; a refused upload stores nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import Attachment, AuditEvent
from contest.storage import get_store
from tests.entries.helpers import kind, padded_pdf, tiny_pdf, tiny_png, upload
from tests.factories import make_edition, make_entry, make_user


def _stored_keys() -> list[str]:
    return [info.key for info in get_store().iter_objects()]


@pytest.fixture
def draft(app):
    edition = make_edition()
    owner = make_user()
    return make_entry(owner, edition)


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        (b"", "rong.pdf", 422, "Tệp rỗng (0 byte)"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200), "ho-so.pdf", 415,
         "Định dạng tệp không được chấp nhận"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "trang.pdf", 415,
         "Định dạng tệp không được chấp nhận"),
        (tiny_png(), "anh-doi-ten.pdf", 415, "Định dạng tệp không được chấp nhận"),
        (tiny_pdf(), "../../etc/passwd.pdf", 422, "không được chứa đường dẫn"),
        (tiny_pdf(), "bao\u202ecod.exe.pdf", 422, "ký tự điều khiển"),
        (tiny_pdf(), "a" * 300 + ".pdf", 422, "Tên tệp quá dài"),
    ],
    ids=["zero-byte", "renamed-exe", "html", "png-as-pdf", "path", "rtl-override", "long-name"],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(draft, auth, data, filename, status, message):
    client = auth.as_(draft.owner)
    response = upload(client, draft, kind(draft.edition, "thuyet_minh"), data, filename)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []
    assert _stored_keys() == []


def test_file_over_the_kind_limit_is_refused_with_413(draft, auth):
    registration = kind(draft.edition, "phieu_dang_ky")
    registration.max_size_bytes = 64 * 1024
    db.session.commit()
    client = auth.as_(draft.owner)
    response = upload(client, draft, registration, padded_pdf(200 * 1024))
    assert response.status_code == 413
    assert "vượt quá dung lượng cho phép của loại hồ sơ" in response.get_data(as_text=True)
    assert _stored_keys() == [] and db.session.scalars(select(Attachment)).all() == []


def test_files_over_the_entry_total_are_refused_with_413(draft, auth):
    draft.edition.max_entry_bytes = 300 * 1024
    db.session.commit()
    client = auth.as_(draft.owner)
    assert upload(client, draft, kind(draft.edition, "phieu_dang_ky"), padded_pdf(200 * 1024)).status_code == 302
    response = upload(client, draft, kind(draft.edition, "thuyet_minh"), padded_pdf(200 * 1024))
    assert response.status_code == 413
    assert "Tổng dung lượng các tệp của bài dự thi vượt quá" in response.get_data(as_text=True)
    assert len(_stored_keys()) == 1 and len(db.session.scalars(select(Attachment)).all()) == 1


def test_no_file_chosen(draft, auth):
    client = auth.as_(draft.owner)
    response = client.post(f"/bai-du-thi/{draft.id}/tep/loai/{kind(draft.edition, 'thuyet_minh').id}",
                           data={"csrf_token": "", "file": (io.BytesIO(b""), "")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vui lòng chọn tệp" in response.get_data(as_text=True)


def test_not_multipart_is_a_bad_request(draft, auth):
    client = auth.as_(draft.owner)
    response = client.post(f"/bai-du-thi/{draft.id}/tep/loai/{kind(draft.edition, 'thuyet_minh').id}",
                           data=b"%PDF-1.4", content_type="application/pdf")
    assert response.status_code == 400


def test_truncated_body_is_a_bad_request_and_stores_nothing(draft, auth):
    client = auth.as_(draft.owner)
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + tiny_pdf()
    response = client.post(f"/bai-du-thi/{draft.id}/tep/loai/{kind(draft.edition, 'thuyet_minh').id}",
                           data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert _stored_keys() == [] and db.session.scalars(select(Attachment)).all() == []


def test_upload_keeps_the_vietnamese_name_and_records_size_and_hash(draft, auth):
    client = auth.as_(draft.owner)
    data = tiny_pdf()
    response = upload(client, draft, kind(draft.edition, "thuyet_minh"), data, "Bản thuyết minh – Đồng Hỷ.pdf")
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    import hashlib

    assert attachment.display_filename == "Bản thuyết minh – Đồng Hỷ.pdf"
    assert attachment.size == len(data) and attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.content_type == "application/pdf"
    assert attachment.storage_key.startswith("entries/") and "Đồng" not in attachment.storage_key
    assert _stored_keys() == [attachment.storage_key]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.file_uploaded")).one()
    assert event.after["sha256"] == attachment.sha256


def test_replacing_a_file_keeps_one_row_and_deletes_the_old_object_after_commit(draft, auth):
    client = auth.as_(draft.owner)
    thuyet_minh = kind(draft.edition, "thuyet_minh")
    upload(client, draft, thuyet_minh, tiny_pdf("v1"), "v1.pdf")
    first = db.session.scalars(select(Attachment)).one()
    old_key = first.storage_key
    response = client.post(f"/bai-du-thi/{draft.id}/tep/{first.id}/thay-the",
                           data={"csrf_token": "", "file": (io.BytesIO(tiny_pdf("v2")), "v2.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    rows = db.session.scalars(select(Attachment)).all()
    assert [r.display_filename for r in rows] == ["v2.pdf"]
    assert _stored_keys() == [rows[0].storage_key] and rows[0].storage_key != old_key
    # A kind that holds one file: uploading again replaces it too.
    upload(client, draft, thuyet_minh, tiny_pdf("v3"), "v3.pdf")
    assert [r.display_filename for r in db.session.scalars(select(Attachment))] == ["v3.pdf"]
    assert len(_stored_keys()) == 1


def test_multiple_kind_keeps_every_photo_and_remove_deletes_the_object(draft, auth):
    photos = kind(draft.edition, "hinh_anh")
    photos.multiple = True
    db.session.commit()
    client = auth.as_(draft.owner)
    upload(client, draft, photos, tiny_png(), "a.png")
    upload(client, draft, photos, tiny_png(), "b.png")
    rows = db.session.scalars(select(Attachment)).all()
    assert len(rows) == 2 and len(_stored_keys()) == 2
    assert client.post(f"/bai-du-thi/{draft.id}/tep/{rows[0].id}/xoa").status_code == 302
    assert _stored_keys() == [rows[1].storage_key]


def test_csrf_token_is_checked_from_the_streamed_form(app, auth):
    app.config["WTF_CSRF_ENABLED"] = True
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    app.config["WTF_CSRF_ENABLED"] = False
    client = auth.as_(owner)
    app.config["WTF_CSRF_ENABLED"] = True
    response = upload(client, entry, kind(edition, "thuyet_minh"), tiny_pdf())
    assert response.status_code == 400
    assert _stored_keys() == []


def test_backslash_path_in_a_raw_header_is_refused(draft, auth):
    client = auth.as_(draft.owner)
    boundary = "B0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"..\\\\..\\\\windows\\\\x.pdf\"\r\n\r\n").encode()
    body = head + tiny_pdf() + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(f"/bai-du-thi/{draft.id}/tep/loai/{kind(draft.edition, 'thuyet_minh').id}",
                           data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422
    assert "không được chứa đường dẫn" in response.get_data(as_text=True)
    assert _stored_keys() == []
