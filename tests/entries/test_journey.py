"""An applicant's story: create a draft, fill it in, attach files, submit, get a receipt."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus
from contest.storage import get_store
from tests.entries.helpers import kind, tiny_pdf, tiny_png, upload
from tests.factories import make_edition, make_user


def _create(client, edition, **overrides):
    data = {"category": edition.categories[0].id, "applicant_type": "individual",
            "title": "Máy sấy chè năng lượng mặt trời Thái Nguyên"} | overrides
    return client.post("/bai-du-thi/moi", data=data)


def _fill(client, entry, **overrides):
    data = {
        "version": str(entry.version), "title": entry.title, "category": entry.category_id,
        "applicant_type": entry.applicant_type, "organization": "HTX Chè Tân Cương", "locality": 0,
        "summary": "Sấy chè bằng năng lượng mặt trời.", "description": "Giảm 40% chi phí điện.",
        "public_consent": "y",
    } | overrides
    return client.post(f"/bai-du-thi/{entry.id}/sua", data=data)


def _ready_entry(client, edition):
    assert _create(client, edition).status_code == 302
    entry = db.session.scalars(select(Entry)).one()
    assert _fill(client, entry).status_code == 302
    assert upload(client, entry, kind(edition, "phieu_dang_ky"), tiny_pdf("Phieu"),
                  "Phiếu đăng ký.pdf").status_code == 302
    assert upload(client, entry, kind(edition, "thuyet_minh"), tiny_pdf("TM"), "Thuyết minh.pdf").status_code == 302
    return entry


def test_applicant_creates_a_draft_with_a_reference_code(app, auth):
    edition = make_edition()
    client = auth.as_(make_user(organization="Đại học Thái Nguyên"))
    response = _create(client, edition)
    assert response.status_code == 302
    entry = db.session.scalars(select(Entry)).one()
    assert entry.status == EntryStatus.DRAFT
    assert entry.reference_code == f"TN{edition.year}-0001"
    assert entry.members[0].user_id == entry.owner_id
    assert entry.organization == "Đại học Thái Nguyên"
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "entries")).all() == [
        "entry.created"]


def test_double_click_on_create_makes_one_draft(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    first = _create(client, edition)
    second = _create(client, edition)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Entry)).all()) == 1


def test_applicant_edits_the_draft_and_search_text_follows(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    _create(client, edition)
    entry = db.session.scalars(select(Entry)).one()
    assert _fill(client, entry, title="Giải pháp Đồng Hỷ").status_code == 302
    db.session.refresh(entry)
    assert entry.title == "Giải pháp Đồng Hỷ" and entry.public_consent
    assert "dong hy" in entry.search_text and "htx che tan cuong" in entry.search_text


def test_stale_edit_form_is_refused_with_409(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    _create(client, edition)
    entry = db.session.scalars(select(Entry)).one()
    old_version = str(entry.version)
    assert _fill(client, entry).status_code == 302
    response = _fill(client, entry, version=old_version, title="Ghi đè")
    assert response.status_code == 409
    db.session.refresh(entry)
    assert entry.title != "Ghi đè"


def test_applicant_adds_reorders_and_removes_members(app, auth):
    edition = make_edition()
    colleague = make_user(email="dongtacgia@example.vn")
    client = auth.as_(make_user())
    _create(client, edition)
    entry = db.session.scalars(select(Entry)).one()
    for name, email in (("Trần Thị B", "dongtacgia@example.vn"), ("Lê Văn C", "")):
        assert client.post(f"/bai-du-thi/{entry.id}/tac-gia",
                           data={"full_name": name, "role": "Đồng tác giả", "email": email}).status_code == 302
    db.session.refresh(entry)
    names = [m.full_name for m in entry.members]
    assert names[1:] == ["Trần Thị B", "Lê Văn C"]
    assert entry.members[1].user_id == colleague.id
    last = entry.members[2]
    assert client.post(f"/bai-du-thi/{entry.id}/tac-gia/{last.id}/len").status_code == 302
    db.session.expire_all()
    assert [m.full_name for m in entry.members][1:] == ["Lê Văn C", "Trần Thị B"]
    assert client.post(f"/bai-du-thi/{entry.id}/tac-gia/{last.id}/xoa").status_code == 302
    db.session.expire_all()
    assert [m.full_name for m in entry.members][1:] == ["Trần Thị B"]
    # A member's account sees the entry.
    auth.logout()
    auth.as_(colleague)
    assert client.get(f"/bai-du-thi/{entry.id}").status_code == 200


def test_group_size_is_limited(app, auth):
    edition = make_edition()
    edition.max_group_size = 2  # the preset sets 5
    db.session.commit()
    client = auth.as_(make_user())
    _create(client, edition, applicant_type="group")
    entry = db.session.scalars(select(Entry)).one()
    assert client.post(f"/bai-du-thi/{entry.id}/tac-gia", data={"full_name": "Người thứ hai"}).status_code == 302
    response = client.post(f"/bai-du-thi/{entry.id}/tac-gia", data={"full_name": "Người thứ ba"})
    assert response.status_code == 422
    assert "tối đa 2 người" in response.get_data(as_text=True)


def test_applicant_names_organizations_that_must_not_judge(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    _create(client, edition)
    entry = db.session.scalars(select(Entry)).one()
    assert client.post(f"/bai-du-thi/{entry.id}/xung-dot", data={"organization": "Công ty ABC"}).status_code == 302
    assert client.post(f"/bai-du-thi/{entry.id}/xung-dot", data={}).status_code == 422
    db.session.refresh(entry)
    assert [c.organization for c in entry.conflict_declarations] == ["Công ty ABC"]


def test_applicant_type_not_allowed_by_the_edition_is_refused(app, auth):
    edition = make_edition()
    edition.allowed_applicant_types = ["individual", "group"]
    db.session.commit()
    client = auth.as_(make_user())
    response = _create(client, edition, applicant_type="enterprise")
    assert response.status_code == 422
    assert db.session.scalars(select(Entry)).all() == []


def test_max_entries_per_person(app, auth):
    edition = make_edition(max_entries_per_person=1)
    client = auth.as_(make_user())
    assert _create(client, edition).status_code == 302
    response = _create(client, edition, title="Bài thứ hai")
    assert response.status_code == 409
    assert "tối đa 1 bài" in response.get_data(as_text=True)


def test_applicant_submits_and_gets_a_receipt_with_checksums(app, auth, mailbox):
    edition = make_edition()
    client = auth.as_(make_user(email="tacgia@example.vn"))
    entry = _ready_entry(client, edition)
    response = client.post(f"/bai-du-thi/{entry.id}/nop")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED and entry.submitted_at is not None
    assert len(mailbox) == 1
    body = mailbox[0].body
    assert entry.reference_code in body and entry.reference_code in mailbox[0].subject
    for attachment in entry.attachments:
        with get_store().open(attachment.storage_key) as reader:
            data = reader.read()
        assert hashlib.sha256(data).hexdigest() == attachment.sha256 in body
        assert attachment.display_filename in body and f"{len(data)} byte" in body
    page = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    assert "Nộp bài dự thi" in page and "Đã nộp" in page


def test_double_submit_is_harmless(app, auth, mailbox):
    edition = make_edition()
    client = auth.as_(make_user())
    entry = _ready_entry(client, edition)
    assert client.post(f"/bai-du-thi/{entry.id}/nop").status_code == 302
    assert client.post(f"/bai-du-thi/{entry.id}/nop").status_code == 302
    assert len(mailbox) == 1
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "entry.submitted")).all()
    assert actions == ["entry.submitted"]


def test_submit_lists_every_missing_field_and_file(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    _create(client, edition, applicant_type="group")
    entry = db.session.scalars(select(Entry)).one()
    response = client.post(f"/bai-du-thi/{entry.id}/nop")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for expected in ("Chưa có tóm tắt giải pháp.", "Chưa có mô tả chi tiết giải pháp.",
                     "Nhóm tác giả cần có ít nhất 2 người.", "Thiếu hồ sơ bắt buộc: Phiếu đăng ký dự thi.",
                     "Thiếu hồ sơ bắt buộc: Bản thuyết minh giải pháp."):
        assert expected in text
    db.session.refresh(entry)
    assert entry.status == EntryStatus.DRAFT


def test_submitted_entry_is_frozen(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    entry = _ready_entry(client, edition)
    client.post(f"/bai-du-thi/{entry.id}/nop")
    assert _fill(client, entry, title="Sửa sau khi nộp").status_code == 409
    assert upload(client, entry, kind(edition, "hinh_anh"), tiny_png(), "anh.png").status_code == 409
    attachment = entry.attachments[0]
    assert client.post(f"/bai-du-thi/{entry.id}/tep/{attachment.id}/xoa").status_code == 409
    assert client.post(f"/bai-du-thi/{entry.id}/tac-gia", data={"full_name": "X"}).status_code == 409
    db.session.refresh(entry)
    assert entry.title != "Sửa sau khi nộp" and len(entry.attachments) == 2


def test_status_page_shows_the_timeline_in_local_time(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    entry = _ready_entry(client, edition)
    client.post(f"/bai-du-thi/{entry.id}/nop")
    db.session.refresh(entry)
    page = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    for label in ("Tạo bài dự thi (bản nháp)", "Cập nhật thông tin bài dự thi", "Tải lên tệp hồ sơ", "Nộp bài dự thi"):
        assert label in page
    from contest.i18n import format_datetime_local

    assert format_datetime_local(entry.submitted_at) in page


def test_video_link_instead_of_a_file(app, auth):
    edition = make_edition()
    client = auth.as_(make_user())
    _create(client, edition)
    entry = db.session.scalars(select(Entry)).one()
    video = kind(edition, "video")
    assert client.post(f"/bai-du-thi/{entry.id}/lien-ket/{video.id}",
                       data={"url": "javascript:alert(1)"}).status_code == 422
    assert client.post(f"/bai-du-thi/{entry.id}/lien-ket/{video.id}",
                       data={"url": "https://www.youtube.com/watch?v=abc"}).status_code == 302
    db.session.refresh(entry)
    assert entry.attachments[0].link_url == "https://www.youtube.com/watch?v=abc"
    slides = kind(edition, "trinh_chieu")
    assert client.post(f"/bai-du-thi/{entry.id}/lien-ket/{slides.id}",
                       data={"url": "https://example.com/x"}).status_code == 422
