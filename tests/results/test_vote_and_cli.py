"""The real public-vote tally feeds the totals; the scheduled command finalizes ended complaint periods."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from contest import results, votes
from contest.extensions import db
from contest.models import (
    ONCE_DAY,
    ResultStatus,
    Role,
    Vote,
    Voter,
    VotingPeriod,
    utcnow,
)
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT


def test_frozen_vote_tally_adds_points_and_changes_the_order(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    now = utcnow()
    period = VotingPeriod(round_id=round_.id, opens_at=now - timedelta(days=3), closes_at=now - timedelta(hours=1))
    db.session.add(period)
    db.session.flush()
    counts = {"F": 8, "E": 4, "A": 1}
    n = 0
    for label, k in counts.items():
        for _ in range(k):
            n += 1
            voter = Voter(email=f"cu.tri{n}@example.vn", verified_at=now - timedelta(days=2))
            db.session.add(voter)
            db.session.flush()
            db.session.add(Vote(period_id=period.id, voter_id=voter.id, entry_id=entries[label].id, vote_day=ONCE_DAY,
                                created_at=now - timedelta(days=2)))
    db.session.commit()

    # Before the tally is frozen there is no vote part.
    before = results.compute_result_set(round_)
    assert all(a.vote_score is None for a in before.awards)
    votes.freeze_tally(period, now=now)
    db.session.commit()

    rs = results.compute_result_set(round_)
    db.session.commit()
    by = {k: next(a for a in rs.awards if a.entry_id == e.id) for k, e in entries.items()}
    assert by["F"].vote_score == Decimal("20.0")  # 20 × 8 ÷ 8
    assert by["E"].vote_score == Decimal("10.0")
    assert by["A"].vote_score == Decimal("2.5")
    assert by["B"].vote_score == Decimal("0.0")
    for a in rs.awards:
        assert a.total_score == a.expert_score + a.vote_score
    assert by["F"].rank < by["D"].rank  # 52 + 20 beats 60 + 0
    assert rs.payload["inputs"]["has_vote"] is True
    assert results.recompute_check(rs).matches
    assert rs.input_hash != before.input_hash


def test_finalize_results_command(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, utcnow() + timedelta(days=5), actor=organizer, notify=False)
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["contest", "finalize-results"])
    assert out.exit_code == 0 and "Không có bảng kết quả nào" in out.output
    rs.complaint_ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    out = runner.invoke(args=["contest", "finalize-results"])
    assert out.exit_code == 0 and f"#{rs.id}" in out.output
    db.session.expire_all()
    assert db.session.get(type(rs), rs.id).status == ResultStatus.FINALIZED


def test_a_vote_held_during_round_one_counts_in_the_final_award_list(app):
    """The demo's year: the public vote runs while round 1 is scored; once it is frozen, the final's awards add
    its points (the dashboard asks to freeze it before computing the awards for that reason)."""
    edition, final, entries, judges = scored_contest(LENIENT)
    preliminary = edition.rounds[0]
    assert final is not preliminary
    now = utcnow()
    period = VotingPeriod(round_id=preliminary.id, opens_at=now - timedelta(days=3), closes_at=now - timedelta(hours=1))
    db.session.add(period)
    db.session.flush()
    for n in range(4):
        voter = Voter(email=f"nguoi.dan{n}@example.vn", verified_at=now - timedelta(days=2))
        db.session.add(voter)
        db.session.flush()
        db.session.add(Vote(period_id=period.id, voter_id=voter.id, entry_id=entries["F" if n else "E"].id,
                            vote_day=ONCE_DAY, created_at=now - timedelta(days=2)))
    votes.freeze_tally(period, now=now)
    db.session.commit()

    rs = results.compute_result_set(final)
    db.session.commit()
    by = {k: next(a for a in rs.awards if a.entry_id == e.id) for k, e in entries.items()}
    assert by["F"].vote_score == Decimal("20.0") and by["E"].vote_score == Decimal("6.7")  # 20 × 1 ÷ 3
    assert rs.payload["inputs"]["has_vote"] is True
    assert not any(w.startswith("vote_not_frozen") for w in rs.payload.get("warnings", []))
