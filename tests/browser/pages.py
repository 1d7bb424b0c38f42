"""Steps every browser story takes the same way."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD


def sign_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the real login form, as a person would."""
    page.goto("/tai-khoan/dang-nhap")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
