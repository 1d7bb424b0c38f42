"""Many judges at the same moment, on PostgreSQL: nothing lost, nothing duplicated, no silent overwrite."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import Assignment, CriterionScore, ScoreSheet, SheetStatus
from contest.scoring import SheetInput, save_score_sheet, submit_score_sheet
from tests.concurrency import run_together
from tests.scoring.helpers import build_world


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL; SQLite serialises every writer")


def full_input(round_, version: int, base: int) -> SheetInput:
    values = {"doi_moi": base % 21, "hieu_qua": (base * 3) % 31, "ap_dung": (base * 7) % 31}
    return SheetInput(version=version, scores={c.id: str(values[c.key]) for c in round_.criteria})


def test_many_judges_submitting_at_once_lose_nothing(app):
    world = build_world(judges=12, entries=2)
    round_id = world.round.id
    ids = [a.id for a in world.assignments.values()]

    def submit_job(assignment_id: int):
        def job():
            a = db.session.get(Assignment, assignment_id)
            sheet, newly = submit_score_sheet(a, full_input(a.round, 0, assignment_id))
            return newly

        return job

    outcomes = run_together(app, [submit_job(i) for i in ids])
    assert outcomes == [True] * len(ids), outcomes
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == len(ids)
    assert db.session.scalar(select(func.count()).select_from(CriterionScore)) == 3 * len(ids)
    for sheet in db.session.scalars(select(ScoreSheet)):
        assert sheet.status == SheetStatus.SUBMITTED.value and sheet.version == 1
        expected = full_input(world.round, 0, sheet.assignment_id)
        assert {s.criterion_id: str(int(s.value)) for s in sheet.scores} == expected.scores
    assert world.round.id == round_id


def test_simultaneous_first_saves_of_one_sheet_make_one_sheet_and_one_conflict(app):
    world = build_world(judges=1, entries=1)
    assignment_id = next(iter(world.assignments.values())).id

    def job(base: int):
        def run():
            a = db.session.get(Assignment, assignment_id)
            return save_score_sheet(a, full_input(a.round, 0, base)).version

        return run

    outcomes = run_together(app, [job(b) for b in (3, 4, 5, 6)])
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"int": 1, "VersionConflict": 3}, outcomes
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 1
    assert db.session.scalar(select(func.count()).select_from(CriterionScore)) == 3


def test_simultaneous_saves_from_the_same_version_never_overwrite_silently(app):
    world = build_world(judges=1, entries=1)
    assignment_id = next(iter(world.assignments.values())).id
    save_score_sheet(db.session.get(Assignment, assignment_id), full_input(world.round, 0, 1))
    db.session.commit()

    def job(base: int):
        def run():
            a = db.session.get(Assignment, assignment_id)
            return save_score_sheet(a, full_input(a.round, 1, base)).version

        return run

    outcomes = run_together(app, [job(b) for b in (7, 8, 9, 10, 11)])
    winners = [o for o in outcomes if isinstance(o, int)]
    assert winners == [2], outcomes
    assert all(type(o).__name__ == "VersionConflict" for o in outcomes if not isinstance(o, int)), outcomes
    sheet = db.session.scalar(select(ScoreSheet))
    assert sheet.version == 2
    # The stored values are exactly one of the writers' (never a mix of two).
    stored = {s.criterion_id: str(int(s.value)) for s in sheet.scores}
    assert stored in [full_input(world.round, 1, b).scores for b in (7, 8, 9, 10, 11)]
