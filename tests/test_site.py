"""The site shell: Vietnamese first, English on request, friendly errors, CSRF everywhere."""

from __future__ import annotations

from tests.factories import make_edition


def test_landing_page_is_vietnamese_and_names_the_contest(client):
    make_edition()
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đổi mới sáng tạo – Vì Thái Nguyên thân yêu" in html
    assert "Gửi bài dự thi" in html


def test_switching_to_english_and_back(client):
    response = client.post("/ngon-ngu/en", data={"next": "/tai-khoan/dang-nhap"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tai-khoan/dang-nhap")
    html = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html and "Forgot your password?" in html
    client.post("/ngon-ngu/vi")
    assert "Quên mật khẩu?" in client.get("/tai-khoan/dang-nhap").get_data(as_text=True)


def test_unknown_language_is_a_404(client):
    assert client.post("/ngon-ngu/fr").status_code == 404


def test_not_found_page_is_friendly_and_vietnamese(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_security_headers_are_sent(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_contain_no_inline_script(client):
    for path in ["/", "/tai-khoan/dang-ky", "/tai-khoan/dang-nhap"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html


def test_dates_are_shown_day_first_in_hanoi_time(app):
    from datetime import UTC, datetime

    from contest.i18n import format_datetime_local

    assert format_datetime_local(datetime(2025, 1, 24, 17, 30, tzinfo=UTC)) == "25/01/2025 00:30"
