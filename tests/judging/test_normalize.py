"""Normalisation: hand-computed values, judge bias corrected, disconnected panels reported."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.normalize import Sheets, components, normalize


def sheets_of(triples, scale=100.0):
    return Sheets.from_triples(triples, scale)


def value_of(result, sheets, entry_id):
    return float(result.values[sheets.entry_ids.index(entry_id)])


def lenient_panel(shift=15.0, seed=3, n_entries=24, n_judges=8, k=4, noise=2.0):
    """Entries with known quality; judge 'J0' adds ``shift`` to everything it scores."""
    rng = np.random.default_rng(seed)
    quality = np.linspace(40, 86, n_entries)
    triples = []
    for e in range(n_entries):
        judges = [(e + i) % n_judges for i in range(k)]  # a ring: one connected panel
        for j in judges:
            bias = shift if j == 0 else 0.0
            triples.append((f"E{e:02d}", f"J{j}", float(quality[e] + bias + rng.normal(0, noise))))
    return quality, triples


def test_raw_is_the_mean_of_the_sheets():
    s = sheets_of([("a", "j1", 60), ("a", "j2", 70), ("b", "j1", 50)])
    r = normalize(s, "raw")
    assert value_of(r, s, "a") == 65.0 and value_of(r, s, "b") == 50.0


def test_median_of_three_and_of_two():
    s = sheets_of([("a", "j1", 60), ("a", "j2", 90), ("a", "j3", 61), ("b", "j1", 50), ("b", "j2", 54)])
    r = normalize(s, "median")
    assert value_of(r, s, "a") == 61.0 and value_of(r, s, "b") == 52.0


def test_zscore_by_hand():
    # j1 scores 60, 80 (mean 70, sd 10); j2 scores 40, 60 (mean 50, sd 10).
    # All totals: mean 60, sd sqrt(((0)^2+20^2+20^2+0^2)/4) = sqrt(200).
    s = sheets_of([("a", "j1", 60), ("b", "j1", 80), ("a", "j2", 40), ("b", "j2", 60)])
    r = normalize(s, "zscore")
    sd = np.sqrt(200.0)
    assert value_of(r, s, "a") == pytest.approx(60 - sd)
    assert value_of(r, s, "b") == pytest.approx(60 + sd)


def test_least_squares_removes_an_additive_bias_exactly_by_hand():
    # j2 is 10 points more lenient than j1 on both shared entries; c is seen by j2 only.
    s = sheets_of([("a", "j1", 50), ("a", "j2", 60), ("b", "j1", 70), ("b", "j2", 80), ("c", "j2", 90)])
    r = normalize(s, "ls")
    # Gauge: biases average zero, so b1 = -5, b2 = +5 and v = (55, 75, 85).
    assert r.bias == pytest.approx([-5.0, 5.0], abs=1e-9)
    assert [value_of(r, s, e) for e in "abc"] == pytest.approx([55.0, 75.0, 85.0], abs=1e-9)
    raw = normalize(s, "raw")
    assert value_of(raw, s, "c") == 90.0  # raw lets the lenient judge lift c above b by more


def test_a_lenient_judge_does_not_lift_their_entries():
    quality, triples = lenient_panel(shift=15.0)
    s = sheets_of(triples)
    scored_by_j0 = np.zeros(s.n_entries, dtype=bool)
    scored_by_j0[s.entry[s.judge == s.judge_ids.index("J0")]] = True

    def lift(method):
        error = normalize(s, method).values - quality
        return error[scored_by_j0].mean() - error[~scored_by_j0].mean()

    # Raw lets J0's +15 reach its entries diluted by the k = 4 sheets: about +3.75 points.
    assert lift("raw") == pytest.approx(15 / 4, abs=1.5)
    assert abs(lift("calibrated")) < 1.0
    r = normalize(s, "calibrated")
    # Gauge: biases average zero over the 8 judges, so J0 is +15 * 7/8 against the others' -15/8.
    assert r.bias[s.judge_ids.index("J0")] == pytest.approx(15.0 * 7 / 8, abs=2.0)
    assert _kendall(r.values, quality) > _kendall(normalize(s, "raw").values, quality)


def _kendall(a, b):
    a, b = np.asarray(a), np.asarray(b)
    i, j = np.triu_indices(len(a), 1)
    return float(np.mean(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])))


def test_an_erratic_judge_is_down_weighted():
    rng = np.random.default_rng(5)
    quality, triples = lenient_panel(shift=0.0, noise=1.5, n_entries=30, n_judges=6, k=3)
    # J5 scores at random.
    triples = [(e, j, float(rng.uniform(0, 100)) if j == "J5" else y) for e, j, y in triples]
    s = sheets_of(triples)
    r = normalize(s, "calibrated")
    j5 = s.judge_ids.index("J5")
    assert r.judge_weight[j5] < 0.5
    assert np.all(np.delete(r.judge_weight, j5) > 0.9)
    assert _kendall(r.values, quality) > _kendall(normalize(s, "raw").values, quality)


def erratic_panel(seed, n_entries=40, n_judges=9, k=3, noise=6.0, erratic=(2, 5)):
    """Fair judges with sheet noise ``noise`` on entries of known quality, and judges who score at random."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(60, 10, n_entries)
    triples = []
    for e in range(n_entries):
        for i in range(k):
            j = (2 * e + i) % n_judges  # a ring: one connected panel
            y = rng.uniform(0, 100) if j in erratic else quality[e] + rng.normal(0, noise)
            triples.append((f"E{e:02d}", f"J{j}", float(y)))
    return quality, sheets_of(triples)


