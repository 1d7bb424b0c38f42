"""Allocating award levels (Nhất, Nhì, Ba, Khuyến khích …) down the total score.

Model
    An award structure (cơ cấu giải thưởng) is an ordered list of levels, best first, each with
    a *quota* (a maximum: it may stay unfilled) and a *minimum score*.  Within each category (or
    overall), entries are taken in order of their total score, highest first, and each receives
    the best level that still has room and whose minimum it meets; an entry below a level's
    minimum may drop to a lower level whose minimum it meets; an entry that meets no remaining
    level gets nothing ("no award below threshold").  Allocation stops when the structure is
    used up.

Ties
    Scores are compared after rounding half-up to ``decimals`` places (the displayed precision,
    default 2).  When a group of tied entries needs more places at a level than remain, the tie
    *straddles the quota boundary*: no entry of the group is silently preferred.  Every entry
    of the group is given the level provisionally with ``tie_at_boundary`` set and
    ``contested_places`` (how many places the group competes for); the level is then full, and
    the surplus (group size minus places) is taken from the next level's quota, because that is
    where the council will move the entries it does not keep.  The council decides.

Units: points of whatever scale the scores are on (expert points plus vote points when
combined).  Nothing is modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from judging.rank import DEFAULT_DECIMALS, round_half_up

OVERALL = ""  # the category name when awards are not given per category


@dataclass(frozen=True)
class Level:
    """An award level; ``category`` None applies the level to every category."""

    name: str
    quota: int
    min_score: float = 0.0
    category: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an award level needs a name")
        if int(self.quota) != self.quota or self.quota < 0:
            raise ValueError(f"level {self.name!r}: quota must be a whole number >= 0")


@dataclass(frozen=True)
class Award:
    entry_id: str
    category: str
    score: float
    position: int  # 1-based place in the category's order by score
    level: str | None  # None: no award
    tie_at_boundary: bool = False
    contested_places: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LevelUse:
    category: str
    level: str
    quota: int
    awarded: int
    min_score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AwardList:
    awards: list[Award]  # every entry, by category then position
    levels: list[LevelUse]  # how each level's quota was used, per category
    ties_at_boundary: list[str]  # entry ids the council must decide on

    def to_dict(self) -> dict:
        return {
            "awards": [a.to_dict() for a in self.awards],
            "levels": [u.to_dict() for u in self.levels],
            "ties_at_boundary": list(self.ties_at_boundary),
        }

    def level_of(self) -> dict[str, str | None]:
        return {a.entry_id: a.level for a in self.awards}


def levels_for(levels: Sequence[Level], category: str) -> list[Level]:
    """The structure of one category: its own levels if any, else the category-free levels."""
    own = [lv for lv in levels if lv.category not in (None, "") and lv.category == category]
    if own:
        return own
    return [lv for lv in levels if lv.category in (None, "")]


def _walk(scores: Mapping[str, float], ids: list[str], structure: list[Level], decimals: int, *, full: bool):
    """Go down one category's entries; yield (position, tied group, level index, straddle, places).

    Entries are sorted by their float score; rounding half-up is monotone, so consecutive
    entries with equal rounded scores form exactly the tie groups.  With ``full`` False the walk
    stops once the structure is used up (every later entry gets nothing), which keeps the
    bootstrap's thousands of allocations fast.
    """
    order = sorted(ids, key=lambda e: (-scores[e], e))
    minima = [round_half_up(lv.min_score, decimals) for lv in structure]
    remaining = [int(lv.quota) for lv in structure]
    position = 0
    n = len(order)
    current = round_half_up(scores[order[0]], decimals) if n else None
    while position < n:
        value = current
        end = position + 1
        while end < n:
            current = round_half_up(scores[order[end]], decimals)
            if current != value:
                break
            end += 1
        group = sorted(order[position:end])
        chosen = next((i for i in range(len(structure)) if remaining[i] > 0 and value >= minima[i]), None)
        straddle = chosen is not None and len(group) > remaining[chosen]
        places = remaining[chosen] if chosen is not None else 0
        yield position + 1, group, chosen, straddle, places
        if chosen is not None:
            if straddle:
                surplus = len(group) - remaining[chosen]
                remaining[chosen] = 0
                # The entries the council does not keep drop one level: reserve room there.
                for k in range(chosen + 1, len(structure)):
                    take = min(surplus, remaining[k])
                    remaining[k] -= take
                    surplus -= take
                    if surplus == 0:
                        break
            else:
                remaining[chosen] -= len(group)
        position = end
        # Scores only go down: once no level has room for this score, none ever will.
        if not full and end < n and not any(
                remaining[i] > 0 and current >= minima[i] for i in range(len(structure))):
            return


def _split(scores: Mapping[str, float], levels: Sequence[Level], categories: Mapping[str, str] | None):
    if not levels:
        raise ValueError("no award levels")
    by_category: dict[str, list[str]] = {}
    for entry_id in scores:
        cat = categories.get(entry_id, OVERALL) if categories else OVERALL
        by_category.setdefault(cat, []).append(entry_id)
    for cat in sorted(by_category):
        structure = levels_for(levels, cat)
        names = [lv.name for lv in structure]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate level names in category {cat!r}")
        yield cat, by_category[cat], structure


def allocate(
    scores: Mapping[str, float],
    levels: Sequence[Level],
    categories: Mapping[str, str] | None = None,
    *,
    decimals: int = DEFAULT_DECIMALS,
) -> AwardList:
    """Award levels for ``scores`` (entry id -> total), per category when ``categories`` is given.

    Entries missing from ``categories`` form the overall category ``""``.  Level names must be
    unique within a category.
    """
    awards: list[Award] = []
    uses: list[LevelUse] = []
    contested: list[str] = []
    for cat, ids, structure in _split(scores, levels, categories):
        awarded = [0] * len(structure)
        for position, group, chosen, straddle, places in _walk(scores, ids, structure, decimals, full=True):
            for e in group:
                awards.append(
                    Award(
                        entry_id=e,
                        category=cat,
                        score=float(scores[e]),
                        position=position,
                        level=structure[chosen].name if chosen is not None else None,
                        tie_at_boundary=straddle,
                        contested_places=places if straddle else 0,
                    )
                )
            if chosen is not None:
                awarded[chosen] += len(group)
            if straddle:
                contested.extend(group)
        for i, lv in enumerate(structure):
            uses.append(LevelUse(cat, lv.name, int(lv.quota), awarded[i], float(lv.min_score)))
    return AwardList(awards, uses, contested)


def award_levels(
    scores: Mapping[str, float],
    levels: Sequence[Level],
    categories: Mapping[str, str] | None = None,
    *,
    decimals: int = DEFAULT_DECIMALS,
) -> dict[str, str | None]:
    """Only the level per entry (None: no award), the same allocation as :func:`allocate`."""
    result: dict[str, str | None] = dict.fromkeys(scores)
    for _, ids, structure in _split(scores, levels, categories):
        for _, group, chosen, _, _ in _walk(scores, ids, structure, decimals, full=False):
            if chosen is not None:
                for e in group:
                    result[e] = structure[chosen].name
    return result
