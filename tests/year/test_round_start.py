"""Issue 20 item 2: a round "open" that judges cannot score says so, and offers to start now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import AuditEvent, Role, RoundStatus, utcnow
from tests.factories import make_edition, make_entry, make_user
from tests.results.helpers import add_sheet, make_judges


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def _round_starting_in(days: int):
    edition = make_edition()
    round_ = edition.rounds[0]
    round_.opens_at = utcnow() + timedelta(days=days)
    round_.closes_at = utcnow() + timedelta(days=days + 10)
    round_.scoring_deadline = None
    db.session.commit()
    return round_


def _warnings(html: str) -> list[str]:
    return re.findall(r'data-test="round-warning" data-code="(\w+)"', html)


def test_organizer_opening_a_round_that_starts_later_is_asked_whether_to_start_now(client, auth, organizer):
    round_ = _round_starting_in(5)
    auth.as_(organizer)
    page = client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)
    assert "Mở và bắt đầu chấm ngay" in page
    assert "cho giám khảo chấm ngay bây giờ?" in page  # the confirmation names the start
    assert 'name="start_now" value="1"' in page


def test_organizer_opening_on_schedule_is_warned_that_judges_cannot_score_yet(client, auth, organizer):
    round_ = _round_starting_in(5)
    auth.as_(organizer)
    response = client.post(f"/quan-tri/vong-cham/{round_.id}/mo")
    assert response.status_code == 302
    db.session.refresh(round_)
    assert round_.status == RoundStatus.OPEN.value
    assert not round_.scoring_open(utcnow())
    page = client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)
    assert "starts_later" in _warnings(page)
    assert "Bắt đầu chấm ngay" in page

    client.post(f"/quan-tri/vong-cham/{round_.id}/mo", data={"start_now": "1"})
    db.session.refresh(round_)
    assert round_.scoring_open(utcnow())
    assert db.session.query(AuditEvent).filter_by(action="round.start_moved").count() == 1
    assert "starts_later" not in _warnings(client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True))


def test_organizer_starting_now_lets_the_judges_score(client, auth, organizer):
    round_ = _round_starting_in(5)
    auth.as_(organizer)
    client.post(f"/quan-tri/vong-cham/{round_.id}/mo", data={"start_now": "1"})
    db.session.refresh(round_)
    assert round_.status == RoundStatus.OPEN.value
    assert round_.scoring_open(utcnow())


def test_open_round_without_published_assignments_points_to_the_assignment_page(client, auth, organizer):
    round_ = _round_starting_in(-1)
    auth.as_(organizer)
    client.post(f"/quan-tri/vong-cham/{round_.id}/mo")
    page = client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)
    assert _warnings(page) == ["no_assignments"]
    assert f'class="button small" href="/quan-tri/phan-cong/vong/{round_.id}"' in page

    judge = make_judges(1)[0]
    entry = make_entry(make_user(Role.APPLICANT), round_.edition, status="eligible")
    add_sheet(round_, entry, judge, 60, submitted=False)
    db.session.commit()
    assert _warnings(client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)) == []
