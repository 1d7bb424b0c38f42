"""CSRF on every POST, session cookies, security headers on every page, safe redirects, escaping, uploads."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from contest import create_app
from contest.config import load_config
from contest.extensions import db
from contest.models import Attachment, AuditEvent, Entry
from contest.storage import get_store
from tests.security.test_access_matrix import EXPECTED
from tests.security.urls import build_url, rules
from tests.security.world import ROLES, build_world

CSRF_EXEMPT = {"public.set_language"}
# Streaming uploads read the token from the request body themselves (the extension would buffer it).
CSRF_CHECKED_IN_VIEW = {"entries.upload_file", "entries.replace_file"}

MARKER = '<script>alert("xss-title")</script>'


def _login_with_token(client, user) -> None:
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/tai-khoan/dang-nhap", data={"email": user.email, "password": "Matkhau2025an",
                                                         "csrf_token": token})
    assert response.status_code == 302


def _first_role_let_in(endpoint: str) -> str:
    spec = EXPECTED[endpoint]
    row = spec["POST"] if isinstance(spec, dict) else spec
    return next((role for role, outcome in zip(ROLES, row) if outcome == "ok"), "anonymous")


class TestWithCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True, "RESULTS_STABILITY_RESAMPLES": 20}

    def test_only_the_language_switch_goes_without_a_csrf_check(self, app):
        from contest.extensions import csrf

        exempt = {name for name in app.view_functions
                  if f"{app.view_functions[name].__module__}.{app.view_functions[name].__name__}" in csrf._exempt_views}
        assert exempt == CSRF_EXEMPT | CSRF_CHECKED_IN_VIEW

    def test_every_post_without_token_is_refused_and_changes_nothing(self, app):
        world = build_world()
        # The language switch alone is exempt (see contest/public/routes.py): it changes nothing stored.
        posts = [r for r in rules(app) if "POST" in r.methods and r.endpoint not in CSRF_EXEMPT]
        by_role: dict[str, list] = {}
        for rule in posts:
            by_role.setdefault(_first_role_let_in(rule.endpoint), []).append(rule)
        failures = []
        for role, role_rules in by_role.items():
            client = app.test_client()
            if role != "anonymous":
                _login_with_token(client, world.users[role])
            for rule in role_rules:
                url = build_url(rule, world)
                before = db.session.scalar(select(func.count(AuditEvent.id)))
                if rule.endpoint in ("entries.upload_file", "entries.replace_file"):
                    response = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")},
                                           content_type="multipart/form-data")
                else:
                    response = client.post(url, data={"title": "x", "reason": "x", "email": "a@example.vn"})
                after = db.session.scalar(select(func.count(AuditEvent.id)))
                if response.status_code != 400:
                    failures.append(f"{role} POST {url} [{rule.endpoint}] → {response.status_code}")
                elif after != before:
                    failures.append(f"{role} POST {url} [{rule.endpoint}] refused but wrote an audit event")
        assert not failures, "\n".join(failures)
        assert sum(len(v) for v in by_role.values()) == len(posts) > 50


def test_session_cookie_is_httponly_and_samesite(client, auth):
    world = build_world()
    response = auth.login(world.users["owner"].email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_production_cookies_are_secure(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("CONTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path),
                      "WTF_CSRF_ENABLED": False, "PROXY_FIX_TRUSTED_HOPS": 0})
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.test_request_context("/"):
        from flask import session

        session["x"] = 1
        out = app.make_response("ok")
        app.session_interface.save_session(app, session, out)
        assert "Secure" in out.headers["Set-Cookie"]


def test_security_headers_and_no_inline_script_on_every_page(client, auth, app):
    world = build_world()
    auth.as_(world.users["organizer"])
    checked = 0
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(build_url(rule, world))
        csp = response.headers.get("Content-Security-Policy", "")
        assert response.headers.get("X-Content-Type-Options") == "nosniff", rule.endpoint
        assert "frame-ancestors" in csp or "sandbox" in csp, rule.endpoint
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, rule.endpoint
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), f"inline script on {rule.endpoint}"
            assert not re.search(r"<[^>]+\son[a-z]+\s*=", body), f"inline handler on {rule.endpoint}"
            assert not re.search(r"\sstyle\s*=", body), f"inline style attribute on {rule.endpoint}"
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "http:evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", " //evil.example", "/%2F%2Fevil.example",
])
def test_login_next_never_leaves_the_site(client, target):
    world = build_world()
    response = client.post("/tai-khoan/dang-nhap", query_string={"next": target},
                           data={"email": world.users["owner"].email, "password": "Matkhau2025an"})
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert not location.startswith("//") and "\\" not in location and "javascript" not in location


def test_language_switch_does_not_follow_a_foreign_referrer(client):
    response = client.post("/ngon-ngu/en", headers={"Referer": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_user_controlled_html_is_escaped_everywhere(client, auth, app):
    from contest.results import invalidate_cache

    world = build_world()
    for key in ("entry_id", "other_entry_id", "extra_entry_id"):
        entry = db.session.get(Entry, world.ids[key])
        entry.title = MARKER
        entry.summary = MARKER
        entry.members[0].full_name = MARKER
    db.session.commit()
    invalidate_cache()
    period, entry_id, other_id = world.ids["period_id"], world.ids["entry_id"], world.ids["other_entry_id"]
    pages = {
        "owner": ["/bai-du-thi/", f"/bai-du-thi/{entry_id}"],
        "organizer": ["/quan-tri/bai-du-thi", f"/quan-tri/bai-du-thi/{entry_id}",
                      f"/quan-tri/ket-qua/bo/{world.ids['published_rs_id']}"],
        "judge_assigned": ["/giam-khao/", f"/giam-khao/cham/{world.ids['assignment_id']}"],
        "anonymous": [f"/binh-chon/{period}", f"/binh-chon/{period}/bai/{other_id}",
                      f"/ket-qua/{world.edition.slug}"],
    }
    for role, urls in pages.items():
        auth.logout()
        if role != "anonymous":
            auth.as_(world.users[role])
        for url in urls:
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert MARKER not in body, f"{url} renders the title unescaped"
            assert "&lt;script&gt;" in body, f"{url} does not show the title at all"


def test_uploaded_files_are_never_served_inline_as_html(client, auth):
    world = build_world()
    entry = db.session.get(Entry, world.ids["entry_id"])
    stored = get_store().put(io.BytesIO(b"<html><script>alert(1)</script></html>"), content_type="text/html",
                             key_prefix=f"entries/{entry.id}/")
    attachment = Attachment(entry_id=entry.id, kind_id=world.ids["kind_id"], display_filename="trang.html",
                            content_type="text/html", size=stored.size, sha256=stored.sha256,
                            storage_key=stored.key)
    db.session.add(attachment)
    db.session.commit()
    auth.as_(world.users["owner"])
    response = client.get(f"/bai-du-thi/tep/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    pdf = client.get(f"/bai-du-thi/tep/{world.ids['attachment_id']}")
    assert pdf.headers["Content-Disposition"].startswith("inline") and pdf.mimetype == "application/pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"

    draft = world.ids["draft_id"]
    refused = client.post(f"/bai-du-thi/{draft}/tep/loai/{world.ids['kind_id']}", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"<html><body>hi</body></html>"), "thuyet-minh.pdf")})
    assert refused.status_code in (415, 422)
    assert db.session.scalar(select(func.count(Attachment.id)).where(Attachment.entry_id == draft)) == 1


class TestRateLimit:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_login_is_rate_limited_with_a_vietnamese_message(self, client):
        statuses = [client.post("/tai-khoan/dang-nhap", data={"email": "ai@example.vn", "password": "sai"}).status_code
                    for _ in range(12)]
        assert 429 not in statuses[:10] and statuses[-1] == 429
        response = client.post("/tai-khoan/dang-nhap", data={"email": "ai@example.vn", "password": "sai"})
        assert response.status_code == 429
        assert "Quá nhiều yêu cầu" in response.get_data(as_text=True)
        assert client.get("/tai-khoan/dang-nhap").status_code == 200  # reading the page is not limited


def _seen_address(app) -> str:
    seen = {}

    @app.get("/_dia-chi-thay-duoc")
    def _address() -> str:
        from flask import request

        seen["ip"] = request.remote_addr
        return "ok"

    app.test_client().get("/_dia-chi-thay-duoc", headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    return seen["ip"]


def test_forwarded_for_is_ignored_unless_trusted_proxies_are_configured(tmp_path, database_url):
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)}
    assert _seen_address(create_app(base)) == "198.51.100.7"
    assert _seen_address(create_app({**base, "PROXY_FIX_TRUSTED_HOPS": 1})) == "203.0.113.9"
