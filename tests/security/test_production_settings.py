"""What `make scan` accepts, proved: production turns on what plain HTTP cannot have, and misread findings are wrong.

scripts/scan_accepted.toml lists the scanner's findings that do not fail the scan, each naming its check here.
Those that cannot apply to http://127.0.0.1 (a Secure cookie flag, HSTS) are checked on a production app
(CONTEST_ENV=production, one TLS proxy in front); a finding wapiti misreads is checked against the site itself.
A list entry without a check here fails.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contest import votes
from contest.extensions import db
from contest.models import Role
from tests.factories import TEST_PASSWORD, make_user
from tests.votes.helpers import edition_with_entries, window

ACCEPTED = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "scripts" / "scan_accepted.toml").read_text(encoding="utf-8")
)["accepted"]
SECURE_COOKIES_RULE = next(rule for rule in ACCEPTED if rule["check"] == "secure_cookies")
# Behind the proxy that terminates TLS, as README's deployment section sets it up.
OVER_TLS = {"base_url": "https://thi.example.vn", "headers": {"X-Forwarded-Proto": "https"}}


@pytest.fixture(autouse=True)
def production(monkeypatch) -> None:
    monkeypatch.setenv("CONTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"PROXY_FIX_TRUSTED_HOPS": 1}


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def secure_cookies(app: Flask, client: FlaskClient) -> None:
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    applicant = make_user(Role.APPLICANT)
    edition, round_, _ = edition_with_entries(2)
    period = votes.open_voting_period(round_, *window())
    db.session.commit()

    cookies = _set_cookies(client.post("/tai-khoan/dang-nhap", **OVER_TLS, data={
        "email": applicant.email, "password": TEST_PASSWORD, "remember": "y"}))
    cookies |= _set_cookies(client.get(f"/binh-chon/{period.id}", **OVER_TLS))

    assert set(SECURE_COOKIES_RULE["cookies"]) <= set(cookies), "a listed cookie was never set"
    for name in SECURE_COOKIES_RULE["cookies"]:
        assert "; Secure" in cookies[name], name


def hsts(app: Flask, client: FlaskClient) -> None:
    for path in ("/", "/tai-khoan/dang-nhap", "/ket-qua"):
        header = client.get(path, **OVER_TLS).headers.get("Strict-Transport-Security", "")
        assert header.startswith("max-age=") and int(header.split("=")[1].split(";")[0]) >= 180 * 24 * 3600, path


def _sample_path(rule) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+>", "7", rule.rule)


def csrf_checked(app: Flask, client: FlaskClient) -> None:
    """Each path of the CSRF rule is a POST route under the CSRF check, which reads a prefixed token too."""
    rule = next(rule for rule in ACCEPTED if rule["check"] == "csrf_checked")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    for pattern in rule["paths"]:
        routes = [r for r in app.url_map.iter_rules() if re.search(pattern, _sample_path(r))]
        assert routes and all(r.methods == {"POST", "OPTIONS"} for r in routes), pattern
        for route in routes:
            path = _sample_path(route)
            refused = client.post(path, data={"reason": "đính chính"})
            assert refused.status_code == 400 and "biểu mẫu không hợp lệ" in refused.get_data(as_text=True), path
            # Past the CSRF check, the login requirement answers (no organizer is logged in here).
            passed = client.post(path, data={"reason": "đính chính", "a7-csrf_token": token})
            assert passed.status_code == 302 and "/tai-khoan/dang-nhap" in passed.headers["Location"], path


CHECKS: dict[str, Callable[[Flask, FlaskClient], None]] = {
    "secure_cookies": secure_cookies, "hsts": hsts, "csrf_checked": csrf_checked}


def test_every_accepted_finding_says_why_and_names_its_check() -> None:
    assert ACCEPTED, "the accepted list is empty: then this file has nothing to check"
    for rule in ACCEPTED:
        assert rule["category"] and len(rule["reason"].split()) >= 10, rule["category"]
        assert rule["check"] in CHECKS, rule["category"]


@pytest.mark.parametrize("rule", ACCEPTED, ids=[rule["check"] for rule in ACCEPTED])
def test_what_the_scan_accepts_is_true_of_the_site(rule, app, client) -> None:
    CHECKS[rule["check"]](app, client)

