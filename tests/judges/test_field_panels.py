"""Sub-panels per field: judges stay within the entry's field unless the edition compares across fields."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.assignments import AssignmentError, run_assignment
from contest.extensions import db
from contest.models import Assignment, Entry, User
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture(autouse=True)
def in_request(app):
    with app.test_request_context("/quan-tri/"):
        yield


def cross_field_pairs(round_) -> list[tuple[int, int]]:
    crossing = []
    for a in db.session.scalars(select(Assignment).where(Assignment.round_id == round_.id)):
        entry, judge_ = db.session.get(Entry, a.entry_id), db.session.get(User, a.judge_id)
        if entry.category.code not in judge_.judge_profile.expertise_categories:
            crossing.append((a.entry_id, a.judge_id))
    return crossing


def two_fields(*, across_fields: bool):
    edition, _ = contest_with_entries({"cntt": 6, "co_khi": 6}, across_fields=across_fields)
    for field in ("cntt", "co_khi"):
        for _ in range(3):
            judge(fields=[field], max_load=6)
    return first_round(edition)


def test_two_field_round_keeps_every_pair_within_its_field_by_default(app):
    round_ = two_fields(across_fields=False)
    report = run_assignment(round_, per_entry=2)
    db.session.commit()
    assert report.created == 24
    assert cross_field_pairs(round_) == []


def test_edition_comparing_across_fields_gets_cross_field_bridges(app):
    round_ = two_fields(across_fields=True)
    report = run_assignment(round_, per_entry=2)
    db.session.commit()
    assert report.created == 24
    assert len(cross_field_pairs(round_)) >= 1


def test_field_without_enough_judges_of_its_own_stops_the_run_naming_the_field(app):
    edition, _ = contest_with_entries({"cntt": 4, "y_duoc": 2})
    for _ in range(3):
        judge(fields=["cntt"])
    judge(fields=["y_duoc"])
    round_ = first_round(edition)
    with pytest.raises(AssignmentError) as caught:
        run_assignment(round_, per_entry=3)
    message = caught.value.message
    assert "Lĩnh vực “Y – dược” cần ít nhất 3 giám khảo của lĩnh vực mình nhưng mới có 1." in message
    assert "Công nghệ thông tin" not in message
    # Nothing was proposed, not even for the field that had enough judges.
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 0
