"""Who advances from a closed round to the next one.

The rule, as the contest applies it to one round's ranking:

* An entry with no submitted score sheet has no rank and never advances.
* ``minimum``: an entry whose round score is below this total never advances.
* ``zero_floors``: when the round eliminates on a zero criterion, an entry whose judges' mean on
  any criterion is at or below that criterion's minimum never advances.
* Among the entries the rules allow, organizers advance either

  - the best ``n`` of every track (category): an entry tied with the ``n``-th of its track, i.e.
    sharing its rank, advances as well (a tie at the cut is never broken by chance, so a track may
    send more than ``n``); a track with ``n`` or fewer allowed entries sends them all, an empty
    track sends none; or
  - every entry whose score is at or above a threshold (the threshold is inclusive).

Ranks come from the round's ranking (1 = best, equal ranks = tied) and scores are on the 100-point
scale.  Everything here is plain Python in, plain Python out; no input is changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """One entry of the round as the rule sees it."""

    key: Hashable  # the entry's identity, returned in the chosen set
    track: Hashable  # the category whose quota the entry competes for
    rank: int | None  # None: no submitted sheet, so no place in the ranking
    score: float | None
    criterion_means: Mapping[str, float] = field(default_factory=dict)  # criterion key -> judges' mean


@dataclass(frozen=True)
class Blocks:
    """Why the round's own rules refuse an entry; empty (falsy) when they allow it."""

    unscored: bool = False
    below_minimum: bool = False
    zero_criteria: tuple[str, ...] = ()  # criterion keys whose mean sits at the criterion's minimum

    def __bool__(self) -> bool:
        return self.unscored or self.below_minimum or bool(self.zero_criteria)


def blocks(candidate: Candidate, *, minimum: float | None = None,
           zero_floors: Mapping[str, float] | None = None) -> Blocks:
    """The rules that refuse ``candidate``.

    ``minimum`` is the lowest total allowed to advance (None: no minimum).  ``zero_floors`` maps each
    criterion key, in the order of the rubric, to its minimum score when the round eliminates on a
    zero criterion (None: it does not); criteria the entry has no mean for are not judged.
    """
    if candidate.rank is None or candidate.score is None:
        return Blocks(unscored=True)
    below = minimum is not None and candidate.score < minimum
    means = candidate.criterion_means
    zero = tuple(key for key, floor in (zero_floors or {}).items() if key in means and means[key] <= floor)
    return Blocks(below_minimum=below, zero_criteria=zero)


def allowed(candidates: Iterable[Candidate], *, minimum: float | None = None,
            zero_floors: Mapping[str, float] | None = None) -> list[Candidate]:
    """The candidates no rule refuses, in their given order."""
    return [c for c in candidates if not blocks(c, minimum=minimum, zero_floors=zero_floors)]


def top_n_per_track(candidates: Sequence[Candidate], n: int) -> set[Hashable]:
    """Keys of the best ``n`` allowed candidates of every track, with everyone tied at the cut.

    ``candidates`` must already be the allowed ones (see :func:`allowed`); those without a rank cannot
    be placed and are left out.  ``n`` must be at least 1.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    by_track: dict[Hashable, list[Candidate]] = defaultdict(list)
    for c in candidates:
        if c.rank is not None:
            by_track[c.track].append(c)
    chosen: set[Hashable] = set()
    for rows in by_track.values():
        rows = sorted(rows, key=lambda c: c.rank)  # type: ignore[arg-type, return-value]
        if len(rows) > n:
            cut = rows[n - 1].rank
            rows = [c for c in rows if c.rank <= cut]  # type: ignore[operator]
        chosen.update(c.key for c in rows)
    return chosen


def at_or_above(candidates: Iterable[Candidate], threshold: float) -> set[Hashable]:
    """Keys of the allowed candidates whose score reaches ``threshold`` (inclusive)."""
    return {c.key for c in candidates if c.score is not None and c.score >= threshold}
