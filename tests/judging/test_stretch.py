"""The default calibrated model corrects judges who stretch or squeeze the scale, when the data say so."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

from judging.normalize import Sheets, normalize
from judging.stability import posterior_values, summarize, value_prior


def panel(seed, n_entries=40, n_judges=10, k=4, stretch_sd=0.0, bias_sd=0.0, noise=5.0, spacing=None):
    """Entries scored by k judges each, rotating; returns (Sheets, true quality, true stretch)."""
    rng = np.random.default_rng(seed)
    quality = (
        60 + spacing * (np.arange(n_entries) - n_entries / 2) if spacing else rng.normal(60, 10, n_entries)
    )
    stretch = np.exp(rng.normal(0, stretch_sd, n_judges)) if stretch_sd else np.ones(n_judges)
    bias = rng.normal(0, bias_sd, n_judges) if bias_sd else np.zeros(n_judges)
    triples = []
    for e in range(n_entries):
        for i in range(k):
            j = (e * 3 + i) % n_judges
            y = 60 + stretch[j] * (quality[e] - 60) + bias[j] + rng.normal(0, noise)
            triples.append((f"E{e:03d}", f"J{j:02d}", float(y)))
    return Sheets.from_triples(triples), quality, stretch


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), judge=st.integers(0, 7), factor=st.floats(0.4, 2.5))
def test_stretching_one_judge_leaves_well_separated_entries_in_order(seed, judge, factor):
    s, quality, _ = panel(seed, n_entries=16, n_judges=8, k=4, noise=1.0, spacing=6.0)
    mean = float(np.mean(s.total))
    mine = s.judge == judge
    stretched = np.where(mine, mean + factor * (s.total - mean), s.total)
    t = Sheets(s.entry_ids, s.judge_ids, s.entry, s.judge, stretched, s.scale)
    before, after = normalize(s), normalize(t)
    assert list(np.argsort(before.values)) == list(np.argsort(quality))
    assert list(np.argsort(after.values)) == list(np.argsort(quality))


def test_with_fair_judges_the_default_is_the_additive_model():
    gaps = []
    for seed in range(12):
        s, quality, _ = panel(seed, n_entries=80, n_judges=14, k=3, bias_sd=6.0)
        default = normalize(s)
        additive = normalize(s, "calibrated", {"judge_scale": False})
        gaps.append(kendalltau(default.values, quality).statistic - kendalltau(additive.values, quality).statistic)
    assert abs(np.mean(gaps)) <= 0.001


def test_judges_who_clearly_stretch_are_corrected_and_reported():
    s, quality, stretch = panel(3, n_entries=120, n_judges=12, k=4, stretch_sd=0.4, bias_sd=5.0)
    fit = normalize(s)
    assert fit.log_stretch_var is not None and 0.05 < fit.log_stretch_var < 0.5
    true = stretch / np.exp(np.mean(np.log(stretch)))
    assert np.corrcoef(np.log(fit.judge_scale), np.log(true))[0, 1] > 0.9
    additive = normalize(s, "calibrated", {"judge_scale": False})
    assert kendalltau(fit.values, quality).statistic > kendalltau(additive.values, quality).statistic


def test_the_values_do_not_depend_on_where_the_calculation_stops():
    # Commune-sized panels whose judges stretch strongly.  Re-estimating the panel's stretch
    # spread at every step once made such fits swing between "stretch" and "no stretch" on
    # alternate steps, so one more step moved values by up to 14 points.  The fit must settle,
    # and letting it run further must change nothing that is published.
    for seed in range(10):
        s, _, _ = panel(seed, n_entries=40, n_judges=9, k=3, stretch_sd=0.45, bias_sd=8.0, noise=6.0)
        fit = normalize(s)
        assert fit.iterations < fit.params["max_iter"], seed
        longer = normalize(s, "calibrated", {"tol": 1e-9, "max_iter": 2001})
        assert np.max(np.abs(fit.values - longer.values)) < 0.005, seed
        assert np.max(np.abs(fit.stderr - longer.stderr)) < 0.005, seed


def test_a_fair_panel_gets_no_stretch():
    s, _, _ = panel(5, n_entries=60, n_judges=10, k=4)
    fit = normalize(s)
    assert fit.log_stretch_var == pytest.approx(0.0, abs=0.01)
    assert np.all(np.abs(np.log(fit.judge_scale)) < 0.05)


def test_a_judge_with_few_sheets_is_not_stretched_on_noise():
    # J00..J09 score 60 entries fairly; "Jx" has four sheets scored like everyone else.
    s, _, _ = panel(8, n_entries=60, n_judges=10, k=4, stretch_sd=0.3)
    rng = np.random.default_rng(1)
    rows = list(zip(s.entry, s.judge, s.total))
    triples = [(s.entry_ids[e], s.judge_ids[j], float(y)) for e, j, y in rows]
    values = normalize(s).values
    triples += [(s.entry_ids[e], "Jx", float(values[e] + rng.normal(0, 5))) for e in range(4)]
    fit = normalize(Sheets.from_triples(triples))
    x = fit.judge_scale[-1] / np.exp(np.mean(np.log(fit.judge_scale[:-1])))
    assert abs(np.log(x)) < 0.1
    assert fit.judge_scale_se[-1] > 0


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_relabelling_judges_changes_nothing(seed):
    s, _, _ = panel(seed, n_entries=30, n_judges=8, k=3, stretch_sd=0.4, bias_sd=6.0)
    triples = [(s.entry_ids[e], s.judge_ids[j], float(y)) for e, j, y in zip(s.entry, s.judge, s.total)]
    rename = {f"J{j:02d}": f"z{(5 * j) % 8}" for j in range(8)}
    t = Sheets.from_triples([(e, rename[j], y) for e, j, y in reversed(triples)])
    a, b = normalize(s), normalize(t)
    assert np.allclose(a.values, b.values, atol=1e-7)
    assert np.allclose(a.stderr, b.stderr, atol=1e-7)
    for j, name in rename.items():
        assert a.judge_scale[s.judge_ids.index(j)] == pytest.approx(b.judge_scale[t.judge_ids.index(name)], abs=1e-7)


def test_a_stretch_heavy_example_is_pinned():
    # Six entries, three judges who all see all of them: J0 uses twice the panel's spread,
    # J2 half of it, J1 is lenient by 5 points.
    truth = [40.0, 50.0, 55.0, 60.0, 70.0, 85.0]
    noise = [[1, -1, 0], [0, 1, -1], [-1, 0, 1], [1, 1, -1], [0, -1, 1], [-1, 0, 0]]
    triples = []
    for e, q in enumerate(truth):
        triples += [
            (f"E{e}", "J0", 60 + 2.0 * (q - 60) + noise[e][0]),
            (f"E{e}", "J1", q + 5 + noise[e][1]),
            (f"E{e}", "J2", 60 + 0.5 * (q - 60) + noise[e][2]),
        ]
    fit = normalize(Sheets.from_triples(triples))
    assert np.round(fit.values, 4).tolist() == PINNED_VALUES
    assert np.round(fit.judge_scale, 4).tolist() == PINNED_STRETCH
    assert np.round(fit.stderr, 4).tolist() == PINNED_STDERR


# The spread of the truth is recovered (values 41.5 … 86.7 against 40 … 85: the level is the
# panel's, lenient J1 included, which the gauge cannot tell from the truth), and so are the
# stretches 2 : 1 : 0.5 up to the geometric-mean gauge.
PINNED_VALUES = [41.525, 51.5976, 56.3047, 62.1522, 71.7485, 86.7104]
PINNED_STRETCH = [1.9564, 0.9913, 0.5156]
PINNED_STDERR = [1.6711, 1.3441, 1.2497, 1.2039, 1.3135, 1.8157]


def test_posterior_draws_are_seeded_and_a_clear_winner_is_sure():
    s, _, _ = panel(2, n_entries=30, n_judges=8, k=4, stretch_sd=0.3, bias_sd=5.0)
    fit = normalize(s)
    a = posterior_values(s, fit, 50, seed=1)
    assert a.shape == (50, 30)
    assert np.array_equal(a, posterior_values(s, fit, 50, seed=1))
    rows = summarize(list(s.entry_ids), fit.values, a, top_k=1)
    best = int(np.argmax(fit.values))
    assert rows[best].p_top_k > 0.5


def test_the_evaluation_reports_the_stretches_for_the_web_page():
    import json

    from judging.engine import evaluate
    from judging.rubric import Criterion, Rubric

    s, _, _ = panel(4, n_entries=30, n_judges=6, k=3, stretch_sd=0.4, bias_sd=4.0)
    rubric = Rubric((Criterion("c", 1, 100),))
    items = [(s.entry_ids[e], s.judge_ids[j], "c", float(np.clip(round(y), 0, 100)))
             for e, j, y in zip(s.entry, s.judge, s.total)]
    ev = evaluate(items, rubric)
    data = json.loads(json.dumps(ev.to_dict()))
    params = data["params"]
    assert params["judge_scale"] == "auto" and params["stretch_var"] == ev.agreement.stretch_var
    assert set(params["judge_stretch"]) == set(s.judge_ids)
    for j in data["judges"]:
        assert params["judge_stretch"][j["judge_id"]] == {"stretch": j["scale"], "se": j["scale_se"]}
        assert j["scale_measured"] is not None
    assert data["agreement"]["stretch_sd"] == pytest.approx(np.sqrt(params["stretch_var"]))
    adjusted = ev.adjusted_totals()
    assert len(adjusted) == len(items)


def erratic_panel(seed, n_entries=40, n_judges=9, k=3, n_erratic=2):
    """A commune-sized panel: judges stretch (log sd 0.3) and two score uniformly at random."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(60, 10, n_entries)
    stretch = np.exp(rng.normal(0, 0.3, n_judges))
    bias = rng.normal(0, 6, n_judges)
    erratic = np.arange(n_judges) < n_erratic
    triples = []
    for e in range(n_entries):
        for j in rng.choice(n_judges, k, replace=False):
            y = 60 + stretch[j] * (quality[e] - 60) + bias[j] + rng.normal(0, 6)
            triples.append((f"E{e:03d}", f"J{j:02d}", float(rng.uniform(0, 100) if erratic[j] else y)))
    return Sheets.from_triples(triples), erratic


