"""The dashboard says what happens next in the year and what blocks it, each with the page that fixes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.models import Role, RoundStatus, VotingPeriod, utcnow
from tests.factories import make_edition, make_entry, make_user
from tests.results.helpers import add_sheet, make_judges
from tests.year.test_applicant_result import scored_year


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def _steps(client) -> list[tuple[str, bool, str]]:
    html = client.get("/quan-tri/").get_data(as_text=True)
    panel = html[html.index('data-test="next-steps"'):]
    panel = panel[:panel.index("</section>")]
    return [(code, bool(blocking), href) for code, blocking, href in re.findall(
        r'<li data-step="(\w+)"( class="blocking")?>.*?href="([^"]+)"', panel, re.S)]


def test_next_step_of_a_new_year_is_screening_then_assigning_and_opening_round_one(client, auth, organizer):
    edition = make_edition()
    make_entry(make_user(Role.APPLICANT), edition, status="submitted")
    auth.as_(organizer)
    steps = _steps(auth.client)
    assert [s[0] for s in steps] == ["screen", "assign", "open_round"]
    assert steps[0][1] and steps[0][2] == f"/quan-tri/bai-du-thi?edition={edition.id}&amp;status=submitted"
    assert steps[1][2] == f"/quan-tri/phan-cong/vong/{edition.rounds[0].id}"


def test_next_step_blocker_when_the_open_round_starts_in_the_future(client, auth, organizer):
    edition = make_edition()
    round_ = edition.rounds[0]
    round_.status = RoundStatus.OPEN.value
    round_.opens_at = utcnow() + timedelta(days=3)
    entry = make_entry(make_user(Role.APPLICANT), edition, status="eligible")
    add_sheet(round_, entry, make_judges(1)[0], 50, submitted=False)
    db.session.commit()
    auth.as_(organizer)
    steps = _steps(auth.client)
    assert steps[0] == ("starts_later", True, f"/quan-tri/vong-cham/{round_.id}")
    assert steps[-1][0] == "close_round"


def test_next_step_blocker_when_the_open_round_has_no_published_assignment(client, auth, organizer):
    edition = make_edition()
    edition.rounds[0].status = RoundStatus.OPEN.value
    db.session.commit()
    auth.as_(organizer)
    assert _steps(auth.client)[0] == ("no_assignments", True, f"/quan-tri/phan-cong/vong/{edition.rounds[0].id}")


def test_next_step_blocker_while_the_vote_window_is_still_open(client, auth, organizer):
    edition, preliminary, final, entries, organizer_, rs = scored_year()
    period = VotingPeriod(round_id=final.id, opens_at=utcnow() - timedelta(days=1),
                          closes_at=utcnow() + timedelta(days=2))
    db.session.add(period)
    db.session.commit()
    auth.as_(organizer)
    steps = _steps(auth.client)
    assert steps[0] == ("vote_open", True, f"/quan-tri/binh-chon/{period.id}")
    period.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert _steps(auth.client)[0][:2] == ("vote_freeze", False)


def test_next_step_blocker_while_awards_wait_for_committee_decisions(client, auth, organizer):
    from flask import current_app

    from contest.approvals import send_for_approval

    edition, preliminary, final, entries, organizer_, rs = scored_year(approve=False)
    auth.as_(organizer)
    assert _steps(auth.client) == [("send", False, f"/quan-tri/hoi-dong/ket-qua/{rs.id}")]
    with current_app.test_request_context("/"):
        send_for_approval(rs)
    db.session.commit()
    steps = _steps(auth.client)
    assert steps == [("approvals", True, f"/quan-tri/hoi-dong/ket-qua/{rs.id}")]


def test_next_step_unscreened_entries_stop_blocking_once_round_one_is_under_way(client, auth, organizer):
    edition = make_edition()
    edition.registration_closes_at = utcnow() - timedelta(days=1)
    edition.rounds[0].status = RoundStatus.OPEN.value
    make_entry(make_user(Role.APPLICANT), edition, status="submitted")
    db.session.commit()
    auth.as_(organizer)
    screen = next(s for s in _steps(auth.client) if s[0] == "screen")
    assert screen[1] is False  # still listed, with what it means, but it no longer stops the year
    assert "không được chấm ở vòng nào" in auth.client.get("/quan-tri/").get_data(as_text=True)
