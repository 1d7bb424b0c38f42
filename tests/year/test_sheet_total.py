"""Issue 20 item 3: a half-filled score sheet shows the points earned so far, not a rescaled total."""

from __future__ import annotations

import re

import pytest

from judging.rubric import Criterion, Rubric, running_total, weighted_total
from tests.scoring.helpers import build_world, sheet_form

RUBRIC = Rubric(
    criteria=(Criterion("doi_moi", 20, 20), Criterion("hieu_qua", 30, 30), Criterion("ap_dung", 30, 30)),
    scale=80,
)


def test_running_total_counts_blank_criteria_as_nothing_yet():
    assert running_total(RUBRIC, {"doi_moi": 15.5}) == pytest.approx(15.5)
    assert running_total(RUBRIC, {"doi_moi": 15.5, "hieu_qua": 24.5}) == pytest.approx(40)
    full = {"doi_moi": 15.5, "hieu_qua": 24.5, "ap_dung": 20}
    assert running_total(RUBRIC, full) == pytest.approx(weighted_total(RUBRIC, full)) == pytest.approx(60)


def _shown_total(html: str) -> str:
    return re.search(r'data-test="total">([^<]*)<', html).group(1).strip()


def test_judge_reloading_a_half_filled_sheet_sees_the_points_so_far(app, auth):
    world = build_world(judges=1, entries=1)
    judge = world.judges[0]
    assignment = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    url = f"/giam-khao/cham/{assignment.id}"
    saved = client.post(url, data=sheet_form(world.round, {"doi_moi": "15,5"}, 0, action="save"))
    assert saved.status_code == 302
    assert _shown_total(client.get(url).get_data(as_text=True)) == "15,50"
    client.post(url, data=sheet_form(world.round, {"doi_moi": "15,5", "hieu_qua": "24,5"}, 1, action="save"))
    assert _shown_total(client.get(url).get_data(as_text=True)) == "40,00"
