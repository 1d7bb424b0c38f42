"""The reliability report tells the council which judges and entries to look at."""

import numpy as np
import pytest

from judging.normalize import Sheets, normalize
from judging.reliability import (
    agreement,
    entry_flags,
    icc1,
    judge_report,
    loo_correlation,
)


def panel(erratic=False, seed=2):
    rng = np.random.default_rng(seed)
    quality = np.linspace(30, 90, 30)
    triples = []
    for e in range(30):
        for i in range(3):
            j = (e + i) % 6
            y = quality[e] + (8.0 if j == 1 else 0.0) + rng.normal(0, 2)
            if erratic and j == 5:
                y = float(rng.uniform(0, 100))
            triples.append((f"E{e:02d}", f"J{j}", float(y)))
    return Sheets.from_triples(triples)


def test_an_erratic_judge_is_flagged_and_fair_judges_are_not():
    s = panel(erratic=True)
    report = judge_report(s, normalize(s, "calibrated"))
    flagged = [j.judge_id for j in report if j.outlier]
    assert flagged == ["J5"]
    j5 = report[5]
    assert "residual_spread" in j5.reasons or "down_weighted" in j5.reasons
    assert j5.panel_correlation < report[0].panel_correlation


def test_the_report_estimates_a_lenient_judges_bias_with_uncertainty():
    s = panel()
    report = judge_report(s, normalize(s, "calibrated"))
    j1 = report[1]
    assert j1.n_sheets == 15
    # +8 against the others, gauge mean zero over 6 judges: 8 * 5/6.
    assert j1.bias == pytest.approx(8 * 5 / 6, abs=1.5)
    assert 0 < j1.bias_se < 1.5
    assert not j1.outlier


def test_leave_one_out_correlation_by_hand():
    s = Sheets.from_triples([
        ("a", "x", 10), ("a", "y", 12), ("b", "x", 20), ("b", "y", 18), ("c", "x", 30), ("c", "y", 35),
    ])
    corr, shared = loo_correlation(s)
    expected = np.corrcoef([10, 20, 30], [12, 18, 35])[0, 1]
    assert corr[0] == pytest.approx(expected) and corr[1] == pytest.approx(expected)
    assert list(shared) == [3, 3]


def test_icc1_by_hand():
    # Two entries, two sheets each: means 11 and 21, grand 16.
    # MSB = 2 * (25 + 25) / 1 = 100; MSW = (1+1+1+1) / 2 = 2; k0 = 2.
    icc, interval, k0 = icc1(np.array([0, 0, 1, 1]), np.array([10.0, 12.0, 20.0, 22.0]))
    assert k0 == 2
    assert icc == pytest.approx((100 - 2) / (100 + 2))
    assert interval[0] < icc < interval[1]
    assert icc1(np.array([0, 0]), np.array([1.0, 2.0])) is None


def test_removing_judge_bias_raises_agreement():
    s = panel()
    a = agreement(s, normalize(s, "calibrated"))
    assert a.icc_calibrated > a.icc_raw


def test_entry_flags_single_judge_disagreement_and_outlier_judge():
    s = Sheets.from_triples([
        ("a", "x", 50), ("a", "y", 61), ("b", "x", 50), ("b", "y", 60), ("c", "x", 70),
    ])
    report = judge_report(s, normalize(s, "raw"))
    flags = dict(zip(s.entry_ids, entry_flags(s, report)))
    assert flags == {"a": ["judges_disagree"], "b": [], "c": ["single_judge"]}
    flags = dict(zip(s.entry_ids, entry_flags(s, report, disagree_fraction=0.05)))
    assert flags["b"] == ["judges_disagree"]


def test_the_report_measures_a_judge_who_stretches_the_scale():
    rng = np.random.default_rng(9)
    quality = rng.uniform(30, 90, 40)
    triples = [
        (f"E{e:02d}", f"J{j}", float(60 + (2.0 if j == 0 else 1.0) * (quality[e] - 60) + rng.normal(0, 1)))
        for e in range(40) for j in range(4)
    ]
    s = Sheets.from_triples(triples)
    report = judge_report(s, normalize(s, "calibrated"))
    # Stretches are relative to the panel's values (which the robust fit takes mostly from
    # the three alike judges), so compare judges with each other.
    assert report[0].scale / report[1].scale == pytest.approx(2.0, rel=0.05)
    assert report[2].scale / report[1].scale == pytest.approx(1.0, rel=0.05)
    assert 0 < report[0].scale_se < 0.05
