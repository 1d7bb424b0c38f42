"""What a council publishes: plain means on full panels, the published scale kept, sheets never discarded alone."""

from __future__ import annotations

import numpy as np
import pytest

from judging.engine import evaluate
from judging.publication import (
    DOWN_WEIGHTED_SHEET,
    OUTLYING_SHEET,
    is_complete_design,
    plain_means,
    publish,
    review_flags,
    scale_mapping,
)
from judging.rubric import Criterion, Rubric

EXPERT_PART = Rubric((Criterion("total", 1.0, 80.0),), 80.0)

# Issue 17: five judges score both entries; judge E's 40 on A is the only thing that separates them.
FULL_PANEL = {"A": [70, 71, 69, 70, 40], "B": [66, 67, 65, 66, 65]}
# Harsh judges h1-h3 give X 78, 79 and 80; the others see only some entries.
HARSH = {"X": {"h1": 78, "h2": 79, "h3": 80}, "Y": {"h1": 60, "n1": 75},
         "Z": {"h2": 62, "n1": 76, "n2": 70}, "W": {"h3": 61, "n2": 72}}


def _published(table: dict) -> tuple[dict, object]:
    items = [(e, j, "total", float(v)) for e, sheets in table.items() for j, v in sheets.items()]
    evaluation = evaluate(items, EXPERT_PART)
    s = evaluation.sheets
    result = publish(s.entry, s.judge, s.total, len(s.entry_ids), len(s.judge_ids), evaluation.fit.values,
                     evaluation.fit.judge_weight, EXPERT_PART.scale, 0.10)
    return {e: i for i, e in enumerate(s.entry_ids)}, result


def test_full_panel_publishes_the_plain_mean_so_b_stays_above_a_and_a_goes_to_the_chair():
    table = {e: {f"J{j}": v for j, v in enumerate(sheets)} for e, sheets in FULL_PANEL.items()}
    index, result = _published(table)
    assert result.complete
    assert result.published[index["A"]] == 64.0
    assert result.published[index["B"]] == pytest.approx(65.8, abs=1e-12)
    assert result.published[index["B"]] > result.published[index["A"]]
    # the calibrated value stays beside the mean for the chair
    assert result.computed[index["A"]] != result.plain_mean[index["A"]]
    assert OUTLYING_SHEET in result.flags[index["A"]]
    assert OUTLYING_SHEET not in result.flags[index["B"]]


def test_sheets_78_79_80_from_harsh_judges_publish_at_most_80_and_keep_the_order():
    index, result = _published(HARSH)
    assert not result.complete
    assert result.computed[index["X"]] > 80  # what the calibration alone would publish
    assert result.published.max() == 80.0
    assert result.published[index["X"]] == 80.0
    assert list(np.argsort(result.published)) == list(np.argsort(result.computed))


def test_complete_design_needs_every_judge_on_every_entry_once():
    assert is_complete_design(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), 2, 2)
    assert not is_complete_design(np.array([0, 0, 1]), np.array([0, 1, 0]), 2, 2)
    assert not is_complete_design(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), 2, 2)
    assert not is_complete_design(np.array([], dtype=int), np.array([], dtype=int), 0, 0)


def test_plain_means_are_exact():
    means = plain_means(np.array([0, 0, 0, 0, 1]), np.array([72, 72.5, 72, 72, 50]), 2)
    assert means.tolist() == [72.125, 50.0]


def test_scale_mapping_is_the_identity_on_the_scale_and_affine_above_it():
    on_scale = scale_mapping(np.array([0.0, 40.0, 80.0]), 80)
    assert on_scale.identity and on_scale.apply(np.array([12.5])).tolist() == [12.5]
    above = scale_mapping(np.array([81.0, 40.0, 40.0, -1.0]), 80)
    assert (above.low, above.high) == (-1.0, 81.0)
    mapped = above.apply(np.array([81.0, 40.0, 40.0, -1.0]))
    assert mapped.tolist() == [80.0, 40.0, 40.0, 0.0]  # (v + 1) × 80 / 82, ties kept, nothing clipped


