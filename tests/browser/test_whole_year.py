"""In real Chromium, through the pages alone: the demo's 2025 year, from round 1 being scored to final results.

The demo starts mid-year: round 1 is open with its assignment published, the judges hold their
entries (some sheets submitted, some drafts, some untouched) and the public vote is open.  From
there the organizer, three judges, a voter, two committee members and an applicant finish the
year using only the pages.  Nothing touches the database or a command between steps; the voter's
code is read from the mail the app sends.  Every page the browser receives must answer without a
server error, and no page may show a raw key: a status value, a snake_case code, a dotted event
key (``entry.advanced``) or an English sentence on the Vietnamese interface.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from contest.demo import DEMO_PASSWORD, seed_demo
from contest.extensions import db

pytestmark = pytest.mark.browser

# The demo's judges with the least work done: each still has every round-1 sheet to submit.
JUDGES = ["gk.giaoduc@demo.vn", "gk.cokhi@demo.vn", "gk.nangluong@demo.vn"]
COMMITTEE = ["hd.truongban@demo.vn", "hd.phoban@demo.vn"]
APPLICANTS = ["tacgia@demo.vn", "nhom.sv@demo.vn", "doanhnghiep@demo.vn", "hoptacxa@demo.vn"]
VOTER = "nguoi.dan.dai.tu@gmail.com"

# Values of the platform's states and codes: on a Vietnamese page they mean a label was not translated.
# A snake_case word followed by a file extension is a file's name (``thuyet_minh.pdf``), not a code.
RAW_KEY = re.compile(r"\b(draft|submitted|eligible|ineligible|advanced|eliminated|awarded|withdrawn|computed|frozen"
                     r"|published|finalized|superseded|in_round|full_panel|calibrated|zscore|[a-z]+_[a-z_]+)\b"
                     r"(?!\.(pdf|docx?|xlsx|zip|png|jpe?g)\b)")
# Audit event keys (``entry.advanced``, ``score_sheet.submitted``), as in the applicant timeline test.
RAW_EVENT = re.compile(r"\b(entry|edition|personal_data|results?|complaint|certificate|round|score_sheet|vote"
                       r"|award|assignment|approval)\.[a-z_]+\b")
# Words no Vietnamese sentence uses: a message left in English (an unwrapped string or an engine warning).
ENGLISH = re.compile(r"\b(the|and|is|are|not|with|from|this|that|has|have|been|was|cannot|must|should|please"
                     r"|no longer|already)\b")


@pytest.fixture
def app_config():
    # Real forms with CSRF; a light stability bootstrap and proof of work keep the walk quick.
    return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 40, "VOTE_POW_BITS": 8}


@pytest.fixture
def demo(app):
    """The demo as `make run` seeds it, before the server starts."""
    seed_demo()
    db.session.commit()


class Watch:
    """Fails the test on any 5xx answer, any script error and raw keys in any page the browser shows."""

    def __init__(self) -> None:
        self.server_errors: list[str] = []
        self.script_errors: list[str] = []
        self.raw_keys: list[str] = []
        self.pages_read = 0

    def attach(self, page) -> None:
        page.on("response", lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        page.on("load", lambda p: self.check(p))
        page.on("pageerror", lambda error: self.script_errors.append(f"{error} on {page.url}"))

    def check(self, page) -> None:
        try:
            text = page.locator("main").inner_text(timeout=5_000)
        except Exception:  # a download or a page already left: nothing to read
            return
        self.pages_read += 1
        for pattern in (RAW_KEY, RAW_EVENT, ENGLISH):
            for found in pattern.finditer(text):
                self.raw_keys.append(f"{found.group(0)!r} on {re.sub(r'[0-9]+', 'N', urlsplit(page.url).path)}")

    def assert_clean(self) -> None:
        assert self.pages_read > 30, "pages were not read: the raw-key check did not run"
        assert self.server_errors == [], self.server_errors
        assert self.script_errors == [], self.script_errors
        assert self.raw_keys == [], "\n".join(sorted(set(self.raw_keys)))


def _session(browser, live_server, watch: Watch, email: str | None):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch.attach(page)
    page.on("dialog", lambda dialog: dialog.accept())
    if email is not None:
        page.goto("/tai-khoan/dang-nhap")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()
    return context, page


def _main(page) -> str:
    return page.locator("main").inner_text()


def _follow_step(page, code: str) -> None:
    """Follow the dashboard's next step ``code``; a missing step fails with what the panel says instead."""
    page.goto("/quan-tri/")
    link = page.locator(f"[data-test=next-steps] [data-test=step-{code}]")
    assert link.count() == 1, page.locator("[data-test=next-steps]").inner_text()
    link.click()
    page.wait_for_load_state()


