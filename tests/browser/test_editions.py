"""In real Chromium: an organizer sets up an edition from the preset, opens it, and the public reads the rules."""

from __future__ import annotations

import re

import pytest

from contest.extensions import db
from contest.models import Edition, Role
from tests.browser.pages import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_organizer_sets_up_an_edition_from_the_preset_opens_it_and_the_rules_page_shows_it(page, live_server, app):
    make_user(Role.ORGANIZER, email="btc@example.vn")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "btc@example.vn")

    page.goto("/quan-tri/cuoc-thi")
    page.get_by_role("link", name="Tạo cuộc thi mới").click()
    page.get_by_label("Năm tổ chức").fill("2026")
    page.get_by_label("Tên cuộc thi").fill("Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm 2026")
    page.get_by_label("Cấu hình ban đầu").select_option("thai_nguyen_2025")
    page.get_by_role("button", name="Tạo cuộc thi").click()
    page.wait_for_url(re.compile(r"/quan-tri/cuoc-thi/\d+$"))
    assert "Đã tạo cuộc thi" in page.content()
    problems = page.locator("[data-test=problems] li")
    assert problems.count() >= 3
    assert page.locator("[data-test=open-edition]").is_disabled()

    # Follow the problem's link to the place to fix it.
    page.locator("li[data-code=registration_missing] a").click()
    page.wait_for_url(re.compile(r"/thong-tin#registration$"))
    page.get_by_label("Mở nhận bài").fill("2026-03-01T08:00")
    page.get_by_label("Đóng nhận bài").fill("2026-06-30T17:00")
    page.get_by_label("Bắt đầu bình chọn").fill("2026-07-05T08:00")
    page.get_by_label("Kết thúc bình chọn").fill("2026-07-25T17:00")
    page.get_by_label("Công bố kết quả").fill("2026-08-20T08:00")
    page.get_by_label("Hạn tiếp nhận khiếu nại").fill("2026-08-30T17:00")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state()
    assert "Đã lưu thông tin chung." in page.content()

    for name, opens, closes in [("Vòng sơ khảo", "2026-07-01T08:00", "2026-07-31T17:00"),
                                ("Vòng chung khảo", "2026-08-05T08:00", "2026-08-06T17:00")]:
        page.get_by_role("link", name="Vòng thi, tiêu chí").click()
        page.get_by_role("link", name=name).click()
        page.get_by_label("Bắt đầu chấm").fill(opens)
        page.get_by_label("Kết thúc chấm").fill(closes)
        page.get_by_role("button", name="Lưu vòng thi").click()
        page.wait_for_load_state()
        assert f"Đã lưu vòng “{name}”." in page.content()

    page.get_by_role("link", name="Kiểm tra").click()
    # What the published scoring does not state waits for the organizer to check it against the decision.
    confirm = page.locator("[data-test=confirm-value]")
    assert confirm.count() > 0
    assert "cần đối chiếu với quyết định của đơn vị" in page.locator("[data-test=problems]").inner_text()
    while confirm.count():
        confirm.first.click()
        page.wait_for_load_state()
        assert "Đã xác nhận giá trị theo quyết định của đơn vị." in page.content()
    assert page.locator("[data-test=no-problems]").is_visible()
    page.locator("[data-test=open-edition]").click()
    page.wait_for_load_state()
    assert "Cuộc thi đã mở." in page.content()

    with app.app_context():
        edition = db.session.query(Edition).one()
        assert edition.status == "open" and edition.year == 2026

    page.get_by_role("button", name="Đăng xuất").click()
    page.goto("/the-le")
    rules = page.locator("[data-test=rules]")
    assert "năm 2026" in rules.locator("h1").inner_text()
    text = rules.inner_text()
    for expected in ("Công nghệ thông tin – điện tử – viễn thông", "Tính đổi mới sáng tạo", "Hiệu quả kinh tế – xã hội",
                     "Khả năng áp dụng", "Giải Nhất", "Giải Khuyến khích", "30/06/2026 17:00",
                     "Điểm bình chọn = 20 × số phiếu của bài ÷ số phiếu cao nhất"):
        assert expected in text, expected


def test_add_row_button_adds_a_blank_row_that_saves(page, live_server, app):
    from tests.editions.helpers import ready_edition

    make_user(Role.ORGANIZER, email="btc2@example.vn")
    edition = ready_edition()
    db.session.commit()
    sign_in(page, "btc2@example.vn")
    page.goto(f"/quan-tri/cuoc-thi/{edition.id}/linh-vuc")
    rows = page.locator("[data-rows] fieldset")
    assert rows.count() == 8  # six fields and two blank rows, without any script
    page.get_by_role("button", name="Thêm dòng").click()
    assert rows.count() == 9
    new = rows.nth(8)
    new.get_by_label("Mã").fill("kinh_te_so")
    new.get_by_label("Tên lĩnh vực").fill("Kinh tế số")
    new.get_by_label("Tiểu ban chấm").fill("Tiểu ban Kinh tế số")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state()
    assert "Đã lưu thay đổi." in page.content()
    db.session.refresh(edition)
    assert edition.categories[-1].name == "Kinh tế số"


def test_rules_page_fits_a_phone(phone_page, live_server, app):
    from tests.editions.helpers import ready_edition

    edition = ready_edition()
    edition.status = "open"
    db.session.commit()
    phone_page.goto("/the-le")
    assert phone_page.locator("[data-test=rules] h1").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
