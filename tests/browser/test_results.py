"""In real Chromium: an organizer computes, switches method, overrides, freezes and publishes; the
public reads the list on a phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import ResultSet, ResultStatus, Role
from tests.factories import TEST_PASSWORD, make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 40}


def _order(page, entries) -> list[str]:
    label = {str(e.id): k for k, e in entries.items()}
    rows = page.locator("[data-test=ranking] tbody tr")
    return [label[rows.nth(i).get_attribute("data-entry")] for i in range(rows.count())]


def test_compute_to_public_page(page, phone_page, live_server, app):
    titles = {k: f"Giải pháp {k}: bếp đun trấu tiết kiệm" for k in LENIENT}
    edition, round_, entries, judges = scored_contest(LENIENT, titles=titles)
    for level in edition.award_levels:
        level.min_score = Decimal("60")
    db.session.commit()
    make_user(Role.ORGANIZER, email="btc@example.vn", full_name="Ban tổ chức Sở KH&CN")
    members = committee(edition, 3)

    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill("btc@example.vn")
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()

    page.goto(f"/quan-tri/ket-qua/vong/{round_.id}")
    calibrated = _order(page, entries)
    assert calibrated.index("B") < calibrated.index("C")
    page.locator("#method").select_option("raw")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"method=raw"))
    raw = _order(page, entries)
    assert raw.index("C") < raw.index("B")
    assert page.locator(".row-tie").count() == 2  # A and C tie for one Giải Nhất

    page.locator("#method").select_option("calibrated")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"method=calibrated"))
    page.locator("[data-test=compute]").click()
    page.wait_for_url(re.compile(r"/quan-tri/ket-qua/bo/\d+$"))
    assert "Đã tính và lưu bảng kết quả" in page.content()
    rs = db.session.query(ResultSet).one()
    assert rs.input_hash in page.locator("[data-test=input-hash]").inner_text()

    # The council moves C from Giải Nhì to Giải Ba, with its reason.
    row = page.locator(f"[data-test=override-{entries['C'].id}]")
    page.locator(f"#award-{next(a.id for a in rs.awards if a.entry_id == entries['C'].id)} summary").click()
    row.get_by_label("Mức giải").select_option(label="Giải Ba")
    row.get_by_label("Lý do điều chỉnh").fill("Hội đồng đánh giá lại khả năng áp dụng")
    row.get_by_role("button", name="Lưu điều chỉnh").click()
    page.wait_for_load_state()
    assert "Đã điều chỉnh mức giải" in page.content()

    page.locator("[data-test=recompute]").click()
    page.wait_for_load_state()
    assert page.locator(".recompute-ok").is_visible()

    page.get_by_role("button", name="Chốt kết quả").click()
    page.wait_for_load_state()
    assert "Đã chốt kết quả" in page.content()

    # The edition still takes entries: the page says publishing ends the call, and asks before doing it.
    assert page.locator("[data-test=submission-open-warning]").is_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label(re.compile("Hạn khiếu nại")).fill("2099-12-31T17:00")
    page.locator("[data-test=publish]").click()
    page.wait_for_load_state()
    assert "Chưa thể công bố" in page.content()  # the committee has not approved yet

    db.session.expire_all()
    approve_all(db.session.get(ResultSet, rs.id), members)
    page.get_by_label(re.compile("Hạn khiếu nại")).fill("2099-12-31T17:00")
    page.locator("[data-test=publish]").click()
    page.wait_for_load_state()
    assert "Đã công bố kết quả" in page.content()
    db.session.expire_all()
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.PUBLISHED

    phone_page.goto("/ket-qua")
    body = phone_page.content()
    assert "Kết quả cuộc thi" in body and "31/12/2099 17:00" in body
    winners = {k for k, e in entries.items() if e.title in body}
    assert winners == {"A", "B", "C", "D"}  # E and F fall below 60 points and are not listed
    assert not phone_page.locator(".public-results thead").is_visible()  # cards on a phone
    card = phone_page.locator(f"tr[data-entry='{entries['C'].id}']")
    assert "Giải Ba" in card.inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing overflows the 390 px screen
