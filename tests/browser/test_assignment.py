"""In real Chromium: an organizer runs the assignment for a round, previews the matrix, adjusts nothing,
publishes, and a judge then finds their entries on /giam-khao/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models import Assignment, Role, RoundStatus
from tests.browser.pages import sign_in
from tests.factories import make_user
from tests.judges.helpers import contest_with_entries, first_round, judge

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_organizer_runs_previews_publishes_and_judge_sees_list(page, browser, live_server, mailbox):
    edition, entries = contest_with_entries({"cntt": 3, "nong_nghiep": 3}, organization="HTX Chè La Bằng")
    panel = [judge(fields=["cntt"]) for _ in range(2)] + [judge(fields=["nong_nghiep"]) for _ in range(2)]
    conflicted = judge(fields=["cntt"], organization="HTX chè La Bằng")
    organizer = make_user(Role.ORGANIZER)
    round_ = first_round(edition)
    round_.status = RoundStatus.OPEN.value
    db.session.commit()

    organizer_context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    org = organizer_context.new_page()
    try:
        sign_in(org, organizer.email)
        org.goto("/quan-tri/phan-cong")
        org.locator(f"[data-test=round-{round_.id}]").click()
        org.wait_for_url(re.compile(rf".*/quan-tri/phan-cong/vong/{round_.id}$"))
        org.get_by_label("Số giám khảo mỗi bài").fill("2")
        org.locator("[data-test=run]").click()
        org.wait_for_load_state()
        assert "Đã tính phân công dự kiến: 12 cặp" in org.content()

        matrix = org.locator("[data-test=matrix]")
        for entry in entries:
            row = matrix.locator(f"[data-test=row-{entry.reference_code}]")
            assert row.locator("td.state-proposed").count() == 2
            assert row.locator("td.conflict").count() == 1  # the judge from the same cooperative
        assert "cận trên LP" in org.locator("[data-test=lp-bound]").inner_text()
        assert org.locator(f"[data-test=load-{conflicted.id}]").inner_text().startswith("0")

        # Picking a cell fills the adjust form (script), without submitting anything.
        cell = matrix.locator(f"[data-test=row-{entries[0].reference_code}] td.state-proposed").first
        cell.click()
        assert org.locator("#action").input_value() == "remove"
        assert org.locator("#entry_id").input_value() == str(entries[0].id)

        org.on("dialog", lambda dialog: dialog.accept())
        org.locator("[data-test=publish]").click()
        org.wait_for_load_state()
        assert "Đã công bố 12 phân công" in org.content()
        assert matrix.locator("td.state-active").count() == 12
    finally:
        organizer_context.close()

    assert len(mailbox) == 4  # each judge once
    first = panel[0]
    mine = db.session.scalars(select(Assignment).where(Assignment.judge_id == first.id)).all()
    assert mine
    sign_in(page, first.email)
    page.goto("/giam-khao/")
    body = page.locator("main").inner_text()
    for assignment in mine:
        assert assignment.entry.reference_code in body
    others = {e.reference_code for e in entries} - {a.entry.reference_code for a in mine}
    for code in others:
        assert code not in body


def test_judge_updates_profile_on_a_phone(phone_page, live_server):
    contest_with_entries({"cntt": 1})
    me = judge(fields=["cntt"], max_load=10)
    sign_in(phone_page, me.email)
    phone_page.goto("/giam-khao/ho-so")
    phone_page.get_by_label("Đơn vị công tác").fill("Trường Đại học Nông Lâm Thái Nguyên")
    phone_page.get_by_label("Số bài tối đa có thể chấm trong một vòng").fill("6")
    phone_page.get_by_role("button", name="Lưu hồ sơ").click()
    phone_page.wait_for_load_state()
    assert "Đã lưu hồ sơ giám khảo" in phone_page.content()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing forces sideways scrolling on a phone
    db.session.expire_all()
    profile = db.session.get(type(me), me.id).judge_profile
    # The new organization waits for the organizers; until then the recorded one stays.
    assert profile.max_load == 6 and profile.organization is None
    expect(phone_page.locator("[data-test=pending-organization]")).to_contain_text("Nông Lâm Thái Nguyên")
