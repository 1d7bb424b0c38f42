"""Issue 20 items 6 and 7, the organizer's side: friction met while running the year from the pages."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from contest.models import Role
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def test_statistics_chart_carries_no_style_the_site_policy_would_drop(app):
    from contest import reports

    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    for code in ("cntt", "cntt", "nong_nghiep"):
        make_entry(owner, edition, status="submitted", category_code=code)
    svg = reports.chart_svg(reports.entries_by_category(edition))
    assert not re.search(r"\sstyle=", svg) and "<style" not in svg
    ElementTree.fromstring(svg.encode())  # still well-formed XML
    assert 'fill="#1b6b4a"' in svg  # the bars keep their colour as an attribute


def test_judge_reads_the_assignment_subject_with_its_spaces_from_the_raw_message(app, mailbox):
    from contest import assignments
    from contest.extensions import db
    from tests.judges.helpers import contest_with_entries, first_round, judge

    edition, entries = contest_with_entries({"cntt": 3})
    panel = [judge(fields=["cntt"]) for _ in range(2)]
    round_ = first_round(edition)
    round_.status = "open"
    assignments.run_assignment(round_, per_entry=2)
    assignments.publish_assignment(round_)
    db.session.commit()

    import email
    import email.policy

    assert len(mailbox) == len(panel)
    raw = mailbox[0].as_bytes()
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    subject_lines = re.search(r"^Subject: .*?(?=^\S)", head + "\nEnd", re.M | re.S).group(0).splitlines()
    assert all(len(line) <= 78 for line in subject_lines)
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == f"Danh sách bài được phân công chấm – {round_.name}"