def test_judges_scoring_at_random_do_not_shrink_everyone_s_intervals():
    # Two of nine judges score at random.  The noise of a fair judge's sheet is 6 points and the
    # intervals of every entry must be measured against that, not against a level the random
    # judges' down-weighted sheets pull down.
    # The reference is the same panels without the two random judges' sheets.
    with_random, fair_only = [], []
    for seed in range(20):
        _, s = erratic_panel(seed)
        fair = [(s.entry_ids[e], s.judge_ids[j], float(y)) for e, j, y in zip(s.entry, s.judge, s.total)
                if s.judge_ids[j] not in ("J2", "J5")]
        with_random.append(normalize(s).sigma)
        fair_only.append(normalize(sheets_of(fair)).sigma)
    assert np.mean(with_random) == pytest.approx(np.mean(fair_only), rel=0.03)
    # On panels this small the noise estimate runs about 6 % under the truth with or without
    # random judges (fair judges who happen to look noisy keep less weight), hence 8 % here.
    assert np.mean(with_random) == pytest.approx(6.0, rel=0.08)


def test_a_judge_scoring_at_random_does_not_shift_everyone_s_level():
    # J5 scores low at random (uniform on 0-50, about 35 points under the entries' level); the
    # other judges are lenient or harsh (biases averaging 0) and precise.  The panel's level is
    # set by the judges it trusts, so the entries' values stay on their true level instead of
    # being lifted by J5's large negative bias spread over the panel.
    rng = np.random.default_rng(3)
    quality = np.linspace(45, 80, 30)
    leniency = [-6.0, 4.0, 8.0, -3.0, -3.0]
    triples = []
    for e in range(30):
        for j in ((e + i) % 6 for i in range(3)):
            y = rng.uniform(0, 50) if j == 5 else quality[e] + leniency[j] + rng.normal(0, 0.5)
            triples.append((f"E{e:02d}", f"J{j}", float(y)))
    s = sheets_of(triples)
    fit = normalize(s)
    assert fit.judge_weight[s.judge_ids.index("J5")] < 0.1
    assert abs(float(np.mean(fit.values - quality))) < 0.5


