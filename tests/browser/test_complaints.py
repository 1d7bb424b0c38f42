"""In real Chromium: an applicant files a complaint from their result page and an organizer settles it."""

from __future__ import annotations

import re

import pytest

from contest.extensions import db
from contest.models import Complaint
from tests.browser.pages import sign_in
from tests.complaints.helpers import published_contest

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 40}


def test_applicant_files_a_complaint_and_the_organizer_settles_it(page, browser, live_server, app):
    _, entries, organizer = published_contest()
    entry = entries["D"]
    sign_in(page, entry.owner.email)
    page.goto(f"/ket-qua/bai/{entry.id}")
    page.get_by_label("Nội dung khiếu nại").fill(
        "Đề nghị xem lại điểm tiêu chí khả năng áp dụng: giải pháp đã chạy ở ba hợp tác xã chè.")
    page.locator("[data-test=file-complaint]").click()
    page.wait_for_load_state()
    assert "Đã gửi khiếu nại" in page.content()
    assert page.locator("[data-test=complaint][data-status=new]").count() == 1
    assert page.locator("[data-test=complaint-form]").count() == 0

    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    try:
        staff = context.new_page()
        sign_in(staff, organizer.email)
        staff.goto("/quan-tri/khieu-nai")
        staff.get_by_role("link", name=re.compile(entry.reference_code)).click()
        staff.locator("[data-test=start-review]").click()
        staff.wait_for_load_state()
        assert "đang xem xét" in staff.content()
        staff.get_by_label("Không chấp nhận khiếu nại").check()
        staff.get_by_label(re.compile("Lý do")).fill(
            "Hội đồng đã chấm đúng thang điểm; số liệu áp dụng chưa kiểm chứng.")
        staff.locator("[data-test=decide]").click()
        staff.wait_for_url(re.compile(r"/quan-tri/khieu-nai$"))
        assert "Đã ghi quyết định" in staff.content()
        assert staff.locator("[data-test=complaint-row][data-status=rejected]").count() == 1
    finally:
        context.close()

    page.reload()
    decision = page.locator("[data-test=complaint-decision]")
    assert "số liệu áp dụng chưa kiểm chứng" in decision.inner_text()
    assert "Không được chấp nhận" in page.content()
    db.session.expire_all()
    assert db.session.query(Complaint).one().status == "rejected"
