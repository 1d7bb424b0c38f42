"""One rule decides what an assignment shows its judge, on the score page and the entry page alike."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from contest.extensions import db
from contest.models import Assignment, AssignmentState, CriterionScore, EntryRound, Role, ScoreSheet, utcnow
from tests.factories import make_edition, make_entry, make_user


def _assigned_in_round(status: str):
    edition = make_edition()
    round_ = edition.rounds[0]
    round_.status = status
    round_.opens_at = utcnow() - timedelta(days=1)
    round_.closes_at = utcnow() + timedelta(days=10)
    entry = make_entry(make_user(), edition, status="eligible", title="Máy sấy chè năng lượng mặt trời")
    judge = make_user(Role.JUDGE)
    db.session.add(EntryRound(entry=entry, round=round_))
    assignment = Assignment(round_id=round_.id, judge_id=judge.id, entry_id=entry.id,
                            state=AssignmentState.ACTIVE.value, published_at=utcnow())
    assignment.sheet = ScoreSheet(status="draft", scores=[
        CriterionScore(criterion_id=round_.criteria[0].id, value=Decimal("10"))])
    db.session.add(assignment)
    db.session.commit()
    return judge, entry, assignment


def test_judge_cannot_open_the_score_page_of_a_round_still_in_draft(client, auth):
    judge, entry, assignment = _assigned_in_round("draft")
    auth.as_(judge)
    assert client.get(f"/giam-khao/cham/{assignment.id}").status_code == 404
    assert client.get(f"/bai-du-thi/{entry.id}").status_code == 404


def test_judge_opens_both_pages_of_an_open_round(client, auth):
    judge, entry, assignment = _assigned_in_round("open")
    auth.as_(judge)
    assert client.get(f"/giam-khao/cham/{assignment.id}").status_code == 200
    assert client.get(f"/bai-du-thi/{entry.id}").status_code == 200
