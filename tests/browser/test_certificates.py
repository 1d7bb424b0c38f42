"""In real Chromium: a visitor follows the verification URL printed (and QR-coded) on a certificate."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from contest import exports, results
from contest.extensions import db
from tests.complaints.helpers import published_contest

pytestmark = pytest.mark.browser


def test_visitor_opens_the_verification_url_of_a_certificate(phone_page, app, tmp_path):
    rs, entries, organizer = published_contest()
    results.finalize_results(rs, organizer, now=rs.complaint_ends_at + timedelta(minutes=1))
    db.session.commit()
    award = next(a for a in rs.awards if a.entry_id == entries["A"].id)
    path = tmp_path / "chung-nhan.pdf"
    path.write_bytes(exports.certificate_pdf(award))
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    url = re.search(r"https?://\S+/xac-minh/[A-Z0-9-]+", text).group(0)

    phone_page.goto(urlsplit(url).path)
    assert phone_page.locator("[data-test=verify-valid]").is_visible()
    facts = phone_page.locator("[data-test=certificate]").inner_text()
    assert entries["A"].title in facts and award.level.name in facts and rs.edition.name in facts
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400

    phone_page.goto("/xac-minh/AAAA-BBBB-CCCC")
    assert phone_page.locator("[data-test=verify-unknown]").is_visible()
