"""The bootstrap says how sure each award is, reproducibly and quickly."""

import numpy as np
import pytest

from judging.awards import Level
from judging.normalize import Sheets, normalize
from judging.stability import bootstrap_values, replicate_weights, summarize


def contest(seed=4, gap=None):
    rng = np.random.default_rng(seed)
    quality = np.linspace(40, 80, 20) if gap is None else np.r_[95.0, np.full(19, 50.0)]
    triples = [
        (f"E{e:02d}", f"J{(e + i) % 8}", float(quality[e] + rng.normal(0, 4)))
        for e in range(20) for i in range(4)
    ]
    return Sheets.from_triples(triples), quality


@pytest.mark.parametrize("method", ["raw", "zscore", "calibrated"])
def test_bootstrap_is_seeded_and_shaped(method):
    s, _ = contest()
    fit = normalize(s, method)
    a = bootstrap_values(s, fit, 30, seed=1)
    b = bootstrap_values(s, fit, 30, seed=1)
    assert a.shape == (30, 20)
    assert np.array_equal(a, b, equal_nan=True)
    assert not np.array_equal(a, bootstrap_values(s, fit, 30, seed=2), equal_nan=True)


def test_a_clear_winner_keeps_first_prize_and_a_crowd_is_a_grey_zone():
    s, quality = contest(gap=True)
    fit = normalize(s, "calibrated")
    reps = bootstrap_values(s, fit, 100, seed=0)
    levels = [Level("Nhất", 1, 0), Level("Nhì", 2, 0)]
    result = {e.entry_id: e for e in summarize(list(s.entry_ids), fit.values, reps, levels=levels, top_k=1)}
    assert result["E00"].level == "Nhất" and result["E00"].p_keep_level == 1.0 and result["E00"].p_top_k == 1.0
    # The nineteen equal entries fight for two second prizes: nobody's Nhì is safe.
    seconds = [e for e in result.values() if e.level == "Nhì"]
    assert len(seconds) == 2 and all(e.p_keep_level < 0.9 for e in seconds)
    assert any(e.grey_zone for e in result.values())


def test_bootstrap_intervals_cover_the_truth_about_as_often_as_they_say():
    hits = []
    for seed in range(4):
        s, quality = contest(seed=seed)
        fit = normalize(s, "calibrated")
        reps = bootstrap_values(s, fit, 100, seed=seed)
        rows = summarize(list(s.entry_ids), fit.values, reps)
        truth = dict(zip([f"E{e:02d}" for e in range(20)], quality))
        hits += [r.interval[0] <= truth[r.entry_id] <= r.interval[1] for r in rows]
    assert 0.8 <= np.mean(hits) <= 0.99


def test_judges_resampled_as_wholes():
    s, _ = contest()
    w = replicate_weights(s, 5, 0, "judges")
    for j in range(s.n_judges):
        cols = w[:, s.judge == j]
        assert np.all(cols == cols[:, :1])
    with pytest.raises(ValueError):
        replicate_weights(s, 5, 0, "entries")
