"""Real headless Chromium (Debian's package) driven by Playwright, against the app on loopback.

``live_server`` serves the test's ``app`` on a free 127.0.0.1 port in a thread;
``page`` is a fresh browser context per test.  When Chromium is not installed
the browser tests are skipped with a loud message (``make test`` installs it).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@dataclass
class LiveServer:
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    # Requests are served in other threads: they need their own app contexts, which Flask pushes.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        message = "CHROMIUM IS NOT INSTALLED: browser tests skipped (apt-get install chromium)"
        print(f"\n{'!' * 70}\n{message}\n{'!' * 70}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
