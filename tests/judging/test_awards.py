"""Awards go down the total score until the structure is used up; boundary ties go to the council."""

import pytest

from judging.awards import Level, allocate

STRUCTURE = [Level("Nhất", 1, 85), Level("Nhì", 2, 75), Level("Ba", 3, 65), Level("Khuyến khích", 4, 50)]


def levels(result):
    return {a.entry_id: a.level for a in result.awards}


def test_awards_go_down_the_score_until_the_structure_is_used_up():
    scores = {f"e{i:02d}": 100.0 - 2 * i for i in range(12)}  # 100, 98, …, 78
    got = levels(allocate(scores, STRUCTURE))
    assert got == {
        "e00": "Nhất", "e01": "Nhì", "e02": "Nhì", "e03": "Ba", "e04": "Ba", "e05": "Ba",
        "e06": "Khuyến khích", "e07": "Khuyến khích", "e08": "Khuyến khích", "e09": "Khuyến khích",
        "e10": None, "e11": None,
    }


def test_no_first_prize_when_nobody_reaches_its_minimum():
    result = allocate({"a": 84.9, "b": 80.0, "c": 70.0}, STRUCTURE)
    assert levels(result) == {"a": "Nhì", "b": "Nhì", "c": "Ba"}
    use = {u.level: (u.quota, u.awarded) for u in result.levels}
    assert use["Nhất"] == (1, 0)  # a quota is a maximum and may stay unfilled


def test_an_entry_below_every_minimum_gets_nothing():
    assert levels(allocate({"a": 49.99, "b": 30.0}, STRUCTURE)) == {"a": None, "b": None}


def test_an_entry_drops_to_the_level_whose_minimum_it_meets():
    # The first prize is taken; b meets the first prize's minimum but gets second.
    assert levels(allocate({"a": 95.0, "b": 90.0, "c": 60.0}, STRUCTURE)) == {"a": "Nhất", "b": "Nhì",
                                                                              "c": "Khuyến khích"}


def test_a_tie_straddling_a_quota_boundary_is_flagged_for_the_council():
    scores = {"a": 90.0, "b": 80.0, "c": 78.0, "d": 78.0, "e": 70.0}
    result = allocate(scores, STRUCTURE)
    by_id = {a.entry_id: a for a in result.awards}
    # One Nhì place is left for c and d: both are marked, neither is silently preferred.
    assert by_id["c"].level == by_id["d"].level == "Nhì"
    assert by_id["c"].tie_at_boundary and by_id["d"].tie_at_boundary
    assert by_id["c"].contested_places == 1
    assert sorted(result.ties_at_boundary) == ["c", "d"]
    assert not by_id["b"].tie_at_boundary
    # The surplus entry will drop to Ba: one Ba place is reserved, so e gets Ba (2 left of 3).
    assert by_id["e"].level == "Ba" and not by_id["e"].tie_at_boundary
    ba = [u for u in result.levels if u.level == "Ba"][0]
    assert ba.awarded == 1


def test_a_tie_inside_a_level_is_not_flagged():
    result = allocate({"a": 80.0, "b": 80.0, "c": 60.0}, STRUCTURE)
    assert not any(a.tie_at_boundary for a in result.awards)
    assert levels(result) == {"a": "Nhì", "b": "Nhì", "c": "Khuyến khích"}


def test_ties_are_judged_on_the_displayed_two_decimals():
    result = allocate({"a": 86.001, "b": 86.004}, [Level("Nhất", 1, 85), Level("Nhì", 1, 0)])
    assert all(a.tie_at_boundary for a in result.awards)


def test_awards_per_category_use_each_categorys_quota():
    scores = {"it1": 90.0, "it2": 88.0, "ag1": 70.0, "ag2": 60.0}
    cats = {"it1": "IT", "it2": "IT", "ag1": "Nông nghiệp", "ag2": "Nông nghiệp"}
    structure = [Level("Nhất", 1, 65), Level("Nhì", 1, 0), Level("Nhất", 1, 80, category="IT"), Level("Nhì", 0, 0,
                                                                                                      category="IT")]
    got = levels(allocate(scores, structure, cats))
    assert got == {"it1": "Nhất", "it2": None, "ag1": "Nhất", "ag2": "Nhì"}


def test_levels_refuse_negative_or_fractional_quotas():
    with pytest.raises(ValueError):
        Level("Nhất", -1)
    with pytest.raises(ValueError):
        Level("Nhất", 1.5)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from judging.awards import award_levels  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    scores=st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.sampled_from([40.0, 55.5, 70.0, 70.004, 80.0,
                                                                                       86.0, 90.0]), max_size=15),
    quotas=st.lists(st.integers(0, 3), min_size=4, max_size=4),
)
def test_the_fast_level_lookup_agrees_with_the_full_allocation(scores, quotas):
    structure = [Level(lv.name, q, lv.min_score) for lv, q in zip(STRUCTURE, quotas)]
    full = allocate(scores, structure) if scores else None
    expected = {a.entry_id: a.level for a in full.awards} if full else {}
    assert award_levels(scores, structure) == expected
    if full:
        # Quotas are maxima except where a boundary tie is left to the council.
        for use in full.levels:
            tied = sum(1 for a in full.awards if a.level == use.level and a.tie_at_boundary)
            assert use.awarded <= use.quota or tied > 0
