"""The public vote part of the score and its combination with the expert part.

Model (the contest's rule, "Điểm bình chọn của cộng đồng")
    points_e = P × votes_e ÷ max_e votes_e, rounded half-up to one decimal (12.25 -> 12.3),
    with P = 20 by default.  The arithmetic is exact (fractions of integers, then decimal
    rounding), never binary floating point, so 12.25 cannot turn into 12.2.  When no entry has a
    vote, every entry gets 0 points.

Units: vote counts are non-negative integers; points are :class:`decimal.Decimal`.
The total is the expert part (points on its own scale, e.g. 0–80) plus the vote part.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

DEFAULT_VOTE_POINTS = 20


def _half_up(value: Fraction, decimals: int) -> Decimal:
    quantum = Fraction(1, 10**decimals)
    units = value / quantum
    # Half-up away from zero for the non-negative values used here.
    whole = (units.numerator * 2 + units.denominator) // (2 * units.denominator)
    return Decimal(whole).scaleb(-decimals).quantize(Decimal(1).scaleb(-decimals))


def vote_points(
    votes: Mapping[str, int], max_points: int | str | Decimal = DEFAULT_VOTE_POINTS, decimals: int = 1
) -> dict[str, Decimal]:
    """Vote points per entry: ``max_points × votes ÷ highest votes``, half-up to ``decimals``."""
    points = Fraction(Decimal(str(max_points)))
    if points < 0:
        raise ValueError("max_points must be >= 0")
    counts: dict[str, int] = {}
    for entry_id, v in votes.items():
        if isinstance(v, bool) or int(v) != v or v < 0:
            raise ValueError(f"votes of {entry_id!r} must be a whole number >= 0, not {v!r}")
        counts[entry_id] = int(v)
    top = max(counts.values(), default=0)
    if top == 0:
        return {e: _half_up(Fraction(0), decimals) for e in counts}
    return {e: _half_up(points * v / top, decimals) for e, v in counts.items()}


def combine(expert: Mapping[str, float], vote: Mapping[str, Decimal | float]) -> dict[str, float]:
    """Total per entry: expert points plus vote points (an entry without votes gets 0 vote points).

    Every entry with a vote must also have an expert score.
    """
    unknown = set(vote) - set(expert)
    if unknown:
        raise ValueError(f"vote points for entries without an expert score: {sorted(unknown)}")
    return {e: float(Decimal(repr(float(s))) + Decimal(str(vote.get(e, 0)))) for e, s in expert.items()}
