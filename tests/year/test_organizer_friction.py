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
