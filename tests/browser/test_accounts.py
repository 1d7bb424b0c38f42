"""In real Chromium: a newcomer registers, verifies the email, logs in, reads the site in English and logs out."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_register_verify_login_switch_language_logout(page, live_server, mailbox):
    page.goto("/")
    page.get_by_role("link", name="Đăng ký").first.click()
    page.get_by_label("Họ và tên").fill("Trần Văn Bình")
    page.get_by_label("Email").fill("binh.tran@example.vn")
    page.get_by_label("Số điện thoại").fill("0987 654 321")
    page.get_by_label("Bạn tham gia với tư cách").select_option("student")
    page.get_by_label("Mật khẩu", exact=True).fill("Sinhvien2025ok")
    page.get_by_label("Nhập lại mật khẩu").fill("Sinhvien2025ok")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url(re.compile(r"/bai-du-thi/"))
    assert "Đăng ký thành công" in page.content()
    assert "chưa được xác minh" in page.content()

    assert len(mailbox) == 1
    link = re.search(r"https?://\S+", mailbox[0].body).group(0)
    page.goto(link)
    assert "Đã xác minh địa chỉ email" in page.content()
    assert "chưa được xác minh" not in page.content()

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(live_server("/"))
    assert "Đã đăng xuất" in page.content()

    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill("BINH.TRAN@example.vn")
    page.get_by_label("Mật khẩu").fill("Sinhvien2025ok")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/bai-du-thi/"))
    assert "Xin chào, Trần Văn Bình" in page.content()

    page.locator("[data-test=switch-language]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    page.locator("[data-test=switch-language]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"

    page.get_by_role("button", name="Đăng xuất").click()
    page.goto("/bai-du-thi/")
    assert "/tai-khoan/dang-nhap" in page.url
