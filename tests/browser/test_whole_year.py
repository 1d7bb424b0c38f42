"""In real Chromium, through the pages alone: the demo edition's year, driven by its organizer and judges.

Nothing touches the database or a command between steps; every page visited must answer without a
server error and show no raw, untranslated key (a status value or a snake_case code).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contest.demo import DEMO_PASSWORD, seed_demo
from contest.extensions import db

pytestmark = pytest.mark.browser

JUDGES = ["gk.cntt@demo.vn", "gk.cokhi@demo.vn", "gk.nongnghiep@demo.vn", "gk.yduoc@demo.vn",
          "gk.giaoduc@demo.vn", "gk.nangluong@demo.vn"]
# Values of the platform's states and codes: on a Vietnamese page they mean a label was not translated.
RAW_KEY = re.compile(r"\b(draft|submitted|eligible|ineligible|advanced|eliminated|awarded|withdrawn|computed|frozen"
                     r"|published|finalized|superseded|in_round|full_panel|[a-z]+_[a-z_]+)\b")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 40}


class Watch:
    """Fails the test on any 5xx answer and on raw keys in any page the browser shows."""

    def __init__(self) -> None:
        self.server_errors: list[str] = []
        self.raw_keys: list[str] = []
        self.pages_read = 0

    def attach(self, page) -> None:
        page.on("response", lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        page.on("load", lambda p: self.check(p))

    def check(self, page) -> None:
        try:
            text = page.locator("main").inner_text(timeout=5_000)
        except Exception:
            return
        self.pages_read += 1
        for found in RAW_KEY.findall(text):
            self.raw_keys.append(f"{found!r} on {page.url}")

    def assert_clean(self) -> None:
        assert self.pages_read > 10, "pages were not read: the raw-key check did not run"
        assert self.server_errors == [], self.server_errors
        assert self.raw_keys == [], self.raw_keys


def _session(browser, live_server, watch: Watch, email: str):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch.attach(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return context, page


def _follow_step(page, code: str) -> None:
    """Follow the dashboard's next step ``code``; a missing step fails with what the panel says instead."""
    page.goto("/quan-tri/")
    link = page.locator(f"[data-test=step-{code}]")
    assert link.count() == 1, page.locator("[data-test=next-steps]").inner_text()
    link.click()
    page.wait_for_load_state()


def _score_all(page, watch: Watch, *, half_first: bool) -> int:
    """The judge scores every entry on their list; the first sheet is half-filled and reloaded first."""
    page.goto("/giam-khao/")
    links = page.locator("[data-test^=open-]")
    codes = [links.nth(i).get_attribute("data-test") for i in range(links.count())]
    for n, code in enumerate(codes):
        page.goto("/giam-khao/")
        page.locator(f"[data-test={code}]").click()
        page.wait_for_load_state()
        inputs = page.locator("[data-criterion]")
        maxima = [float(inputs.nth(i).get_attribute("data-max")) for i in range(inputs.count())]
        values = [round(m * (0.72 + 0.04 * ((n + i) % 6)) * 2) / 2 for i, m in enumerate(maxima)]
        if half_first and n == 0:
            inputs.nth(0).fill(f"{values[0]:g}")
            # The running total shows the points earned so far, not a total rescaled over one criterion.
            expect(page.locator("[data-test=total]")).to_have_text(f"{values[0]:.2f}".replace(".", ","))
            expect(page.locator("[data-test=save-state]")).to_contain_text("Đã lưu", timeout=15_000)
            page.reload()
            assert float(page.locator("[data-criterion]").nth(0).input_value()) == values[0]
            expect(page.locator("[data-test=total]")).to_have_text(f"{values[0]:.2f}".replace(".", ","))
        for i, value in enumerate(values):
            page.locator("[data-criterion]").nth(i).fill(f"{value:g}")
        page.locator("#comment_to_applicant").fill(f"Nhận xét của giám khảo cho bài {code[5:]}")
        page.locator("[data-test=submit-sheet]").click()
        page.wait_for_load_state()
    return len(codes)


@pytest.mark.skip(reason="written for the demo whose first round had not started; the demo now starts mid-year "
                         "(round 1 assigned and being scored, a finished 2024 edition beside it), so the walk must "
                         "begin from that state")