def test_a_judge_scoring_at_random_cannot_vouch_for_its_own_stretch():
    # A random judge whose scores happen to follow quality a little must not be given a large
    # stretch: at full weight that would make the values follow that judge, which would then
    # seem to confirm the stretch.
    for seed in range(30):
        s, erratic = erratic_panel(seed)
        fit = normalize(s)
        assert np.all(fit.judge_scale[erratic] < 1.6), seed
        assert np.all(fit.judge_weight[erratic] < 0.5), seed


def test_a_judges_stretch_error_moves_their_high_and_low_entries_apart_in_the_draws():
    # Three judges score all 24 entries, two of them clearly stretching: every entry shares the
    # same judges, so a bias error shifts all of them alike, while a stretch error pushes the
    # top and the bottom entries in opposite directions.  The draws must keep that structure
    # and still spread each entry by its standard error.
    rng = np.random.default_rng(11)
    quality = np.linspace(35, 85, 24)
    stretch = {"J0": 1.8, "J1": 1.0, "J2": 0.55}
    triples = [
        (f"E{e:02d}", j, 60 + s * (q - 60) + rng.normal(0, 3))
        for e, q in enumerate(quality)
        for j, s in stretch.items()
    ]
    sheets = Sheets.from_triples(triples)
    fit = normalize(sheets)
    assert fit.log_stretch_var and fit.log_stretch_var > 0 and np.all(fit.stretch_var > 0)
    draws = posterior_values(sheets, fit, 6000, seed=3)
    order = np.argsort(fit.values)
    bottom, top, second = order[0], order[-1], order[-2]
    error = draws - draws.mean(axis=0)
    corr = np.corrcoef(error[:, [top, second, bottom]].T)
    # Drawn as independent noise of each entry, both would be about 0 (0.02 and 0.03 here).
    assert corr[0, 1] > 0.15
    assert corr[0, 2] < -0.1
    _, t2 = value_prior(fit.values, fit.stderr)
    expected = t2 / (t2 + fit.stderr**2) * fit.stderr**2
    assert np.allclose(draws.var(axis=0), expected, rtol=0.1)
