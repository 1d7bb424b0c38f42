"""Deciding who advances reads the round once, however many entries it holds; each applicant's notice adds its own.

Only reads are pinned: every entry's outcome, status and audit event are rows of their own, and an
entry's status is written with its version check, so writes grow with the entries by design.
"""

from __future__ import annotations

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import EntryRound, Round, User
from contest.rounds import advance_entries, close_round
from contest.scoring import SheetInput, submit_score_sheet
from tests.querycount import counted_statements, selects
from tests.scoring.helpers import build_world


def _selects_to_advance(entries: int) -> int:
    """Close a one-judge round of ``entries`` entries, advance the best one per category, count the reads."""
    categories = ["cntt" if i % 2 else "y_duoc" for i in range(entries)]
    world = build_world(judges=1, entries=entries, categories=categories)
    judge = world.judges[0]
    for i, entry in enumerate(world.entries):
        points = {"doi_moi": 10 + i % 10, "hieu_qua": 20, "ap_dung": 20}
        data = SheetInput(version=0, scores={c.id: str(points[c.key]) for c in world.round.criteria})
        submit_score_sheet(world.assignment(judge, entry), data)
    db.session.commit()
    close_round(world.round, actor=world.organizer)
    db.session.commit()
    round_id, organizer_id = world.round.id, world.organizer.id
    db.session.expunge_all()  # as in a fresh request: nothing is already loaded

    round_ = db.session.get(Round, round_id)
    organizer = db.session.get(User, organizer_id)
    with counted_statements() as statements:
        outcome = advance_entries(round_, "top_n", top_n=1, actor=organizer)
    db.session.commit()
    assert len(outcome.advanced) == 2 and len(outcome.eliminated) == entries - 2
    seated = db.session.scalar(select(func.count()).select_from(EntryRound).where(
        EntryRound.round_id == outcome.next_round.id))
    assert seated == 2
    return len(selects(statements))


def test_advancing_reads_the_same_few_times_for_four_entries_or_twelve(app) -> None:
    small = _selects_to_advance(4)
    db.session.remove()
    larger = _selects_to_advance(12)
    # Deciding reads the round once; what grows is the mail each applicant now gets in their own language
    # (their account and its roles: two reads an entry).
    assert larger - small == 2 * (12 - 4)
    assert small == 5 + 2 * 4