def test_whole_year_through_the_pages_from_demo_to_published_results(browser, live_server, mailbox):
    seed_demo()
    db.session.commit()
    watch = Watch()

    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    # The dashboard says what comes next: assign round 1, then open it.
    org.goto("/quan-tri/")
    steps = org.locator("[data-test=next-steps]")
    expect(steps).to_contain_text("Phân công giám khảo cho Vòng sơ khảo")
    steps.locator("[data-test=step-assign]").click()
    org.wait_for_load_state()
    org.get_by_label("Số giám khảo mỗi bài").fill("3")
    org.locator("[data-test=run]").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã tính phân công dự kiến")
    org.locator("[data-test=publish]").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã công bố")

    # Its scoring start lies a month ahead: the round page offers to start now.
    _follow_step(org, "open_round")
    org.get_by_role("button", name="Mở và bắt đầu chấm ngay").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã mở chấm")
    assert org.locator("[data-test=round-warning]").count() == 0
    context.close()

    scored = 0
    for index, email in enumerate(JUDGES[:3]):
        judge_context, judge = _session(browser, live_server, watch, email)
        scored += _score_all(judge, watch, half_first=index == 0)
        judge_context.close()
    assert scored > 0

    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _follow_step(org, "close_round")
    org.get_by_role("button", name="Đóng vòng và tính kết quả").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã đóng Vòng sơ khảo")
    expect(org.locator("[data-test=ranking]")).to_be_visible()
    # The result set kept at closing opens (it used to fail with KeyError 'rows').
    org.goto("/quan-tri/ket-qua")
    org.wait_for_load_state()
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps]")).to_contain_text("Xét các bài vào Vòng chung khảo")

    # Advancement: the best two of each field go on to the final.
    org.locator("[data-test=step-advance]").click()
    org.wait_for_load_state()
    org.locator("input[name=rule][value=top_n]").check()
    org.get_by_label("Số bài mỗi lĩnh vực (N)").fill("2")
    org.get_by_role("button", name="Áp dụng").click()
    org.wait_for_load_state()

    # The final round: assign the whole panel, publish, start now.
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps]")).to_contain_text("Phân công giám khảo cho Vòng chung khảo")
    org.locator("[data-test=step-assign]").click()
    org.wait_for_load_state()
    org.locator("[data-test=run]").click()
    org.wait_for_load_state()
    org.locator("[data-test=publish]").click()
    org.wait_for_load_state()
    _follow_step(org, "open_round")
    org.get_by_role("button", name="Mở và bắt đầu chấm ngay").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã mở chấm Vòng chung khảo")
    context.close()

    for email in JUDGES[:3]:
        judge_context, judge = _session(browser, live_server, watch, email)
        _score_all(judge, watch, half_first=False)
        judge_context.close()

    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _follow_step(org, "close_round")
    org.get_by_role("button", name="Đóng vòng và tính kết quả").click()
    org.wait_for_load_state()
    ranking = org.locator("[data-test=ranking]")
    expect(ranking).to_be_visible()
    assert "Điều kiện vào vòng sau" not in ranking.inner_text()

    # Awards: compute, review and freeze, send for approval.
    _follow_step(org, "compute")
    org.locator("[data-test=compute]").click()
    org.wait_for_load_state()
    expect(org.locator("main")).to_contain_text("Đã tính và lưu bảng kết quả")
    _follow_step(org, "freeze")
    org.get_by_role("button", name="Chốt kết quả").click()
    org.wait_for_load_state()
    _follow_step(org, "send")
    org.get_by_role("button", name="Gửi các thành viên Ban tổ chức phê duyệt").click()
    org.wait_for_load_state()
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps] li[data-step=approvals].blocking")).to_contain_text("chờ phê duyệt")
    context.close()

    # Two of the three committee members approve every award (⌈2/3 × 3⌉ = 2).
    for email in ("hd.truongban@demo.vn", "hd.phoban@demo.vn"):
        member_context, member = _session(browser, live_server, watch, email)
        member.goto("/quan-tri/hoi-dong")
        member.locator("main h3 a").first.click()
        member.wait_for_load_state()
        forms = member.locator("form.decision-form")
        for i in range(forms.count()):
            form = member.locator("form.decision-form").nth(i)
            form.locator("input[value=approve]").check()
            form.locator("[data-test=decide]").click()
            member.wait_for_load_state()
        member_context.close()

    # Publish without a complaint period, then finalize.
    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _follow_step(org, "publish")
    org.locator("[data-test=publish]").click()
    org.wait_for_load_state()
    org.get_by_role("button", name="Hoàn tất kết quả").click()
    org.wait_for_load_state()
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps]")).to_contain_text("kết quả đã là chính thức")
    org.goto("/")
    expect(org.locator("[data-test=phase]")).to_have_text("Đã có kết quả chính thức")
    assert org.locator("[data-test=results-link]").count() == 1
    context.close()

    # Each demo applicant finds the result and the judges' comments from their own entry page.
    comments_seen = 0
    for email in ("tacgia@demo.vn", "nhom.sv@demo.vn", "doanhnghiep@demo.vn", "hoptacxa@demo.vn"):
        applicant_context, applicant = _session(browser, live_server, watch, email)
        applicant.goto("/bai-du-thi/")
        table = applicant.locator("[data-test=my-entries] tbody tr td:first-child a")
        hrefs = [table.nth(i).get_attribute("href") for i in range(table.count())]
        for href in hrefs:
            applicant.goto(href)
            link = applicant.locator("[data-test=my-result-link]")
            if applicant.locator("[data-test=status]").inner_text() in ("Bản nháp", "Đã rút", "Không hợp lệ", "Đã nộp"):
                continue
            assert link.count() == 1, f"{href} does not link its result"
            link.click()
            applicant.wait_for_load_state()
            expect(applicant.locator("[data-test=my-result]")).to_be_visible()
            comments_seen += applicant.locator("[data-test=comment]").count()
        applicant_context.close()
    assert comments_seen > 0
    watch.assert_clean()
