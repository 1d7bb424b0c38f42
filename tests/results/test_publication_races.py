"""Two organizers publishing at the same moment: exactly one wins, the other is told why."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from contest import results
from contest.extensions import db
from contest.models import ResultSet, ResultStatus, Role
from tests.concurrency import run_together
from tests.factories import make_user
from tests.results.helpers import approve_all, committee
from tests.results.test_publication import _setup


def _frozen_sets(count: int):
    edition, round_, entries, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    sets = []
    for _ in range(count):
        rs = results.compute_result_set(round_)
        results.freeze_result_set(rs, organizer)
        approve_all(rs, members)
        sets.append(rs)
    db.session.commit()
    return organizer, sets


def _publish_job(rs_id: int, organizer_id: int):
    def job():
        from contest.models import User

        rs = db.session.get(ResultSet, rs_id)
        return results.publish_results(rs, actor=db.session.get(User, organizer_id), notify=False).status

    return job


def _public_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(ResultSet).where(ResultSet.status == ResultStatus.PUBLISHED.value)
    )


def test_a_stale_publish_is_refused_when_the_set_changed_meanwhile(app):
    organizer, (rs,) = _frozen_sets(1)
    # Another organizer's request unpublished-and-republished, or changed the set, after this one read it.
    db.session.execute(update(ResultSet).where(ResultSet.id == rs.id).values(version=ResultSet.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(results.ResultError) as refused:
        results.publish_results(rs, actor=organizer, notify=False)
    assert refused.value.status == 409 and "người khác" in refused.value.message
    db.session.rollback()
    assert _public_count() == 0


def test_the_database_keeps_one_public_set_per_scope_whatever_the_code_checks(app):
    organizer, (first, second) = _frozen_sets(2)
    results.publish_results(first, actor=organizer, notify=False)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(ResultSet).where(ResultSet.id == second.id)
                           .values(status=ResultStatus.PUBLISHED.value))
    db.session.rollback()
    assert _public_count() == 1


@pytest.fixture
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises every writer")


@pytest.mark.usefixtures("_postgres_only")
def test_publish_concurrently_only_one_wins(app):
    organizer, (rs,) = _frozen_sets(1)
    version_before = rs.version
    outcomes = run_together(app, [_publish_job(rs.id, organizer.id) for _ in range(2)])
    winners = [o for o in outcomes if o == ResultStatus.PUBLISHED.value]
    losers = [o for o in outcomes if isinstance(o, results.ResultError)]
    # The loser either saw the set already published (a harmless double click) or lost the compare-and-swap.
    assert len(winners) + len(losers) == 2 and len(winners) >= 1, outcomes
    for loser in losers:
        assert loser.status == 409 and "người khác" in loser.message
    db.session.expire_all()
    assert _public_count() == 1
    assert db.session.get(ResultSet, rs.id).version == version_before + 1  # published once


@pytest.mark.usefixtures("_postgres_only")
def test_publish_concurrently_two_sets_of_one_scope_only_one_wins(app):
    organizer, (first, second) = _frozen_sets(2)
    outcomes = run_together(app, [_publish_job(first.id, organizer.id), _publish_job(second.id, organizer.id)])
    winners = [o for o in outcomes if o == ResultStatus.PUBLISHED.value]
    losers = [o for o in outcomes if isinstance(o, results.ResultError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].status == 409 and "phạm vi này" in losers[0].message
    db.session.expire_all()
    assert _public_count() == 1
