"""Every redirect to a place the request names goes through one rule, and no such target crashes a page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.extensions import db
from contest.models import User
from contest.web import safe_redirect_target
from tests.factories import TEST_PASSWORD
from tests.security.world import build_world

REFUSED = [
    "/\nenv;", "/%0Aenv%3B", "/\r\nSet-Cookie:x=1", "/%0d%0aLocation:%20//evil.example", "//evil.example",
    "/%2F%2Fevil.example", "/%252F%252Fevil.example", "\\\\evil.example", "/\\evil.example", "/%5Cevil.example",
    "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "/%00", "/\u2028x", "/\tx",
    "evil.example/", "", "/a%25252F%25252F",
]
ACCEPTED = ["/", "/ket-qua", "/binh-chon/1?trang=2#bai-3", "/bai-du-thi/12", "/tim?q=ch%C3%A8"]


@pytest.mark.parametrize("target", REFUSED)
def test_a_target_leaving_the_site_or_carrying_control_characters_falls_back(app, target):
    assert safe_redirect_target(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ACCEPTED)
def test_a_path_on_this_site_is_followed(app, target):
    assert safe_redirect_target(target, "/fallback") == target


def _lands_on_site(response) -> bool:
    location = response.headers.get("Location")
    if location is None:
        return True
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and not location.startswith("//") and "\\" not in location


HOSTILE = st.one_of(
    st.sampled_from(REFUSED),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list("/\\%:.?#@ \n\r\t0aAdD2F5C") + ["\x00", "\u2028"]), max_size=30),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=HOSTILE)
def test_no_endpoint_taking_a_redirect_target_answers_5xx_or_leaves_the_site(app, target):
    world = getattr(app, "_redirect_world", None) or build_world()
    app._redirect_world = world
    period, owner = world.ids["period_id"], db.session.get(User, world.users["owner"].id)
    anonymous, signed_in = app.test_client(), app.test_client()
    login = {"email": owner.email, "password": TEST_PASSWORD}
    assert signed_in.post("/tai-khoan/dang-nhap", data=login).status_code == 302
    calls = [
        (anonymous, "GET", "/tai-khoan/dang-nhap", {"query_string": {"next": target}}),
        (signed_in, "GET", "/tai-khoan/dang-nhap", {"query_string": {"next": target}}),
        (anonymous, "POST", "/tai-khoan/dang-nhap", {"query_string": {"next": target}, "data": login}),
        (anonymous, "POST", "/ngon-ngu/en", {"data": {"next": target}}),
        (signed_in, "POST", "/ngon-ngu/vi", {"data": {"next": target}}),
        # A header cannot carry a line break (neither a browser nor the test client sends one).
        *([(signed_in, "POST", "/tai-khoan/gui-lai-xac-minh", {"headers": {"Referer": target}})]
          if not any(ch in target for ch in "\r\n\x00") else []),
        (anonymous, "GET", f"/binh-chon/{period}/xac-minh", {"query_string": {"next": target}}),
        (anonymous, "POST", f"/binh-chon/{period}/xac-minh", {"data": {"email": "dan@example.vn", "next": target}}),
        (anonymous, "GET", f"/binh-chon/{period}/xac-minh/ma", {"query_string": {"next": target}}),
        (anonymous, "POST", f"/binh-chon/{period}/bai/{world.ids['ballot_entry_id']}/bo-phieu",
         {"data": {"next": target}}),
    ]
    for client, method, path, options in calls:
        response = client.open(path, method=method, **options)
        assert response.status_code < 500, (method, path, target, response.status_code)
        assert _lands_on_site(response), (method, path, target, response.headers.get("Location"))


def test_a_language_switch_posted_from_another_site_does_not_change_the_accounts_language(client, auth):
    world = build_world()
    owner = world.users["owner"]
    auth.as_(owner)
    response = client.post("/ngon-ngu/en", headers={"Origin": "https://evil.example"})
    assert response.status_code == 302
    assert db.session.get(User, owner.id).locale == "vi"
    client.post("/ngon-ngu/en", headers={"Origin": "http://localhost"})
    assert db.session.get(User, owner.id).locale == "en"