def test_a_disconnected_panel_is_reported_and_calibrated_per_component():
    s = sheets_of([
        ("a", "j1", 60), ("a", "j2", 70), ("b", "j1", 50), ("b", "j2", 62),
        ("c", "j3", 80), ("c", "j4", 90), ("d", "j3", 40),
    ])
    count, per_entry, per_judge = components(s)
    assert count == 2
    assert list(per_entry) == [0, 0, 1, 1] and list(per_judge) == [0, 0, 1, 1]
    for method in ("ls", "calibrated"):
        r = normalize(s, method)
        assert r.n_components == 2
        for c in (0, 1):
            assert r.bias[r.judge_component == c].sum() == pytest.approx(0.0, abs=1e-9)
    r = normalize(s, "ls")
    # Component 2 by hand: j4 - j3 = 10 on c, so b3 = -5, b4 = 5, c = 85, d = 45.
    assert value_of(r, s, "c") == pytest.approx(85.0) and value_of(r, s, "d") == pytest.approx(45.0)


def test_single_judge_entries_and_judges_with_one_sheet_still_get_values_and_finite_errors():
    s = sheets_of([("a", "j1", 60), ("a", "j2", 64), ("b", "j1", 70), ("c", "j3", 75), ("c", "j1", 71), ("d", "j4",
                                                                                                         30)])
    for method in ("raw", "zscore", "median", "ls", "calibrated"):
        r = normalize(s, method)
        assert np.all(np.isfinite(r.values)) and np.all(np.isfinite(r.stderr)) and np.all(r.stderr > 0)
    r = normalize(s, "calibrated")
    assert r.n_components == 2  # j4 and d are alone
    assert value_of(r, s, "d") == pytest.approx(30.0)  # nothing to calibrate against


def test_standard_errors_shrink_with_more_judges():
    triples = [("a", f"j{i}", 60.0 + (i % 3)) for i in range(6)] + [("b", "j0", 50.0), ("b", "j1", 52.0)]
    s = sheets_of(triples)
    for method in ("raw", "calibrated"):
        r = normalize(s, method)
        assert r.stderr[s.entry_ids.index("a")] < r.stderr[s.entry_ids.index("b")]


def test_inputs_are_not_modified():
    quality, triples = lenient_panel()
    s = sheets_of(triples)
    before = s.total.copy()
    normalize(s, "calibrated")
    assert np.array_equal(s.total, before)
    with pytest.raises(ValueError):
        s.total[0] = 1.0  # read-only


def test_unknown_method_and_parameters_are_refused():
    s = sheets_of([("a", "j1", 1.0)])
    with pytest.raises(ValueError):
        normalize(s, "magic")
    with pytest.raises(ValueError):
        normalize(s, "calibrated", {"shrinkk": True})


def test_judge_scale_finds_a_judge_who_stretches():
    rng = np.random.default_rng(11)
    triples = []
    quality = rng.uniform(30, 90, 60)
    for e in range(60):
        for j in range(5):
            stretch = 1.8 if j == 0 else 1.0
            triples.append((f"E{e:02d}", f"J{j}", 60 + stretch * (quality[e] - 60) + rng.normal(0, 2)))
    s = sheets_of(triples)
    r = normalize(s, "calibrated", {"judge_scale": True})
    ratios = r.judge_scale / r.judge_scale[1:].mean()
    assert ratios[0] == pytest.approx(1.8, rel=0.1)
    assert np.all(np.isfinite(r.judge_scale_se))


# ---------------------------------------------------------------- properties

panels = st.integers(min_value=0, max_value=10_000)


