"""The facade: scores in, a reproducible, explainable evaluation out."""

import json

import pytest

from judging import __version__
from judging.awards import Level
from judging.engine import InvalidScores, allocate_awards, evaluate, stability
from judging.rubric import Criterion, Rubric, contest_rubric

RUBRIC = contest_rubric()
KEYS = RUBRIC.keys


def sheet(entry, judge, a, b, c):
    return [(entry, judge, KEYS[0], a), (entry, judge, KEYS[1], b), (entry, judge, KEYS[2], c)]


def small_round():
    return (
        sheet("A", "j1", 15, 25, 20) + sheet("A", "j2", 17, 27, 24)
        + sheet("B", "j1", 10, 20, 20) + sheet("B", "j3", 12, 22, 26)
        + sheet("C", "j2", 18, 28, 28) + sheet("C", "j3", 16, 24, 22)
    )


def test_raw_evaluation_of_the_contest_rubric_by_hand():
    ev = evaluate(small_round(), RUBRIC, "raw")
    # A: 60 and 68 -> 64; B: 50 and 60 -> 55; C: 74 and 62 -> 68 (plain sums, scale 80).
    assert [(r.rank, r.entry_id, r.score) for r in ev.ranking] == [(1, "C", 68.0), (2, "A", 64.0), (3, "B", 55.0)]
    c = ev.ranking[0]
    assert c.raw_mean == 68.0 and c.n_sheets == 2 and c.primary_mean == 26.0
    assert "judges_disagree" in c.flags  # 74 vs 62 differ by 12 > 8 = 10 % of 80
    assert "judges_disagree" in ev.ranking[2].flags  # 50 vs 60
    assert "judges_disagree" not in ev.ranking[1].flags  # 60 vs 68: exactly 8 is not more than 10 %
    assert ev.scale == 80 and ev.method == "raw" and ev.engine_version == __version__


def test_the_evaluation_is_json_and_its_hash_is_reproducible():
    ev = evaluate(small_round(), RUBRIC)
    data = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert data["method"] == "calibrated" and data["connected"] is True
    assert len(data["input_sha256"]) == 64
    assert {"rank", "entry_id", "score", "stderr", "raw_mean", "n_sheets", "tied", "flags"} <= set(data["ranking"][0])
    assert {"judge_id", "n_sheets", "bias", "bias_se", "scale", "residual_sd", "panel_correlation",
            "outlier"} <= set(data["judges"][0])
    shuffled = list(reversed(small_round()))
    assert evaluate(shuffled, RUBRIC).input_sha256 == ev.input_sha256
    changed = small_round()
    changed[0] = (changed[0][0], changed[0][1], changed[0][2], 16)
    assert evaluate(changed, RUBRIC).input_sha256 != ev.input_sha256
    assert evaluate(small_round(), RUBRIC, "raw").input_sha256 != ev.input_sha256


def test_invalid_scores_are_all_reported_with_where_and_why():
    items = small_round() + [("A", "j1", KEYS[0], 3), ("D", "j1", "bogus", 1), ("D", "j1", KEYS[1], 31),
                             ("D", "j2", KEYS[1], float("nan"))]
    with pytest.raises(InvalidScores) as caught:
        evaluate(items, RUBRIC)
    codes = [(e.entry_id, e.criterion, e.code) for e in caught.value.errors]
    assert codes == [
        ("A", KEYS[0], "duplicate"),
        ("D", "bogus", "unknown_criterion"),
        ("D", KEYS[1], "out_of_range"),
        ("D", KEYS[1], "not_a_number"),
    ]
    assert caught.value.errors[2].maximum == 30 and caught.value.errors[2].index == 20


def test_a_blank_criterion_is_totalled_over_the_rest_and_flagged():
    items = sheet("A", "j1", 10, 15, None) + sheet("B", "j1", 10, 15, 15)
    ev = evaluate(items, RUBRIC, "raw")
    a = [r for r in ev.ranking if r.entry_id == "A"][0]
    assert a.score == pytest.approx(80 * 25 / 50) and a.missing_sheets == 1 and "incomplete_sheet" in a.flags
    blank = sheet("C", "j1", None, None, None)
    ev = evaluate(items + blank, RUBRIC, "raw")
    assert ev.unscored == ["C"] and "C" not in {r.entry_id for r in ev.ranking}


def test_a_disconnected_panel_is_reported_not_silently_ranked():
    items = (sheet("A", "j1", 15, 25, 20) + sheet("A", "j2", 17, 27, 24)
             + sheet("B", "j3", 10, 20, 20) + sheet("B", "j4", 12, 22, 26))
    ev = evaluate(items, RUBRIC)
    assert not ev.connected and len(ev.components) == 2
    assert ev.components[0] == {"component": 0, "entries": ["A"], "judges": ["j1", "j2"]}
    assert any(w.startswith("disconnected_panel") for w in ev.warnings)
    flags = {r.entry_id: r.flags for r in ev.ranking}
    # Equal sizes: the component of the first entry counts as the main one.
    assert "separate_component" in flags["B"] and "separate_component" not in flags["A"]