def test_scale_mapping_never_clips_two_entries_onto_the_boundary():
    mapped = scale_mapping(np.array([80.5, 81.09, 79.0]), 80).apply(np.array([80.5, 81.09, 79.0]))
    assert mapped.max() == 80.0 and len(set(mapped.tolist())) == 3


def test_a_down_weighted_judge_flags_every_entry_they_scored():
    flags = review_flags(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([60.0, 61.0, 70.0]), 2,
                         np.array([1.0, 0.2]), 80, 0.10)
    assert flags == [[DOWN_WEIGHTED_SHEET], [DOWN_WEIGHTED_SHEET]]


def test_a_sheet_further_than_ten_percent_of_the_scale_from_the_others_is_flagged():
    entry = np.array([0, 0, 0, 1, 1, 1])
    judge = np.array([0, 1, 2, 0, 1, 2])
    total = np.array([70.0, 70.0, 61.9, 70.0, 70.0, 62.0])  # 8.1 and exactly 8 points off on 80
    flags = review_flags(entry, judge, total, 2, np.ones(3), 80, 0.10)
    assert flags == [[OUTLYING_SHEET], []]


def _rank_cli(tmp_path, table: dict) -> list[dict]:
    import csv
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from judging.cli import main

    (tmp_path / "criteria.csv").write_text("criterion,weight,max_score\ntotal,1,80\n", encoding="utf-8")
    lines = ["entry_id,judge_id,criterion,score"]
    lines += [f"{e},{j},total,{v}" for e, sheets in table.items() for j, v in sheets.items()]
    (tmp_path / "scores.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(["rank", "--scores", str(tmp_path / "scores.csv"), "--criteria",
                     str(tmp_path / "criteria.csv")]) == 0
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_rank_command_orders_a_full_panel_by_plain_means_and_flags_a(tmp_path):
    table = {e: {f"J{j}": v for j, v in enumerate(sheets)} for e, sheets in FULL_PANEL.items()}
    rows = _rank_cli(tmp_path, table)
    assert [r["entry_id"] for r in rows] == ["B", "A"]
    # sheets on 0-80 are printed on the rubric's 0-100: 65.8 → 82.25, 64 → 80
    assert [r["score"] for r in rows] == ["82.2500", "80.0000"]
    assert "outlying_sheet" in rows[1]["flags"].split(";")
    assert float(rows[1]["computed_score"]) > float(rows[0]["computed_score"])  # what the model alone said


def test_rank_command_never_prints_a_score_above_the_scale(tmp_path):
    rows = _rank_cli(tmp_path, HARSH)
    assert max(float(r["score"]) for r in rows) == 100.0
    assert float(next(r for r in rows if r["entry_id"] == "X")["computed_score"]) > 100
    assert rows[0]["entry_id"] == "X"


def test_paper_decomposition_takes_the_bias_out_and_weights_each_sheet():
    from judging.publication import paper_decomposition

    steps = paper_decomposition(np.array([70.0, 80.0]), np.array([2.0, -2.0]), np.ones(2), np.array([1.0, 0.5]),
                                center=75.0)
    assert steps.corrected.tolist() == [68.0, 82.0]
    assert steps.weight.tolist() == [1.0, 0.5]
    assert steps.value == pytest.approx((68.0 + 0.5 * 82.0) / 1.5)


def test_paper_decomposition_undoes_a_judges_stretch_around_the_centre():
    from judging.publication import paper_decomposition

    steps = paper_decomposition(np.array([90.0]), np.array([4.0]), np.array([2.0]), np.array([0.5]), center=50.0)
    assert steps.corrected.tolist() == [50.0 + (90.0 - 50.0 - 4.0) / 2.0]
    assert steps.weight.tolist() == [2.0]
