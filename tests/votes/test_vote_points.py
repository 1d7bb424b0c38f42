"""Vote points from a frozen tally: the contest's rule, half-up to one decimal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from contest import votes
from contest.extensions import db
from contest.models import Vote, Voter, utcnow
from tests.votes.helpers import edition_with_entries, window


def _voters(n: int) -> list[Voter]:
    people = [Voter(email=f"cu-tri{i}@gmail.com", verified_at=utcnow()) for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    return people


def _cast(period, entry, people, start=0):
    for person in people:
        votes.cast_vote(period, person, entry, ip="203.0.113.5")


def _frozen_period(round_, counts):
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    people = _voters(max(counts.values(), default=0))
    for entry, n in counts.items():
        _cast(period, entry, people[:n])
    votes.freeze_tally(period, now=closes + timedelta(minutes=1))
    db.session.commit()
    return period


def test_twelve_point_two_five_rounds_half_up_to_twelve_point_three(app) -> None:
    # 20 × 49 ÷ 80 = 12.25 exactly: banker's rounding would give 12.2.
    edition, round_, (a, b, c) = edition_with_entries(3)
    _frozen_period(round_, {a: 80, b: 49, c: 0})
    points = votes.vote_points_for_round(round_)
    assert points == {a.id: Decimal("20.0"), b.id: Decimal("12.3"), c.id: Decimal("0.0")}


def test_zero_votes_everywhere_gives_zero_points(app) -> None:
    edition, round_, entries = edition_with_entries(3)
    _frozen_period(round_, {})
    assert votes.vote_points_for_round(round_) == {e.id: Decimal("0.0") for e in entries}


def test_single_entry_with_votes_gets_full_points(app) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    _frozen_period(round_, {a: 1})
    assert votes.vote_points_for_round(round_) == {a.id: Decimal("20.0"), b.id: Decimal("0.0")}


def test_point_value_comes_from_the_edition(app) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    edition.vote_points = 10
    db.session.commit()
    _frozen_period(round_, {a: 3, b: 1})
    assert votes.vote_points_for_round(round_) == {a.id: Decimal("10.0"), b.id: Decimal("3.3")}


def test_no_points_before_the_tally_is_frozen(app) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    _cast(period, a, _voters(2))
    db.session.commit()
    assert votes.vote_points_for_round(round_) == {}


def test_edition_without_public_vote_has_no_vote_part(app) -> None:
    edition, round_, (a,) = edition_with_entries(1)
    assert votes.vote_points_for_round(round_) == {}  # no period at all
    edition.vote_points = 0
    db.session.commit()
    assert votes.vote_points_for_round(round_) == {}


def test_voided_votes_do_not_count_in_points(app) -> None:
    from contest.models import Role
    from tests.factories import make_user

    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    people = _voters(4)
    _cast(period, a, people)
    _cast(period, b, people[:2])
    organizer = make_user(Role.ORGANIZER)
    fake = db.session.scalars(db.select(Vote).where(Vote.entry_id == a.id).limit(3)).all()
    votes.void_votes(list(fake), "Cùng một thiết bị", organizer)
    votes.freeze_tally(period, now=closes + timedelta(seconds=1))
    db.session.commit()
    # a keeps 1 vote, b has 2: b is the maximum.
    assert votes.vote_points_for_round(round_) == {a.id: Decimal("10.0"), b.id: Decimal("20.0")}