def test_ties_share_a_rank_and_are_broken_in_the_listing_by_the_heaviest_criterion():
    items = sheet("A", "j1", 20, 20, 20) + sheet("B", "j1", 10, 30, 20)
    ev = evaluate(items, RUBRIC, "raw", reference_codes={"A": "TN-01", "B": "TN-02"})
    assert [(r.rank, r.entry_id, r.tied) for r in ev.ranking] == [(1, "B", True), (1, "A", True)]
    assert ev.ranking[0].reference_code == "TN-02"


def test_awards_add_the_vote_points_to_the_expert_score():
    ev = evaluate(small_round(), RUBRIC, "raw")
    structure = [Level("Nhất", 1, 80), Level("Nhì", 1, 0)]
    result = allocate_awards(ev, structure, extra_points={"B": 20.0, "A": 10.0, "C": 0.0})
    got = {a.entry_id: (a.level, a.score) for a in result.awards}
    # B 55 + 20 = 75 overtakes C (68) and A (64 + 10 = 74); nobody reaches the 80 of Nhất.
    assert got == {"B": ("Nhì", 75.0), "A": (None, 74.0), "C": (None, 68.0)}


def test_awards_accept_a_plain_mapping_and_refuse_unknown_extra_points():
    result = allocate_awards({"x": 90.0, "y": 10.0}, [Level("Nhất", 1, 50)])
    assert {a.entry_id: a.level for a in result.awards} == {"x": "Nhất", "y": None}
    with pytest.raises(ValueError):
        allocate_awards({"x": 90.0}, [Level("Nhất", 1, 50)], extra_points={"zz": 1.0})


def test_stability_is_seeded_and_reports_probabilities():
    ev = evaluate(small_round(), RUBRIC)
    structure = [Level("Nhất", 1, 0), Level("Nhì", 1, 0)]
    one = stability(ev, structure, top_k=1, n_resamples=50, seed=7)
    two = stability(ev, structure, top_k=1, n_resamples=50, seed=7)
    assert one.to_dict() == two.to_dict()
    json.dumps(one.to_dict())
    assert [e.entry_id for e in one.entries] == [r.entry_id for r in ev.ranking]
    for e in one.entries:
        assert 0.0 <= e.p_top_k <= 1.0 and 0.0 <= e.p_keep_level <= 1.0
        assert e.interval[0] <= e.interval[1]


def test_an_unknown_method_or_a_stray_parameter_is_refused():
    with pytest.raises(ValueError):
        evaluate(small_round(), RUBRIC, "best")
    with pytest.raises(ValueError):
        evaluate(small_round(), RUBRIC, "raw", params={"shrink": False})
    with pytest.raises(ValueError):
        evaluate(small_round(), RUBRIC, "calibrated", params={"shrinkage": False})


def test_a_disconnected_panel_is_still_strict_json():
    items = sheet("A", "j1", 15, 25, 20) + sheet("B", "j2", 10, 20, 20)
    json.dumps(evaluate(items, RUBRIC).to_dict(), allow_nan=False)


def test_a_custom_rubric_on_the_default_scale_of_100():
    rubric = Rubric((Criterion("a", 1, 10), Criterion("b", 1, 10)))
    ev = evaluate([("x", "j", "a", 7), ("x", "j", "b", 9)], rubric, "raw")
    assert ev.ranking[0].score == pytest.approx(80.0)


@pytest.mark.parametrize("method", ["raw", "zscore", "ls", "calibrated"])
def test_a_round_of_one_sheet_still_evaluates_and_bootstraps(method):
    ev = evaluate(sheet("A", "j1", 10, 10, 10), RUBRIC, method)
    assert [(r.rank, r.entry_id, r.score, r.flags) for r in ev.ranking] == [(1, "A", 30.0, ("single_judge",))]
    st = stability(ev, [Level("Nhất", 1, 0)], n_resamples=20, seed=3, resample="judges+sheets")
    # Replicates that drop the only sheet are not counted; the rest all keep the prize.
    assert st.entries[0].p_keep_level == 1.0 and 0 < st.entries[0].n_evaluable < 20
    # Posterior draws always have a value for every entry; alone, it keeps its prize.
    st = stability(ev, [Level("Nhất", 1, 0)], n_resamples=20, seed=3)
    assert st.resample == "posterior"
    assert st.entries[0].p_keep_level == 1.0 and st.entries[0].n_evaluable == 20


def test_anyone_can_recompute_the_input_hash_from_the_documented_text():
    import hashlib

    from judging.engine import canonical_text

    rubric = Rubric((Criterion("a", 2, 10, step=0.5), Criterion("b", 1, 5, minimum=1)), scale=80)
    items = [("E2", "j1", "a", 7.5), ("E1", "j1", "b", None), ("E1", "j1", "a", 3)]
    text = canonical_text(items, rubric, "calibrated", {"robust": False}, {"E1": "TN-01"})
    assert text == "\n".join([
        "judging-input-v1",
        "rubric|80.0",
        "criterion|a|2.0|0.0|10.0|0.5",
        "criterion|b|1.0|1.0|5.0|",
        "method|calibrated",
        'params|{"robust": false}',
        "score|E1|j1|a|3.0",
        "score|E1|j1|b|",
        "score|E2|j1|a|7.5",
        "code|E1|TN-01",
    ])
    ev = evaluate(items, rubric, "calibrated", {"E1": "TN-01"}, {"robust": False})
    assert ev.input_sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
