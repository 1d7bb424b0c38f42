"""Every page a demo user can reach by following links answers without a server error.

For each role of the demo the crawl starts at the home page and the role's own home, follows
every link of every HTML page it receives (GET only, same site, bounded), and fails on any 5xx.
Links that end the session are skipped so the crawl stays in the role it started in.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from contest import results
from contest.demo import DEMO_PASSWORD, DEMO_SLUG, seed_demo
from contest.extensions import db
from contest.models import Assignment, Edition, Entry, RoundStatus, User
from contest.rounds import advance_entries, close_round
from tests.results.helpers import add_sheet

MAX_PAGES = 400
MAX_PER_SHAPE = 4  # /quan-tri/bai-du-thi/12 and /13 are the same page for different data
SKIP = ("/tai-khoan/dang-xuat", "/static/")
HREF = re.compile(r'href="([^"]+)"')

ROLES = {
    "organizer": ("btc@demo.vn", ["/", "/quan-tri/"]),
    "judge": ("gk.cntt@demo.vn", ["/", "/giam-khao/"]),
    "committee": ("hd.truongban@demo.vn", ["/", "/quan-tri/hoi-dong"]),
    "applicant": ("tacgia@demo.vn", ["/", "/bai-du-thi/"]),
    "visitor": (None, ["/", "/ket-qua", "/tai-khoan/dang-nhap"]),
}


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client, starts: list[str]) -> tuple[list[tuple[str, int]], int]:
    """Visit pages breadth first; returns the 5xx answers and the number of pages fetched."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue = deque(starts)
    errors: list[tuple[str, int]] = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        shape = _shape(url)
        if shapes.get(shape, 0) >= MAX_PER_SHAPE or any(path.startswith(s) for s in SKIP):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        fetched += 1
        if response.status_code >= 500:
            errors.append((url, response.status_code))
            continue
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            link, _fragment = urldefrag(unescape(href))
            parts = urlsplit(link)
            if not link or parts.scheme not in ("", "http") or (parts.netloc and parts.netloc != "localhost"):
                continue
            if not parts.path.startswith("/"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                queue.append(local)
    return errors, fetched


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()


@pytest.fixture
def judged_demo(app):
    """The demo a season later: round 1 scored, closed and decided, the final scored and closed, awards computed."""
    seed_demo()
    edition = db.session.scalar(select(Edition).where(Edition.slug == DEMO_SLUG))
    organizer = db.session.scalar(select(User).where(User.email == "btc@demo.vn"))
    judges = db.session.scalars(select(User).where(User.email.like("gk.%@demo.vn")).order_by(User.email)).all()
    preliminary, final = edition.rounds[0], edition.rounds[-1]
    eligible = db.session.scalars(select(Entry).where(Entry.edition_id == edition.id, Entry.status == "eligible")
                                  .order_by(Entry.id)).all()
    # The demo's judges already hold some of round 1's pairs (sheets under way): the rest are scored here.
    taken = set(db.session.execute(select(Assignment.entry_id, Assignment.judge_id)
                                   .where(Assignment.round_id == preliminary.id)).all())
    for i, entry in enumerate(eligible):
        for j, judge in enumerate(judges[:3]):
            if (entry.id, judge.id) in taken:
                continue
            add_sheet(preliminary, entry, judge, 40 + (7 * i) % 30 + 2 * j, comment=f"Nhận xét vòng 1 số {j + 1}")
    preliminary.status = RoundStatus.OPEN.value
    close_round(preliminary, actor=organizer)
    advance_entries(preliminary, "top_n", top_n=3, actor=organizer)
    finalists = [e for e in eligible if e.status == "advanced"]
    for i, entry in enumerate(finalists):
        for j, judge in enumerate(judges[:3]):
            add_sheet(final, entry, judge, 50 + (6 * i) % 20 + j, comment=f"Nhận xét chung khảo số {j + 1}")
    final.status = RoundStatus.OPEN.value
    close_round(final, actor=organizer)
    results.compute_result_set(final, actor=organizer)
    db.session.commit()


@pytest.mark.parametrize("role", list(ROLES))
def test_crawl_demo_pages_of_each_role_answer_without_server_errors(app, client, auth, demo, role):
    _crawl_as(auth, client, role)


@pytest.mark.parametrize("role", ["organizer", "judge", "committee", "applicant"])
def test_crawl_judged_demo_pages_of_each_role_answer_without_server_errors(app, client, auth, judged_demo, role):
    _crawl_as(auth, client, role)


def _crawl_as(auth, client, role: str) -> None:
    email, starts = ROLES[role]
    if email is not None:
        response = auth.login(email, DEMO_PASSWORD)
        assert response.status_code == 302, f"{email} could not log in"
    errors, fetched = crawl(client, starts)
    assert fetched > 5, "the crawl found almost nothing: links are not being followed"
    assert errors == []
