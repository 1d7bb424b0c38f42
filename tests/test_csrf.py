"""Every state-changing request needs the form's CSRF token."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_a_post_without_csrf_token_is_refused_and_creates_nothing(client):
    response = client.post("/tai-khoan/dang-ky", data={
        "full_name": "A", "email": "a@example.vn", "applicant_type": "individual",
        "password": "Chetancuong2025", "confirm": "Chetancuong2025"})
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True) or "hết hạn" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
