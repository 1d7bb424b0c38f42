"""In real Chromium: an applicant creates an entry, uploads PDFs, submits and sees the confirmation;
an organizer then marks it eligible."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import Entry, EntryStatus, Role
from tests.browser.pages import sign_in
from tests.entries.helpers import tiny_pdf
from tests.factories import make_edition, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_applicant_submits_an_entry_and_an_organizer_marks_it_eligible(page, tmp_path, mailbox):
    edition = make_edition()
    applicant = make_user(email="ungvien@example.vn", full_name="Đỗ Thị Hoa")
    organizer = make_user(Role.ORGANIZER, email="btc@example.vn")
    page.on("dialog", lambda dialog: dialog.accept())
    pdf = tmp_path / "Phiếu đăng ký.pdf"
    pdf.write_bytes(tiny_pdf("Phieu dang ky"))
    description = tmp_path / "Thuyết minh.pdf"
    description.write_bytes(tiny_pdf("Thuyet minh"))

    sign_in(page, applicant.email)
    page.goto("/bai-du-thi/")
    page.locator("[data-test=new-entry]").click()
    page.get_by_label("Cuộc thi và lĩnh vực dự thi").select_option(str(edition.categories[3].id))
    page.get_by_label("Tên giải pháp").fill("Hệ thống tưới chè tự động Tân Cương")
    page.locator("[data-test=create-entry]").click()
    page.wait_for_url(re.compile(r"/bai-du-thi/\d+/sua"))
    assert "Đã tạo bài dự thi" in page.content()

    page.get_by_label("Tóm tắt giải pháp").fill("Tưới chè theo độ ẩm đất.")
    page.get_by_label("Mô tả chi tiết").fill("Cảm biến độ ẩm và van điện từ, tiết kiệm 30% nước.")
    page.locator("[data-test=save-entry]").click()
    page.wait_for_load_state()
    assert "Đã lưu thông tin bài dự thi." in page.content()

    page.locator("[data-test=file-phieu_dang_ky]").set_input_files(str(pdf))
    page.locator("[data-test=upload-phieu_dang_ky]").click()
    page.wait_for_load_state()
    assert "Đã tải lên tệp Phiếu đăng ký.pdf" in page.content()
    page.locator("[data-test=file-thuyet_minh]").set_input_files(str(description))
    page.locator("[data-test=upload-thuyet_minh]").click()
    page.wait_for_load_state()
    assert page.locator("[data-test=file-row]").count() == 2

    page.locator("[data-test=to-status]").click()
    page.get_by_role("button", name="Nộp bài dự thi").click()
    page.wait_for_load_state()
    assert "Đã nộp bài dự thi" in page.content()
    assert page.locator("[data-test=status]").inner_text().strip() == "Đã nộp"
    assert "Nộp bài dự thi" in page.locator("[data-test=timeline]").inner_text()
    entry = db.session.scalars(select(Entry)).one()
    assert entry.status == EntryStatus.SUBMITTED
    assert len(mailbox) == 1 and entry.reference_code in mailbox[0].body

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    sign_in(page, organizer.email)
    page.goto("/quan-tri/bai-du-thi")
    page.get_by_label("Tìm kiếm").fill("tuoi che tan cuong")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    page.get_by_role("link", name=entry.reference_code).click()
    page.wait_for_load_state()
    for box in page.locator("[data-test=check]").all():
        box.check()
    page.get_by_label("Kết luận").select_option("eligible")
    page.locator("[data-test=screen-save]").click()
    page.wait_for_load_state()
    assert "Đã lưu kết quả thẩm định" in page.content()
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == EntryStatus.ELIGIBLE