def random_panel(seed, n_entries=12, n_judges=5, k=3, spread=(0, 100)):
    rng = np.random.default_rng(seed)
    triples = []
    for e in range(n_entries):
        # A ring of judges keeps every panel connected.
        for i in range(k):
            j = (e + i) % n_judges
            triples.append((f"E{e}", f"J{j}", float(rng.uniform(*spread))))
    return triples


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=panels, shift=st.floats(-40, 40), judge=st.integers(0, 4))
def test_adding_a_constant_to_one_judge_leaves_least_squares_values_unchanged_up_to_the_gauge(seed, shift, judge):
    triples = random_panel(seed)
    shifted = [(e, j, y + shift if j == f"J{judge}" else y) for e, j, y in triples]
    a = normalize(sheets_of(triples), "ls").values
    b = normalize(sheets_of(shifted), "ls").values
    # The gauge moves every value by the same amount: differences are exactly preserved.
    assert np.allclose(np.diff(a), np.diff(b), atol=1e-7)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.integers(0, 20), min_size=8, max_size=8, unique=True),
    biases=st.lists(st.integers(-8, 8), min_size=5, max_size=5),
    shift=st.integers(-25, 25).filter(lambda x: x != 0),
    judge=st.integers(0, 4),
)
def test_adding_a_constant_to_one_judge_leaves_the_calibrated_ranking_unchanged(values, biases, shift, judge):
    # Entries one quality step (3 points) apart, judges with leniencies, no noise.
    triples = []
    for e, v in enumerate(values):
        for i in range(3):
            j = (e + i) % 5
            triples.append((f"E{e}", f"J{j}", 30.0 + 3 * v + biases[j]))
    shifted = [(e, j, y + shift if j == f"J{judge}" else y) for e, j, y in triples]
    before = normalize(sheets_of(triples), "calibrated").values
    after = normalize(sheets_of(shifted), "calibrated").values
    assert list(np.argsort(-before)) == list(np.argsort(-after)) == list(np.argsort(-np.array(values, float)))


@settings(max_examples=20, deadline=None)
@given(seed=panels, method=st.sampled_from(["raw", "zscore", "median", "ls", "calibrated"]))
def test_relabelling_ids_changes_nothing(seed, method):
    triples = random_panel(seed, n_entries=10, n_judges=4, k=2)
    rename_e = {f"E{i}": f"entry-{(7 * i) % 10:02d}x" for i in range(10)}
    rename_j = {f"J{i}": f"zz{3 - i}" for i in range(4)}
    renamed = [(rename_e[e], rename_j[j], y) for e, j, y in reversed(triples)]
    a, b = sheets_of(triples), sheets_of(renamed)
    ra, rb = normalize(a, method), normalize(b, method)
    for e in rename_e:
        assert value_of(ra, a, e) == pytest.approx(value_of(rb, b, rename_e[e]), abs=1e-7)
        assert ra.stderr[a.entry_ids.index(e)] == pytest.approx(rb.stderr[b.entry_ids.index(rename_e[e])], abs=1e-7)


@settings(max_examples=10, deadline=None)
@given(seed=panels)
def test_with_unbiased_judges_and_full_overlap_calibrated_equals_raw(seed):
    rng = np.random.default_rng(seed)
    triples = [(f"E{e}", f"J{j}", float(rng.uniform(20, 90))) for e in range(8) for j in range(4)]
    s = sheets_of(triples)
    # With full overlap every judge's bias estimate is its mean minus the grand mean; the judge
    # mean over the same entries cancels out of every entry's comparison.
    ls = normalize(s, "ls", None)
    raw = normalize(s, "raw")
    assert np.allclose(ls.values, raw.values, atol=1e-8)
    # The statement is about the additive model: a fitted stretch legitimately re-weighs judges.
    calibrated = normalize(s, "calibrated", {"robust": False, "judge_scale": False})
    assert np.allclose(calibrated.values, raw.values, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(seed=panels, n_left=st.integers(2, 6), n_right=st.integers(2, 6))
def test_two_panels_without_a_shared_judge_are_reported_as_two_components(seed, n_left, n_right):
    left = random_panel(seed, n_entries=n_left, n_judges=2, k=2)
    right = [(e + "r", j + "r", y) for e, j, y in random_panel(seed + 1, n_entries=n_right, n_judges=2, k=2)]
    s = sheets_of(left + right)
    for method in ("raw", "calibrated"):
        r = normalize(s, method)
        assert r.n_components == 2
        left_ids = {e for e, _, _ in left}
        assert {r.component[s.entry_ids.index(e)] for e in left_ids} == {r.component[s.entry_ids.index(left[0][0])]}
