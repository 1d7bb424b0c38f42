"""A council's arithmetic stands: a full panel publishes its plain mean, and nothing leaves the published scale."""

from __future__ import annotations

from decimal import Decimal

from contest import results
from contest.extensions import db
from contest.models import Role
from contest.numbers import format_score
from tests.factories import make_user
from tests.results.helpers import scored_contest

FULL_PANEL = {"A": dict(enumerate([70, 71, 69, 70, 40])), "B": dict(enumerate([66, 67, 65, 66, 65]))}
HARSH = {"X": {0: 78, 1: 79, 2: 80}, "Y": {0: 60, 3: 75}, "Z": {1: 62, 3: 76, 4: 70}, "W": {2: 61, 4: 72}}


def _computed(table):
    edition, round_, entries, judges = scored_contest(table)
    rs = results.compute_result_set(round_, actor=make_user(Role.ORGANIZER))
    scale = rs.payload["scale"]
    return rs, entries, scale


def test_full_panel_b_ranks_above_a_on_the_plain_mean_and_a_is_flagged_for_the_chair(app):
    rs, entries, scale = _computed(FULL_PANEL)
    awards = {a.entry_id: a for a in rs.awards}
    a, b = awards[entries["A"].id], awards[entries["B"].id]
    assert rs.payload["complete_design"] is True
    assert b.rank == 1 and a.rank == 2
    factor = Decimal(str(scale)) / 80  # the sheets are 80-point totals
    assert a.expert_score == Decimal("64") * factor
    assert b.expert_score == Decimal("65.8") * factor
    rows = {int(r["entry_id"]): r for r in rs.payload["rows"]}
    row_a = rows[entries["A"].id]
    assert "outlying_sheet" in row_a["flags"] and "outlying_sheet" in a.flags
    assert row_a["computed_score"] > row_a["plain_mean"]  # the calibrated value, kept beside the mean
    assert row_a["plain_mean"] == row_a["expert_score"]


def test_harsh_judges_78_79_80_never_publish_above_the_scale(app):
    rs, entries, scale = _computed(HARSH)
    rows = {int(r["entry_id"]): r for r in rs.payload["rows"]}
    top = rows[entries["X"].id]
    assert top["computed_score"] > scale
    assert top["expert_score"] == scale
    assert max(a.expert_score for a in rs.awards) <= Decimal(str(scale))
    assert rs.payload["scale_mapping"]["identity"] is False


def test_why_page_shows_the_plain_mean_the_calibrated_value_and_the_mapping_side_by_side(app, client, auth):
    rs, entries, scale = _computed(FULL_PANEL)
    db.session.commit()
    auth.as_(make_user(Role.ORGANIZER))
    html = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{entries['A'].id}").get_data(as_text=True)
    row = next(r for r in rs.payload["rows"] if r["entry_id"] == str(entries["A"].id))
    assert "trung bình cộng các phiếu của hội đồng" in html
    assert f'data-test="plain-mean">{format_score_vi(row["plain_mean"])}<' in html
    assert f'data-test="computed">{format_score_vi(row["computed_score"])} ±' in html
    assert "Không cần: mọi giá trị đã nằm trong thang" in html
    assert "Có phiếu lệch xa các phiếu khác" in html

    harsh, harsh_entries, _ = _computed(HARSH)
    db.session.commit()
    html = client.get(f"/quan-tri/ket-qua/bo/{harsh.id}/bai/{harsh_entries['X'].id}").get_data(as_text=True)
    mapping = harsh.payload["scale_mapping"]
    assert f"(giá trị − {format_score_vi(mapping['low'])}) × {format_score_vi(scale, 0)} ÷ " \
           f"({format_score_vi(mapping['high'])} − {format_score_vi(mapping['low'])})" in html
    assert f'data-test="expert">{format_score_vi(scale)}<' in html


def format_score_vi(value, digits: int = 2) -> str:
    from flask import current_app

    with current_app.test_request_context("/"):
        return format_score(value, digits)
