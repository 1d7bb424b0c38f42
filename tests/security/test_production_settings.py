"""What `make scan` accepts on the development server over plain HTTP, production turns on.

scripts/scan_accepted.toml lists the scanner's findings that cannot apply to http://127.0.0.1 (a Secure
cookie flag, HSTS), each naming the production setting that answers it. Here a production app (CONTEST_ENV=
production, one TLS proxy in front) shows each of them: a list entry without a check here fails.
"""

from __future__ import annotations

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
SECURE_COOKIES_RULE = next(rule for rule in ACCEPTED if rule["production"] == "secure_cookies")
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


PRODUCTION_CHECKS: dict[str, Callable[[Flask, FlaskClient], None]] = {
    "secure_cookies": secure_cookies, "hsts": hsts}


def test_every_accepted_finding_says_why_and_names_a_production_check() -> None:
    assert ACCEPTED, "the accepted list is empty: then this file has nothing to check"
    for rule in ACCEPTED:
        assert rule["category"] and len(rule["reason"].split()) >= 10, rule["category"]
        assert rule["production"] in PRODUCTION_CHECKS, rule["category"]


@pytest.mark.parametrize("rule", ACCEPTED, ids=[rule["production"] for rule in ACCEPTED])
def test_production_turns_on_what_the_scan_accepts_in_development(rule, app, client) -> None:
    PRODUCTION_CHECKS[rule["production"]](app, client)

