"""Issue 20 item 5: mailed links follow the port the site is served on."""

from __future__ import annotations

from contest.config import load_config


def test_mailed_links_follow_the_served_port_unless_a_public_address_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.delenv("PORT")
    monkeypatch.delenv("HOST")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://doimoisangtao.thainguyen.gov.vn")
    assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == "https://doimoisangtao.thainguyen.gov.vn"