def _take_step(page, code: str, *, button: str | None = None, control: str | None = None) -> None:
    """Follow the dashboard's next step ``code`` and press its ``button`` (by name) or ``control`` (a selector)."""
    _follow_step(page, code)
    (page.get_by_role("button", name=button) if button else page.locator(control)).click()
    page.wait_for_load_state()


def _fill_sheet(page, values: list[float]) -> None:
    for i, value in enumerate(values):
        page.locator("[data-criterion]").nth(i).fill(f"{value:g}")


def _score_all(page, *, half_first: bool) -> int:
    """The judge scores every sheet not yet submitted on their list; with ``half_first`` the first one is
    half-filled, left to autosave as a draft, reloaded and checked before it is completed."""
    page.goto("/giam-khao/")
    links = page.locator("[data-test^=open-]")
    codes = [links.nth(i).get_attribute("data-test") for i in range(links.count())
             if links.nth(i).inner_text().strip() != "Xem"]
    for n, code in enumerate(codes):
        page.locator(f"[data-test={code}]").click()  # each submitted sheet leads back to the list
        page.wait_for_load_state()
        inputs = page.locator("[data-criterion]")
        maxima = [float(inputs.nth(i).get_attribute("data-max")) for i in range(inputs.count())]
        values = [round(m * (0.62 + 0.05 * ((3 * n + i + len(code)) % 7)) * 2) / 2 for i, m in enumerate(maxima)]
        if half_first and n == 0:
            half = values[: len(values) // 2 or 1]
            _fill_sheet(page, half)
            # The running total shows the points earned so far, not a total rescaled over the filled criteria.
            expect(page.locator("[data-test=total]")).to_have_text(f"{sum(half):.2f}".replace(".", ","))
            expect(page.locator("[data-test=save-state]")).to_contain_text("Đã lưu", timeout=15_000)
            page.reload()
            kept = [page.locator("[data-criterion]").nth(i).input_value() for i in range(len(values))]
            assert [float(v) for v in kept[: len(half)]] == half and set(kept[len(half):]) == {""}
            expect(page.locator("[data-test=total]")).to_have_text(f"{sum(half):.2f}".replace(".", ","))
            page.goto("/giam-khao/")
            expect(page.locator(f"tr:has([data-test={code}])")).to_contain_text("Đang chấm (nháp)")
            page.locator(f"[data-test={code}]").click()
        _fill_sheet(page, values)
        page.locator("#comment_to_applicant").fill(f"Nhận xét của giám khảo: bài {code[5:]} trình bày rõ ràng.")
        page.locator("[data-test=submit-sheet]").click()
        page.wait_for_url(re.compile(r"/giam-khao/$"))
        expect(page.locator("main")).to_contain_text("Đã nộp phiếu chấm bài")
    return len(codes)


def _judges_score(browser, live_server, watch: Watch, *, half_first: bool) -> int:
    scored = 0
    for index, email in enumerate(JUDGES):
        context, judge = _session(browser, live_server, watch, email)
        scored += _score_all(judge, half_first=half_first and index == 0)
        context.close()
    return scored


def _vote(browser, live_server, watch: Watch, mailbox) -> str:
    """A resident votes on the open ballot, proving their email with the code the app mails them."""
    context, page = _session(browser, live_server, watch, None)
    page.goto("/binh-chon")  # one vote open: the ballot itself
    line = page.locator("[data-test=ballot-line]").first
    title = line.locator(".vote-title a").inner_text()
    line.locator(".vote-title a").click()
    page.wait_for_load_state()
    page.locator("[data-test=vote-button]").click()
    page.get_by_label("Email của bạn").fill(VOTER)
    page.locator("[data-test=send-code]").click()
    page.wait_for_url(re.compile(r"/xac-minh/ma"))
    sent = [m for m in mailbox if m.recipients == [VOTER]]
    assert len(sent) == 1
    page.get_by_label("Mã xác minh (6 chữ số)").fill(re.search(r"^\s+(\d{6})\s*$", sent[0].body, re.M).group(1))
    page.locator("[data-test=verify-code]").click()
    page.wait_for_load_state()
    page.locator("[data-test=vote-button]").click()
    page.locator("[data-test=voted]").wait_for()
    assert f"Phiếu bình chọn cho “{title}” đã được ghi nhận" in _main(page)
    context.close()
    return title


def test_whole_year_from_the_demo_mid_round_one_to_final_results_through_the_pages(
        browser, demo, live_server, mailbox):
    watch = Watch()

    # Round 1 is being scored: the dashboard says only that it waits for the judges.
    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    org.goto("/quan-tri/")
    steps = org.locator("[data-test=next-steps]")
    expect(steps).to_contain_text("Khi giám khảo chấm xong, đóng Vòng sơ khảo")
    assert org.locator("[data-test=next-steps] li.blocking[data-step^=starts]").count() == 0
    context.close()

    # A resident votes while the vote is open.
    _vote(browser, live_server, watch, mailbox)

    # Three judges finish their sheets; the first sheet is half-filled, reloaded, then completed.
    assert _judges_score(browser, live_server, watch, half_first=True) >= 6

    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _take_step(org, "close_round", button="Đóng vòng và tính kết quả")
    expect(org.locator("main")).to_contain_text("Đã đóng Vòng sơ khảo")
    expect(org.locator("[data-test=ranking]")).to_be_visible()
    # The result sets kept at closing open from the results page.
    org.goto("/quan-tri/ket-qua")
    for href in [a.get_attribute("href") for a in org.locator("main a[href*='/quan-tri/ket-qua/bo/']").all()][:4]:
        org.goto(href)

    # Advancement: the best entry of each field goes on to the final (one field has two: one stops here).
    _follow_step(org, "advance")
    org.locator("input[name=rule][value=top_n]").check()
    org.get_by_label("Số bài mỗi lĩnh vực (N)").fill("1")
    org.get_by_role("button", name="Áp dụng").click()
    org.wait_for_load_state()

    # The final round: assign, publish, start now.
    _take_step(org, "assign", control="[data-test=run]")
    expect(org.locator("main")).to_contain_text("Đã tính phân công dự kiến")
    org.locator("[data-test=publish]").click()
    org.wait_for_load_state()
    _take_step(org, "open_round", button="Mở và bắt đầu chấm ngay")
    expect(org.locator("main")).to_contain_text("Đã mở chấm Vòng chung khảo")
    assert org.locator("[data-test=round-warning]").count() == 0
    context.close()

    assert _judges_score(browser, live_server, watch, half_first=False) > 0

    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _take_step(org, "close_round", button="Đóng vòng và tính kết quả")
    ranking = org.locator("[data-test=ranking]")
    expect(ranking).to_be_visible()
    assert "Điều kiện vào vòng sau" not in ranking.inner_text()

    # The vote still open blocks the awards: close it now and freeze its tally.
    _take_step(org, "vote_open", button="Đóng bình chọn ngay")
    _take_step(org, "vote_freeze", button="Chốt kết quả bình chọn")

    # Awards: compute, review and freeze, send for approval.
    _take_step(org, "compute", control="[data-test=compute]")
    expect(org.locator("main")).to_contain_text("Đã tính và lưu bảng kết quả")
    # The vote frozen a moment ago, held while round 1 was scored, adds its points to the award list.
    expect(org.locator("main")).not_to_contain_text("kết quả bình chọn chưa được chốt")
    assert org.locator("main th", has_text="Bình chọn").count() >= 1
    _take_step(org, "freeze", button="Chốt kết quả")
    _take_step(org, "send", button="Gửi các thành viên Ban tổ chức phê duyệt")
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps] li[data-step=approvals].blocking")).to_contain_text("chờ phê duyệt")
    context.close()

    # Two of the three committee members approve every award (⌈2/3 × 3⌉ = 2).
    for email in COMMITTEE:
        member_context, member = _session(browser, live_server, watch, email)
        member.goto("/quan-tri/hoi-dong")
        member.locator("[data-test=approval-list]").get_by_role("link").first.click()
        member.wait_for_load_state()
        cards = member.locator("[data-test=award]")
        awards = [cards.nth(i).get_attribute("data-award") for i in range(cards.count())]
        assert awards
        for award in awards:
            card = member.locator(f"[data-award='{award}']")
            card.get_by_label("Phê duyệt", exact=True).check()
            card.locator("[data-test=decide]").click()
            member.wait_for_load_state()
            expect(member.locator("main")).to_contain_text("Đã ghi nhận quyết định của ông/bà")
        member_context.close()

    # Publish without a complaint period, then finalize.
    context, org = _session(browser, live_server, watch, "btc@demo.vn")
    _take_step(org, "publish", control="[data-test=publish]")
    org.get_by_role("button", name="Hoàn tất kết quả").click()
    org.wait_for_load_state()
    org.goto("/quan-tri/")
    expect(org.locator("[data-test=next-steps]")).to_contain_text("kết quả đã là chính thức")
    org.goto("/")
    expect(org.locator("[data-test=phase]").first).to_have_text("Đã có kết quả chính thức")
    assert org.locator("[data-test=results-link]").count() >= 1
    context.close()

    # Each demo applicant finds the result and the judges' comments from their own entry page: this year's
    # prize winners, finalists without a prize and the entry that stopped in round 1 alike.
    outcomes: dict[str, str] = {}
    for email in APPLICANTS:
        applicant_context, applicant = _session(browser, live_server, watch, email)
        applicant.goto("/bai-du-thi/")
        table = applicant.locator("[data-test=my-entries] tbody tr td:first-child a")
        hrefs = [table.nth(i).get_attribute("href") for i in range(table.count())]
        for href in hrefs:
            applicant.goto(href)
            if applicant.locator("[data-test=status]").inner_text() in ("Bản nháp", "Đã rút", "Không hợp lệ", "Đã nộp"):
                continue
            link = applicant.locator("[data-test=my-result-link]")
            assert link.count() == 1, f"{href} does not link its result"
            link.click()
            applicant.wait_for_load_state()
            result = applicant.locator("[data-test=my-result]")
            expect(result).to_be_visible()
            code = re.search(r"TN\d{4}-\d{4}", _main(applicant)).group(0)
            if code.startswith("TN2025"):
                # Every entry of this year was scored by at least one of the walk's judges.
                comments = applicant.locator("[data-test=comment]").filter(has_text=f"bài {code} trình bày rõ ràng")
                assert comments.count() > 0, f"{code}: the judges' comments are missing"
            outcomes[code] = result.inner_text()
        applicant_context.close()
    this_year = {code: text for code, text in outcomes.items() if code.startswith("TN2025")}
    assert len(this_year) == 6, outcomes  # the six eligible entries of 2025
    assert any("Giải Nhất" in text for text in this_year.values()), this_year
    assert any("Không đoạt giải" in text for text in this_year.values()), this_year
    assert any("Dừng ở Vòng sơ khảo" in text for text in this_year.values()), this_year
    watch.assert_clean()
