"""Deterministic ranking with competition ranks and flagged ties.

Model
    Entries are ordered by their value (points of the displayed scale), best first.  Two entries
    are *tied* when their values agree after rounding half-up to ``decimals`` places (default 2,
    the displayed precision): differences below what the published list shows are not treated
    as real.  Tied entries share a competition rank (1, 2, 2, 4) and are flagged ``tied``; the
    council, not the software, decides a tie that matters (see :mod:`judging.awards`).

Listing order inside a tie (documented tie-breaks, applied in this order)
    1. the mean points on the highest-weight criterion (higher first, rounded like the value);
    2. fewer missing sheets (sheets with a criterion left blank);
    3. the reference code (or the entry id when no code is given), ascending, compared as text.
    These only order the list; they never split a shared rank.

Units: points of the scale the values are on.  Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_DECIMALS = 2


def round_half_up(value: float, decimals: int = DEFAULT_DECIMALS) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places, via its shortest decimal repr.

    ``repr`` is used so 12.345 (stored as 12.3449999…) rounds to 12.35 as people expect.
    """
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Ranked:
    """One row of a ranking."""

    rank: int
    entry_id: str
    score: float
    tied: bool = False
    stderr: float | None = None
    primary_mean: float | None = None
    missing_sheets: int = 0
    reference_code: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def rank(
    entry_ids: Sequence[str],
    values: Sequence[float],
    *,
    primary_means: Sequence[float | None] | None = None,
    missing_sheets: Sequence[int] | None = None,
    reference_codes: Mapping[str, str] | None = None,
    stderr: Sequence[float | None] | None = None,
    decimals: int = DEFAULT_DECIMALS,
) -> list[Ranked]:
    """Rank entries best first (see the module docstring for ties and tie-breaks)."""
    n = len(entry_ids)
    if len(values) != n:
        raise ValueError("entry_ids and values differ in length")
    if len(set(entry_ids)) != n:
        raise ValueError("entry ids must be unique")
    primary_means = list(primary_means) if primary_means is not None else [None] * n
    missing_sheets = list(missing_sheets) if missing_sheets is not None else [0] * n
    stderr = list(stderr) if stderr is not None else [None] * n
    codes = reference_codes or {}
    for v in values:
        if v != v:
            raise ValueError("values must not be NaN")

    rounded = [round_half_up(v, decimals) for v in values]

    def key(i: int):
        pm = primary_means[i]
        pm_key = -round_half_up(pm, decimals) if pm is not None else Decimal("Infinity")
        return (-rounded[i], pm_key, missing_sheets[i], str(codes.get(entry_ids[i], entry_ids[i])), entry_ids[i])

    order = sorted(range(n), key=key)
    result: list[Ranked] = []
    position = 0
    while position < n:
        end = position
        while end + 1 < n and rounded[order[end + 1]] == rounded[order[position]]:
            end += 1
        tied = end > position
        for i in order[position : end + 1]:
            result.append(
                Ranked(
                    rank=position + 1,
                    entry_id=entry_ids[i],
                    score=float(values[i]),
                    tied=tied,
                    stderr=None if stderr[i] is None else float(stderr[i]),
                    primary_mean=None if primary_means[i] is None else float(primary_means[i]),
                    missing_sheets=int(missing_sheets[i]),
                    reference_code=codes.get(entry_ids[i]),
                )
            )
        position = end + 1
    return result
