"""Who may open which page: organizers alone reach the admin pages; a judge only their own profile."""

from __future__ import annotations

import pytest

from contest.models import Role
from tests.factories import make_user
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture
def setting(app):
    edition, entries = contest_with_entries({"cntt": 1})
    some_judge = judge()
    return {"round": first_round(edition).id, "judge": some_judge.id}


ADMIN_GETS = [
    "/quan-tri/giam-khao",
    "/quan-tri/giam-khao/{judge}",
    "/quan-tri/giam-khao/xung-dot",
    "/quan-tri/phan-cong",
    "/quan-tri/phan-cong/vong/{round}",
]
ADMIN_POSTS = [
    "/quan-tri/giam-khao/moi",
    "/quan-tri/giam-khao/nhap",
    "/quan-tri/giam-khao/{judge}/ngung",
    "/quan-tri/giam-khao/{judge}/kich-hoat",
    "/quan-tri/giam-khao/{judge}/xung-dot",
    "/quan-tri/giam-khao/{judge}/gui-lai-loi-moi",
    "/quan-tri/phan-cong/vong/{round}/chay",
    "/quan-tri/phan-cong/vong/{round}/cong-bo",
    "/quan-tri/phan-cong/vong/{round}/bo-sung",
    "/quan-tri/phan-cong/vong/{round}/dieu-chinh",
]


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.JUDGE, Role.COMMITTEE])
def test_only_organizers_reach_admin_judge_and_assignment_pages(client, auth, setting, role):
    if role is not None:
        auth.as_(make_user(role))
    expected = 302 if role is None else 403  # anonymous visitors are sent to the login page
    for url in ADMIN_GETS:
        assert client.get(url.format(**setting)).status_code == expected, url
    for url in ADMIN_POSTS:
        assert client.post(url.format(**setting), data={"reason": "x", "per_entry": "2"}).status_code == expected, url


def test_organizer_reaches_every_admin_page(client, auth, setting):
    auth.as_(make_user(Role.ORGANIZER))
    for url in ADMIN_GETS:
        assert client.get(url.format(**setting)).status_code == 200, url


def test_non_judge_detail_page_is_404(client, auth, setting):
    applicant = make_user(Role.APPLICANT)
    auth.as_(make_user(Role.ORGANIZER))
    assert client.get(f"/quan-tri/giam-khao/{applicant.id}").status_code == 404


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.ORGANIZER])
def test_profile_pages_are_for_judges_only(client, auth, setting, role):
    if role is not None:
        auth.as_(make_user(role))
    expected = 302 if role is None else 403
    assert client.get("/giam-khao/ho-so").status_code == expected
    assert client.post("/giam-khao/ho-so", data={"max_load": "1"}).status_code == expected
    assert client.post("/giam-khao/ho-so/xung-dot", data={"organization": "X", "reason": "y"}).status_code == expected


def test_judge_sees_only_own_profile(client, auth, setting):
    me = judge(organization="Trường Cao đẳng Thái Nguyên")
    auth.as_(me)
    body = client.get("/giam-khao/ho-so").get_data(as_text=True)
    assert "Trường Cao đẳng Thái Nguyên" in body
    # There is no profile URL naming another judge: the page is always the logged-in judge's own.
    assert client.get(f"/giam-khao/ho-so/{setting['judge']}").status_code == 404
