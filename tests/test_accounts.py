"""An applicant registers, proves their email, logs in and out, and looks after their password."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import AuditEvent, Role, User
from tests.factories import TEST_PASSWORD, make_user

GOOD = {
    "full_name": "Nguyễn Thị Hoa",
    "email": "Hoa.Nguyen@Example.vn",
    "phone": "0912 345 678",
    "applicant_type": "individual",
    "organization": "Hợp tác xã Chè Tân Cương",
    "password": "Chetancuong2025",
    "confirm": "Chetancuong2025",
}


def link_in(message) -> str:
    match = re.search(r"http://localhost(\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_applicant_registers_and_is_sent_a_verification_link(client, mailbox):
    response = client.post("/tai-khoan/dang-ky", data=GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "hoa.nguyen@example.vn"
    assert user.has_role(Role.APPLICANT) and not user.email_verified
    assert user.password_hash.startswith("$argon2id$")
    assert len(mailbox) == 1 and mailbox[0].recipients == ["hoa.nguyen@example.vn"]
    assert "Xác minh" in mailbox[0].subject
    follow = client.get(link_in(mailbox[0]))
    assert follow.status_code == 302
    assert db.session.get(User, user.id).email_verified
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.email_verified")) == 1


def test_the_same_email_in_another_case_cannot_register_twice(client, mailbox):
    client.post("/tai-khoan/dang-ky", data=GOOD)
    client.post("/tai-khoan/dang-xuat")
    again = client.post("/tai-khoan/dang-ky", data={**GOOD, "email": "HOA.NGUYEN@EXAMPLE.VN"})
    assert again.status_code == 400
    assert "Email này đã được đăng ký" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_the_database_itself_refuses_a_second_account_for_one_address(app):
    from sqlalchemy.exc import IntegrityError

    make_user(email="mot@example.vn")
    db.session.add(User(email="mot@example.vn", full_name="Hai"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(User(email="Mot@Example.vn", full_name="Ba"))
    with pytest.raises(IntegrityError):  # upper case is refused by the CHECK constraint
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "password, message",
    [
        ("ngan1", "ít nhất 10 ký tự"),
        ("chicochuthoi", "cả chữ và số"),
        ("1234567890", "cả chữ và số"),
        ("hoa.nguyen2025", "không được chứa địa chỉ email"),
    ],
)
def test_a_weak_password_is_refused_with_a_reason(client, password, message):
    response = client.post("/tai-khoan/dang-ky", data={**GOOD, "password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_mismatched_confirmation_is_refused(client):
    response = client.post("/tai-khoan/dang-ky", data={**GOOD, "confirm": "Khac2025khac"})
    assert response.status_code == 400
    assert "Hai mật khẩu không khớp nhau" in response.get_data(as_text=True)


def test_a_tampered_verification_link_is_refused(client, mailbox):
    client.post("/tai-khoan/dang-ky", data=GOOD)
    link = link_in(mailbox[0])
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "không hợp lệ" in response.get_data(as_text=True)
    assert not db.session.scalar(select(User)).email_verified


def test_an_expired_verification_link_is_refused(app, client, mailbox):
    client.post("/tai-khoan/dang-ky", data=GOOD)
    link = link_in(mailbox[0])
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "hết hạn" in response.get_data(as_text=True)


def test_login_and_logout(client, auth):
    user = make_user(email="hoa@example.vn")
    response = auth.login("HOA@example.vn")
    assert response.status_code == 302
    assert client.get("/bai-du-thi/").status_code == 200
    auth.logout()
    assert client.get("/bai-du-thi/").status_code == 302
    assert user.id


def test_wrong_password_gives_a_vietnamese_message(client, auth):
    make_user(email="hoa@example.vn")
    response = auth.login("hoa@example.vn", "Saimatkhau123")
    assert response.status_code == 401
    assert "Email hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_too_many_failures_lock_the_account_for_a_while(client, auth):
    make_user(email="hoa@example.vn")
    for _ in range(5):
        auth.login("hoa@example.vn", "Saimatkhau123")
    response = auth.login("hoa@example.vn")  # even the right password waits out the lock
    assert response.status_code == 401
    assert "tạm khóa" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)).locked_until is not None


def test_remember_me_sets_a_persistent_httponly_cookie(client, auth):
    make_user(email="hoa@example.vn")
    response = auth.login("hoa@example.vn", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_next_pointing_off_site_is_ignored(client):
    make_user(email="hoa@example.vn")
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        response = client.post(f"/tai-khoan/dang-nhap?next={target}",
                               data={"email": "hoa@example.vn", "password": TEST_PASSWORD})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.post("/tai-khoan/dang-xuat")
    response = client.post("/tai-khoan/dang-nhap?next=/tai-khoan/doi-mat-khau",
                           data={"email": "hoa@example.vn", "password": TEST_PASSWORD})
    assert response.headers["Location"].endswith("/tai-khoan/doi-mat-khau")


def test_password_reset_by_emailed_link(client, auth, mailbox):
    user = make_user(email="hoa@example.vn")
    response = client.post("/tai-khoan/quen-mat-khau", data={"email": "hoa@example.vn"})
    assert response.status_code == 302
    link = link_in(mailbox[0])
    response = client.post(link, data={"password": "Matkhaumoi2026", "confirm": "Matkhaumoi2026"})
    assert response.status_code == 302
    assert auth.login("hoa@example.vn").status_code == 401
    assert auth.login("hoa@example.vn", "Matkhaumoi2026").status_code == 302
    # The link dies with the password it replaced.
    client.post("/tai-khoan/dang-xuat")
    again = client.get(link)
    assert again.status_code == 400
    assert db.session.get(User, user.id).session_version == 3  # one for the new password, one for the logout


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailbox):
    response = client.post("/tai-khoan/quen-mat-khau", data={"email": "khongco@example.vn"}, follow_redirects=True)
    assert "Nếu email này có tài khoản" in response.get_data(as_text=True)
    assert mailbox == []


def test_an_expired_reset_link_is_refused(app, client, mailbox):
    make_user(email="hoa@example.vn")
    client.post("/tai-khoan/quen-mat-khau", data={"email": "hoa@example.vn"})
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1
    response = client.get(link_in(mailbox[0]))
    assert response.status_code == 400
    assert "hết hạn" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions(app, auth):
    make_user(email="hoa@example.vn")
    laptop = app.test_client()
    phone = app.test_client()
    for c in (laptop, phone):
        signed_in = c.post("/tai-khoan/dang-nhap", data={"email": "hoa@example.vn", "password": TEST_PASSWORD})
        assert signed_in.status_code == 302
    response = laptop.post("/tai-khoan/doi-mat-khau", data={
        "current": TEST_PASSWORD, "password": "Matkhaumoi2026", "confirm": "Matkhaumoi2026"})
    assert response.status_code == 302
    assert laptop.get("/bai-du-thi/").status_code == 200
    assert phone.get("/bai-du-thi/").status_code == 302  # sent back to the login page


def test_change_password_needs_the_current_one(client, auth):
    make_user(email="hoa@example.vn")
    auth.login("hoa@example.vn")
    response = client.post("/tai-khoan/doi-mat-khau", data={
        "current": "Saimatkhau999", "password": "Matkhaumoi2026", "confirm": "Matkhaumoi2026"})
    assert response.status_code == 400
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)


def test_create_organizer_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contest", "create-organizer", "BTC@So.vn", "--name", "Ban tổ chức",
                                 "--password", "Tochuc2025abc"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "btc@so.vn"))
    assert user.has_role(Role.ORGANIZER) and user.email_verified
    weak = runner.invoke(args=["contest", "create-organizer", "x@so.vn", "--password", "123"])
    assert weak.exit_code != 0 and "ít nhất 10 ký tự" in weak.output


def test_roles_guard_pages(client, auth):
    applicant = make_user(Role.APPLICANT)
    auth.as_(applicant)
    assert client.get("/quan-tri/").status_code == 403
    assert client.get("/giam-khao/").status_code == 403
    auth.logout()
    organizer = make_user(Role.ORGANIZER)
    auth.as_(organizer)
    assert client.get("/quan-tri/").status_code == 200


def test_a_deactivated_account_cannot_log_in(client, auth):
    user = make_user(email="hoa@example.vn")
    user.active = False
    db.session.commit()
    response = auth.login("hoa@example.vn")
    assert response.status_code == 401
    assert "vô hiệu hóa" in response.get_data(as_text=True)


def test_tokens_are_bound_to_their_purpose(app):
    from contest.tokens import TokenInvalid, make_token, read_token

    token = make_token("verify-email", {"uid": 1})
    with pytest.raises(TokenInvalid):
        read_token("reset-password", token)
    assert read_token("verify-email", token)["uid"] == 1
    time.sleep(0)


def test_an_account_with_several_roles_keeps_every_one_of_them_on_each_request(app, auth):
    # The account is loaded with its roles in one joined query on every request: all rows must count.
    user = make_user(Role.ORGANIZER, Role.COMMITTEE, Role.JUDGE)
    db.session.commit()
    client = auth.as_(user)
    for path in ("/quan-tri/", "/giam-khao/"):
        assert client.get(path).status_code == 200, path
    with app.test_request_context():
        from flask import url_for

        committee_home = url_for("admin.committee_home")
    assert client.get(committee_home).status_code == 200


def test_a_session_cookie_copied_before_logout_opens_nothing_afterwards(app, client, auth):
    make_user(email="hoa@example.vn")
    auth.login("hoa@example.vn")
    assert client.get("/bai-du-thi/").status_code == 200
    with client.session_transaction() as session:
        copied = dict(session)
    auth.logout()
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(copied)
    assert thief.get("/bai-du-thi/").status_code == 302  # sent to the login page
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.logged_out")) == 1


def test_an_unknown_address_costs_the_same_hashing_work_as_a_wrong_password(client, auth, monkeypatch):
    from contest import accounts

    make_user(email="hoa@example.vn")
    checked = []
    real_verify = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real_verify(h, p))
    known = auth.login("hoa@example.vn", "Saimatkhau123")
    unknown = auth.login("khongco@example.vn", "Saimatkhau123")
    assert known.status_code == unknown.status_code == 401
    assert len(checked) == 2 and all(h and h.startswith("$argon2id$") for h in checked)
    message = "Email hoặc mật khẩu không đúng"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_an_unknown_address_is_locked_after_as_many_failures_as_a_real_account(client, auth):
    make_user(email="hoa@example.vn")
    for email in ("hoa@example.vn", "khongco@example.vn"):
        for _ in range(5):
            assert "Email hoặc mật khẩu không đúng" in auth.login(email, "Saimatkhau123").get_data(as_text=True)
    known = auth.login("hoa@example.vn", "Saimatkhau123").get_data(as_text=True)
    unknown = auth.login("KhongCo@example.vn", "Saimatkhau123").get_data(as_text=True)
    assert "tạm khóa" in known and "tạm khóa" in unknown
    assert "khongco@example.vn" not in str(db.session.scalars(select(AuditEvent.reason)).all())
