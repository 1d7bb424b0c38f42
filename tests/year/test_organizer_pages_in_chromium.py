"""Issue 20, in real Chromium: the assignment matrix keeps its totals in sight, and a statistics chart opened on
its own is drawn in the site's colours under the site's Content-Security-Policy."""

from __future__ import annotations

import re

import pytest

from contest.extensions import db
from contest.models import Role, RoundStatus
from tests.factories import TEST_PASSWORD, make_entry, make_user
from tests.judges.helpers import contest_with_entries, first_round, judge

pytestmark = pytest.mark.browser


def _login(page, email):
    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def test_organizer_sees_each_judges_load_without_scrolling_the_matrix(page, live_server):
    edition, entries = contest_with_entries({"cntt": 30, "nong_nghiep": 20})
    for _ in range(4):
        judge(fields=["cntt", "nong_nghiep"])
    round_ = first_round(edition)
    round_.status = RoundStatus.OPEN.value
    organizer = make_user(Role.ORGANIZER)
    db.session.commit()

    page.set_viewport_size({"width": 1280, "height": 720})
    _login(page, organizer.email)
    page.goto(f"/quan-tri/phan-cong/vong/{round_.id}")
    box = page.locator(".assign-matrix-wrap")
    box.scroll_into_view_if_needed()
    frame = box.bounding_box()
    matrix = page.locator("[data-test=matrix]").bounding_box()
    assert matrix["height"] > frame["height"] + 200  # fifty entries: the box scrolls
    for row in (page.locator("[data-test=loads]"), page.locator("tfoot tr").last):
        seen = row.bounding_box()
        assert frame["y"] <= seen["y"] and seen["y"] + seen["height"] <= frame["y"] + frame["height"] + 1


def test_statistics_chart_opened_on_its_own_is_drawn_in_colour(page, live_server):
    edition, _ = contest_with_entries({"cntt": 2})
    owner = make_user(Role.APPLICANT)
    for code in ("cntt", "cntt", "nong_nghiep"):
        make_entry(owner, edition, status="submitted", category_code=code)
    organizer = make_user(Role.ORGANIZER)
    _login(page, organizer.email)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    report = page.goto(f"/quan-tri/cuoc-thi/{edition.id}/thong-ke").text()
    key = re.search(r"/thong-ke/([\w-]+)\.svg", report).group(1)
    response = page.goto(f"/quan-tri/cuoc-thi/{edition.id}/thong-ke/{key}.svg")
    assert response.status == 200 and "Content-Security-Policy" in {k.title() for k in response.headers}
    fills = page.evaluate("""() => Array.from(document.querySelectorAll('path, rect'))
        .map(e => getComputedStyle(e).fill)""")
    assert "rgb(27, 107, 74)" in fills  # the bars, in the site's green
    assert not violations
