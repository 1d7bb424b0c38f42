"""Organizers invite judges; the invitee accepts through a signed link without being logged in."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from contest.extensions import db
from contest.judges import invitation_token
from contest.models import AuditEvent, Role, User
from tests.factories import TEST_PASSWORD, make_edition, make_user

NEW_PASSWORD = "Giamkhao2025xyz"


def invite(client, mailbox, **overrides):
    data = {"email": "chuyen.gia@tnu.edu.vn", "full_name": "PGS.TS. Lê Thị Hoa",
            "organization": "Đại học Thái Nguyên", "fields": ["cntt"], "keywords": "trí tuệ nhân tạo; IoT",
            "max_load": "12"}
    data.update(overrides)
    response = client.post("/quan-tri/giam-khao/moi", data=data)
    return response


def link_in(message) -> str:
    return re.search(r"http://localhost(/giam-khao/loi-moi/\S+)", message.body).group(1)


@pytest.fixture
def organizer(app):
    make_edition()
    return make_user(Role.ORGANIZER)


def test_organizer_invites_and_judge_accepts_with_password_and_profile(client, auth, mailbox, organizer):
    auth.as_(organizer)
    response = invite(client, mailbox)
    assert response.status_code == 302
    judge = db.session.scalar(select(User).where(User.email == "chuyen.gia@tnu.edu.vn"))
    assert judge.has_role(Role.JUDGE) and judge.password_hash is None
    assert judge.judge_profile.expertise_categories == ["cntt"]
    assert judge.judge_profile.keywords == ["trí tuệ nhân tạo", "IoT"]
    assert judge.judge_profile.max_load == 12
    assert [m.recipients for m in mailbox] == [["chuyen.gia@tnu.edu.vn"]]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judge.invited"))
    assert event.actor_id == organizer.id and event.object_id == judge.id

    auth.logout()
    path = link_in(mailbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Nhận lời mời làm giám khảo" in page.get_data(as_text=True)
    weak = client.post(path, data={"full_name": "Lê Thị Hoa", "password": "ngan", "confirm": "ngan"})
    assert weak.status_code == 400
    accepted = client.post(path, data={
        "full_name": "PGS.TS. Lê Thị Hoa", "organization": "Trường ĐH Công nghệ thông tin và Truyền thông",
        "fields": ["cntt", "co_khi"], "keywords": "IoT; nông nghiệp thông minh", "max_load": "15",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/giam-khao/")
    judge = db.session.get(User, judge.id)
    assert judge.judge_profile.profile_completed_at is not None
    assert judge.judge_profile.expertise_categories == ["cntt", "co_khi"]
    assert judge.judge_profile.max_load == 15
    assert judge.email_verified
    assert client.get("/giam-khao/ho-so").status_code == 200  # logged in as the judge now
    # The link works once.
    auth.logout()
    again = client.get(path)
    assert again.status_code == 400
    assert "đã được sử dụng" in again.get_data(as_text=True)
    assert auth.login("chuyen.gia@tnu.edu.vn", NEW_PASSWORD).status_code == 302


def test_expired_invitation_link_says_so(app, client, mailbox, organizer):
    judge = make_user(Role.JUDGE)
    app.config["JUDGE_INVITE_MAX_AGE_SECONDS"] = -1
    with app.test_request_context():
        token = invitation_token(judge)
    response = client.get(f"/giam-khao/loi-moi/{token}")
    assert response.status_code == 400
    assert "hết hạn" in response.get_data(as_text=True)


def test_tampered_invitation_link_is_refused(app, client, organizer):
    judge = make_user(Role.JUDGE)
    with app.test_request_context():
        token = invitation_token(judge)
    forged = URLSafeTimedSerializer("another-secret", salt="contest.web.judge-invite").dumps(
        {"uid": judge.id, "email": judge.email, "v": judge.session_version})
    for bad in (token[:-3] + "abc", forged):
        response = client.get(f"/giam-khao/loi-moi/{bad}")
        assert response.status_code == 400
        assert "không hợp lệ" in response.get_data(as_text=True)
    # A valid link for a deactivated judge is refused too.
    judge.active = False
    db.session.commit()
    assert client.get(f"/giam-khao/loi-moi/{token}").status_code == 400


def test_inviting_an_existing_judge_is_refused(client, auth, mailbox, organizer):
    existing = make_user(Role.JUDGE)
    auth.as_(organizer)
    response = invite(client, mailbox, email=existing.email.upper())
    assert response.status_code == 409
    assert "đã là giám khảo" in response.get_data(as_text=True)
    assert mailbox == []


def test_invitation_form_errors_are_vietnamese(client, auth, mailbox, organizer):
    auth.as_(organizer)
    response = invite(client, mailbox, email="khong-hop-le", max_load="nhiều")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Địa chỉ email không hợp lệ" in body and "số nguyên" in body
    assert db.session.scalar(select(User).where(User.email == "khong-hop-le")) is None


def test_organizer_resends_a_pending_invitation(client, auth, mailbox, organizer):
    auth.as_(organizer)
    invite(client, mailbox)
    judge = db.session.scalar(select(User).where(User.email == "chuyen.gia@tnu.edu.vn"))
    response = client.post(f"/quan-tri/giam-khao/{judge.id}/gui-lai-loi-moi")
    assert response.status_code == 302
    assert len(mailbox) == 2
    assert link_in(mailbox[1])


def test_existing_account_gains_the_judge_role(client, auth, mailbox, organizer):
    applicant = make_user(Role.APPLICANT, email="cu.dan@example.vn")
    auth.as_(organizer)
    invite(client, mailbox, email="cu.dan@example.vn")
    user = db.session.get(User, applicant.id)
    assert user.has_role(Role.JUDGE) and user.has_role(Role.APPLICANT)
    assert user.password_hash  # their password is untouched until they accept
    auth.logout()
    assert auth.login("cu.dan@example.vn", TEST_PASSWORD).status_code == 302
