"""Issue 20 items 6 and 7: friction an organizer should not meet."""

from __future__ import annotations

import pytest

from contest.models import Role
from tests.factories import make_edition, make_user


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def test_csv_downloads_name_their_charset_once(client, auth, organizer):
    edition = make_edition()
    auth.as_(organizer)
    for url in ("/quan-tri/bai-du-thi/xuat.csv", f"/quan-tri/vong-cham/{edition.rounds[0].id}/diem-tho.csv",
                "/quan-tri/nhat-ky/xuat.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url


def test_round_list_names_the_open_action_and_assignment_list_says_view(client, auth, organizer):
    edition = make_edition()
    auth.as_(organizer)
    rounds = client.get("/quan-tri/vong-cham").get_data(as_text=True)
    first = rounds[rounds.index(f'data-test="round-{edition.rounds[0].id}"'):]
    assert first.split("</a>")[0].endswith("Mở chấm…")
    assignments = client.get("/quan-tri/phan-cong").get_data(as_text=True)
    link = assignments[assignments.index(f'data-test="round-{edition.rounds[0].id}"'):].split("</a>")[0]
    assert link.endswith("Xem phân công")


def test_organizer_closes_the_vote_now_and_can_then_freeze_it(app, client, auth, organizer):
    from datetime import timedelta

    from contest.extensions import db
    from contest.models import AuditEvent, VotingPeriod, utcnow

    edition = make_edition()
    period = VotingPeriod(round_id=edition.rounds[-1].id, opens_at=utcnow() - timedelta(days=1),
                          closes_at=utcnow() + timedelta(days=5))
    db.session.add(period)
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/binh-chon/{period.id}").get_data(as_text=True)
    assert "Đóng bình chọn ngay" in page and "Chốt kết quả bình chọn" not in page
    response = client.post(f"/quan-tri/binh-chon/{period.id}/dong-ngay")
    assert response.status_code == 302
    db.session.refresh(period)
    assert period.closes_at <= utcnow()
    assert db.session.query(AuditEvent).filter_by(action="vote.period_closed").count() == 1
    page = client.get(f"/quan-tri/binh-chon/{period.id}").get_data(as_text=True)
    assert "Chốt kết quả bình chọn" in page and "Đóng bình chọn ngay" not in page
    client.post(f"/quan-tri/binh-chon/{period.id}/dong-ngay")  # a second click changes nothing
    assert db.session.query(AuditEvent).filter_by(action="vote.period_closed").count() == 1


def test_cannot_publish_message_keeps_each_reason_apart(app):
    from contest.results import PublicationBlocked

    blocked = PublicationBlocked(["Giải Nhất – TN-001: còn thiếu 2 phiếu phê duyệt",
                                  "Giải Nhì – TN-004: bị từ chối (2 phiếu từ chối), cần thay thế giải này."])
    assert blocked.message == ("Chưa thể công bố kết quả: Giải Nhất – TN-001: còn thiếu 2 phiếu phê duyệt; "
                               "Giải Nhì – TN-004: bị từ chối (2 phiếu từ chối), cần thay thế giải này.")
