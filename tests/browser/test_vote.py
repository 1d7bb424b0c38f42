"""In real Chromium: a voter on a phone proves an email and votes; a committee member approves an award."""

from __future__ import annotations

import re

import pytest

from contest import approvals, votes
from contest.extensions import db
from contest.models import AwardApproval, Vote
from tests.approvals.helpers import result_set_with_awards
from tests.factories import TEST_PASSWORD
from tests.votes.helpers import edition_with_entries, window

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    # Real forms with CSRF; a light proof of work keeps the test quick (production uses more bits).
    return {"WTF_CSRF_ENABLED": True, "VOTE_POW_BITS": 10}


def _code(message) -> str:
    return re.search(r"^\s+(\d{6})\s*$", message.body, re.M).group(1)


def test_voter_on_a_phone_proves_email_and_votes(phone_page, live_server, mailbox):
    page = phone_page
    edition, round_, entries = edition_with_entries(3)
    entries[1].title = "Hệ thống tưới tiết kiệm cho chè Tân Cương"
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes, show_counts_live=True)
    db.session.commit()
    target = entries[1]

    # Arriving from a chat app: the entry's shared link.
    page.goto(f"/binh-chon/{period.id}/bai/{target.id}")
    assert page.locator('meta[property="og:title"]').get_attribute("content") == target.title
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.locator('[data-test="vote-button"]').click()

    page.get_by_label("Email của bạn").fill("nguoi.dan.tan.cuong@gmail.com")
    page.locator('[data-test="send-code"]').click()
    page.wait_for_url(re.compile(r"/xac-minh/ma"))
    assert len(mailbox) == 1 and mailbox[0].recipients == ["nguoi.dan.tan.cuong@gmail.com"]
    page.get_by_label("Mã xác minh (6 chữ số)").fill(_code(mailbox[0]))
    page.locator('[data-test="verify-code"]').click()
    page.wait_for_url(re.compile(rf"/binh-chon/{period.id}/bai/{target.id}$"))
    assert "Email đã được xác minh" in page.content()

    button = page.locator('[data-test="vote-button"]')
    box = button.bounding_box()
    assert box["height"] >= 40  # a thumb-sized target
    button.dblclick()  # an impatient double tap
    page.locator('[data-test="voted"]').wait_for()
    assert "Phiếu bình chọn cho “Hệ thống tưới tiết kiệm cho chè Tân Cương” đã được ghi nhận" in page.content()
    assert "1 phiếu" in page.locator('[data-test="vote-count"]').inner_text()
    db.session.expire_all()
    assert [(v.entry_id, v.voter.email) for v in db.session.scalars(db.select(Vote))] == [
        (target.id, "nguoi.dan.tan.cuong@gmail.com")]

    # The ballot list, searched and filtered on the phone.
    page.goto(f"/binh-chon/{period.id}")
    page.get_by_placeholder("Tìm theo tên hoặc mã bài…").fill("tuoi tiet kiem")
    page.get_by_role("button", name="Lọc").click()
    lines = page.locator('[data-test="ballot-line"]')
    assert lines.count() == 1 and "Tân Cương" in lines.first.inner_text()


def test_committee_member_approves_an_award(page, live_server):
    rs, people, _organizer = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    member = people[0]

    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/quan-tri/hoi-dong")
    page.locator('[data-test="approval-list"]').get_by_role("link").click()
    card = page.locator(f'[data-award="{award.id}"]')
    assert "còn cần 2 phiếu phê duyệt" in card.locator('[data-test="approval-status"]').inner_text()
    card.get_by_label("Phê duyệt", exact=True).check()
    card.get_by_label("Ý kiến (không bắt buộc)").fill("Giải pháp có hiệu quả rõ rệt")
    card.locator('[data-test="decide"]').click()
    page.wait_for_url(re.compile(rf"/hoi-dong/ket-qua/{rs.id}"))
    assert "Đã ghi nhận quyết định của ông/bà" in page.content()
    card = page.locator(f'[data-award="{award.id}"]')
    assert "còn cần 1 phiếu phê duyệt" in card.locator('[data-test="approval-status"]').inner_text()
    db.session.expire_all()
    decision = db.session.scalars(db.select(AwardApproval)).one()
    assert (decision.member_id, decision.decision, decision.comment) == (
        member.id, "approve", "Giải pháp có hiệu quả rõ rệt")
