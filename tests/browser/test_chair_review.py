"""In real Chromium: the organizer appoints a chair, the chair excludes an outlying sheet with a reason,
and the organizer's "why this rank" page shows the decision and the new rank."""

from __future__ import annotations

import re

import pytest

from contest.extensions import db
from tests.browser.pages import sign_in
from tests.reviews.helpers import flagged_result_set

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 40}


def test_chair_excludes_an_outlying_sheet_and_the_why_page_shows_it(page, live_server, app):
    rs, entries, judges, organizer = flagged_result_set()
    db.session.commit()
    chair, outlier, a = judges[0], judges[4], entries["A"]

    sign_in(page, organizer.email)
    page.goto(f"/quan-tri/ket-qua/vong/{rs.round_id}")
    page.locator("[data-test=chairs-link]").click()
    page.get_by_label("Hội đồng", exact=True).select_option(label="Hội đồng chung khảo của vòng")
    page.get_by_label("Chủ tịch hội đồng (giám khảo)").select_option(label=chair.full_name)
    page.get_by_role("button", name="Phân công").click()
    page.wait_for_load_state()
    assert chair.full_name in page.locator("[data-test=chairs]").inner_text()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()

    sign_in(page, chair.email)
    page.goto("/giam-khao/")
    page.locator("[data-test=chair-link] a").click()
    row = page.locator(f"[data-test=flagged-{a.id}]")
    assert "Chưa quyết định" in row.inner_text()
    row.get_by_role("link", name="Xem xét").click()
    page.get_by_label("Loại một phiếu chấm (ghi rõ lý do)").check()
    page.get_by_label("Phiếu chấm của giám khảo").select_option(value=str(outlier.id))
    page.get_by_label("Lý do", exact=True).fill("Giám khảo chấm nhầm tiêu chí hiệu quả kinh tế – xã hội")
    page.get_by_role("button", name="Ghi quyết định").click()
    page.wait_for_url(re.compile(r"/giam-khao/chu-tich$"))
    assert "Loại một phiếu chấm" in page.locator(f"[data-test=flagged-{a.id}]").inner_text()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()

    sign_in(page, organizer.email)
    page.goto(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{a.id}")
    decision = page.locator("[data-test=chair-decision]").inner_text()
    assert outlier.full_name in decision and "nhầm tiêu chí" in decision
    assert page.locator("[data-test=excluded-sheet]").count() == 1
    assert page.locator("[data-test=why-facts] dd").first.inner_text().startswith("1")
