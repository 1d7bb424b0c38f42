"""In real Chromium: a judge fills half a sheet, reloads (the autosaved draft is kept), finishes and submits;
the organizer's progress page changes.  And a final-round sheet on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditEvent, ScoreSheet, SheetStatus
from tests.browser.pages import sign_in
from tests.scoring.helpers import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _criterion_id(world, key):
    return next(c.id for c in world.round.criteria if c.key == key)


def test_judge_autosaves_half_a_sheet_reloads_submits_and_organizer_sees_progress(page, browser, live_server):
    world = build_world(judges=2, entries=1)
    judge, entry = world.judges[0], world.entries[0]
    doi_moi, hieu_qua, ap_dung = (_criterion_id(world, k) for k in ("doi_moi", "hieu_qua", "ap_dung"))

    organizer_context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    organizer = organizer_context.new_page()
    try:
        sign_in(organizer, world.organizer.email)
        organizer.goto(f"/quan-tri/vong-cham/{world.round.id}")
        assert "Đã nộp 0/2 phiếu" in organizer.locator("[data-test=round-progress]").inner_text()

        sign_in(page, judge.email)
        page.goto("/giam-khao/")
        assert "Đã nộp 0/1 phiếu" in page.locator("[data-test=progress]").inner_text()
        page.locator(f"[data-test=open-{entry.reference_code}]").click()
        page.wait_for_load_state()
        page.fill(f"#score-{doi_moi}", "15")
        page.fill(f"#score-{hieu_qua}", "22.5")
        page.fill(f"#comment-{doi_moi}", "Cách làm mới, chưa thấy công bố")
        # Live total on the 80-point scale: the points earned so far, a blank criterion adds nothing yet.
        assert page.locator("[data-test=total]").inner_text() == "37,50"
        expect(page.locator("[data-test=save-state]")).to_contain_text("Đã lưu", timeout=15_000)
        page.reload()
        assert page.input_value(f"#score-{doi_moi}") == "15"
        assert page.input_value(f"#score-{hieu_qua}") == "22.5"
        assert page.input_value(f"#comment-{doi_moi}") == "Cách làm mới, chưa thấy công bố"
        assert page.input_value(f"#score-{ap_dung}") == ""
        assert page.locator("[data-test=total]").inner_text() == "37,50"

        # An invalid value is shown next to its field by the autosave and nothing is stored.
        page.fill(f"#score-{ap_dung}", "31")
        expect(page.locator(f"[data-error-for=score-{ap_dung}]")).to_contain_text("phải từ 0 đến 30")
        page.fill(f"#score-{ap_dung}", "24")
        assert page.locator("[data-test=total]").inner_text() == "61,50"
        page.on("dialog", lambda dialog: dialog.accept())
        page.locator("[data-test=submit-sheet]").click()
        page.wait_for_url(re.compile(r".*/giam-khao/$"))
        assert "Đã nộp phiếu chấm bài" in page.content()
        assert "Đã nộp 1/1 phiếu" in page.locator("[data-test=progress]").inner_text()

        organizer.reload()
        assert "Đã nộp 1/2 phiếu" in organizer.locator("[data-test=round-progress]").inner_text()
    finally:
        organizer_context.close()

    sheet = db.session.scalar(select(ScoreSheet))
    assert sheet.status == SheetStatus.SUBMITTED.value
    assert sorted(float(s.value) for s in sheet.scores) == [15.0, 22.5, 24.0]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "score_sheet.submitted")) is not None


def test_final_round_sheet_is_quick_on_a_phone(phone_page, live_server):
    world = build_world(judges=1, entries=1)
    from contest.models import RoundStatus

    # The final (full panel, pitching day) round open with the same judge and entry.
    final = world.final
    final.status = RoundStatus.OPEN.value
    first = world.round
    first.status = RoundStatus.CLOSED.value
    for a in world.assignments.values():
        a.round_id = final.id
    db.session.commit()
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, world.judges[0].email)
    page.goto("/giam-khao/")
    page.locator(f"[data-test=open-{world.entries[0].reference_code}]").click()
    page.wait_for_load_state()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the sheet scrolls sideways on a phone by {overflow}px"
    # On pitching day the sheet comes before the dossier.
    sheet_top = page.locator("#sheet-h").bounding_box()["y"]
    assert sheet_top < page.locator("#dossier-h").bounding_box()["y"]
    for criterion, value in zip(final.criteria, ("18", "25", "27.5")):
        box = page.locator(f"#score-{criterion.id}").bounding_box()
        assert box["width"] >= 200 and box["height"] >= 40  # thumb-sized fields
        page.fill(f"#score-{criterion.id}", value)
    assert page.locator("[data-test=total]").inner_text() == "70,50"
    page.locator("[data-test=submit-sheet]").click()
    page.wait_for_url(re.compile(r".*/giam-khao/$"))
    assert db.session.scalar(select(ScoreSheet)).status == SheetStatus.SUBMITTED.value


def test_draft_survives_a_network_flicker_and_leaving_the_page_at_once(page):
    world = build_world(judges=1, entries=1)
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    doi_moi, hieu_qua = (_criterion_id(world, k) for k in ("doi_moi", "hieu_qua"))
    sign_in(page, judge.email)
    page.goto(f"/giam-khao/cham/{a.id}")

    # The network drops: the change is kept, the judge is told, and it is saved when the network returns.
    page.context.set_offline(True)
    page.fill(f"#score-{doi_moi}", "16.5")
    expect(page.locator("[data-test=save-state]")).to_contain_text("mất kết nối", timeout=15_000)
    page.context.set_offline(False)
    expect(page.locator("[data-test=save-state]")).to_contain_text("Đã lưu", timeout=20_000)

    # Typing and leaving at once (before the autosave delay): the page sends the draft as it goes.
    page.fill(f"#score-{hieu_qua}", "27")
    page.goto("/giam-khao/")
    for _attempt in range(20):
        db.session.expire_all()
        sheet = db.session.scalar(select(ScoreSheet))
        if sheet is not None and sheet.score_for(hieu_qua) is not None and sheet.score_for(hieu_qua).value is not None:
            break
        page.wait_for_timeout(250)
    assert float(sheet.score_for(doi_moi).value) == 16.5
    assert float(sheet.score_for(hieu_qua).value) == 27.0
    page.goto(f"/giam-khao/cham/{a.id}")
    assert page.input_value(f"#score-{hieu_qua}") == "27"


def test_two_tabs_never_overwrite_newer_work_silently(page):
    world = build_world(judges=1, entries=1)
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    doi_moi = _criterion_id(world, "doi_moi")
    sign_in(page, judge.email)
    page.goto(f"/giam-khao/cham/{a.id}")
    other = page.context.new_page()
    other.goto(f"/giam-khao/cham/{a.id}")
    page.fill(f"#score-{doi_moi}", "12")
    expect(page.locator("[data-test=save-state]")).to_contain_text("Đã lưu", timeout=15_000)
    other.fill(f"#score-{doi_moi}", "3")
    expect(other.locator("[data-test=save-state]")).to_contain_text("mới hơn", timeout=15_000)
    db.session.expire_all()
    assert float(db.session.scalar(select(ScoreSheet)).score_for(doi_moi).value) == 12.0
