"""From submitted score sheets to a computed result set, its awards and its reproducibility."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from contest import results
from contest.extensions import db
from contest.models import AuditEvent, Award, ResultSet, ResultStatus
from judging import __version__ as engine_version
from tests.results.helpers import add_sheet, make_judges, scored_contest

# Judge 4 is about 10 points more lenient than the others and scored C, D, E and F.
# On raw means C ties A at the top; calibration removes judge 4's leniency and puts B ahead of C.
LENIENT = {
    "A": {0: 70, 1: 71, 2: 69},
    "B": {1: 68, 2: 66, 3: 67.5},
    "C": {0: 65, 4: 75},
    "D": {4: 68, 1: 59, 2: 57},
    "E": {0: 54, 4: 64, 3: 54.5},
    "F": {2: 49, 3: 50.5, 4: 60},
}


def _lower_thresholds(edition, minimum: str = "50") -> None:
    for level in edition.award_levels:
        level.min_score = Decimal(minimum)
    db.session.commit()


def _order(rs: ResultSet, entries: dict) -> list[str]:
    label = {e.id: k for k, e in entries.items()}
    return [label[a.entry_id] for a in sorted(rs.awards, key=lambda a: (a.rank, a.expert_score * -1))]


def test_compute_builds_awards_from_submitted_sheets_only(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    _lower_thresholds(edition)
    # A draft sheet must not count: it would lift F to the top.
    add_sheet(round_, entries["F"], make_judges(1)[0], 80, submitted=False)
    db.session.commit()

    rs = results.compute_result_set(round_, method="calibrated")
    db.session.commit()

    assert rs.status == ResultStatus.COMPUTED
    assert rs.engine_version == engine_version
    assert rs.method == "calibrated"
    assert len(rs.input_hash) == 64
    assert len(rs.awards) == 6
    by_label = {k: next(a for a in rs.awards if a.entry_id == e.id) for k, e in entries.items()}
    assert by_label["F"].rank == 6
    assert _order(rs, entries)[:3] == ["A", "B", "C"]
    levels = {lv.position: lv.id for lv in edition.award_levels}
    assert by_label["A"].computed_level_id == levels[1]
    assert {by_label["B"].computed_level_id, by_label["C"].computed_level_id} == {levels[2]}
    assert by_label["D"].computed_level_id == levels[3]
    assert by_label["E"].computed_level_id == levels[3]
    assert by_label["F"].computed_level_id == levels[3]
    # No vote tally: the total is the expert score, and every award carries a standard error.
    for award in rs.awards:
        assert award.vote_score is None
        assert award.total_score == award.expert_score
        assert award.expert_stderr is not None and award.expert_stderr > 0
    assert "judges_disagree" in by_label["C"].flags
    event = db.session.query(AuditEvent).filter_by(action="results.compute", object_id=rs.id).one()
    assert event.after["input_hash"] == rs.input_hash
    # The payload carries the engine's output and the inputs needed to recompute.
    assert {"rows", "evaluation", "awards", "stability", "inputs", "sheets"} <= set(rs.payload)
    assert rs.payload["inputs"]["method"] == "calibrated"


def test_method_switch_changes_ranking_when_a_judge_is_lenient(app):
    edition, round_, entries, _ = scored_contest(LENIENT)
    raw = results.compute_result_set(round_, method="raw")
    calibrated = results.compute_result_set(round_, method="calibrated")
    db.session.commit()
    raw_order = _order(raw, entries)
    cal_order = _order(calibrated, entries)
    assert raw_order.index("C") < raw_order.index("B")
    assert cal_order.index("B") < cal_order.index("C")
    lenient = next(j for j in calibrated.payload["evaluation"]["judges"] if j["bias"] > 5)
    assert lenient["n_sheets"] == 4


def test_tie_at_quota_boundary_is_flagged_for_the_council(app):
    # Raw means: A and C both 70.00 for one Giải Nhất.
    edition, round_, entries, _ = scored_contest(LENIENT)
    _lower_thresholds(edition)
    rs = results.compute_result_set(round_, method="raw")
    db.session.commit()
    a = next(x for x in rs.awards if x.entry_id == entries["A"].id)
    c = next(x for x in rs.awards if x.entry_id == entries["C"].id)
    assert a.rank == c.rank == 1
    assert "tie_at_boundary" in a.flags and "tie_at_boundary" in c.flags
    first = next(lv for lv in edition.award_levels if lv.position == 1)
    # Both provisionally hold the level; the council decides which one keeps it.
    assert a.computed_level_id == c.computed_level_id == first.id
    row = next(r for r in rs.payload["rows"] if r["entry_id"] == str(entries["A"].id))
    assert row["contested_places"] == 1


def test_threshold_leaves_quota_unfilled(app):
    edition, round_, entries, _ = scored_contest(LENIENT)  # minimum 70 of the preset
    rs = results.compute_result_set(round_)
    db.session.commit()
    awarded = [a for a in rs.awards if a.computed_level_id is not None]
    assert [a.entry_id for a in awarded] == [entries["A"].id]


def test_frozen_hash_is_reproducible_and_recompute_matches(app):
    edition, round_, entries, _ = scored_contest(LENIENT)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, None)
    again = results.compute_result_set(round_)  # a separate computation from the same sheets
    db.session.commit()
    assert again.id != rs.id and rs.input_hash == again.input_hash
    assert rs.status == ResultStatus.FROZEN and rs.frozen_at is not None
    report = results.recompute_check(rs)
    assert report.matches, report.differences
    # From the exported inputs alone (JSON round trip), without the database.
    exported = json.loads(json.dumps(rs.payload))
    standalone = results.recompute_check(exported["inputs"], exported)
    assert standalone.matches
    # A changed score breaks the hash and is reported.
    tampered = json.loads(json.dumps(rs.payload))
    tampered["inputs"]["scores"][0][3] = tampered["inputs"]["scores"][0][3] - 0.5
    broken = results.recompute_check(tampered["inputs"], rs.payload | {"input_hash": rs.input_hash})
    assert not broken.matches
    assert "input_hash" in broken.differences and "engine_input_sha256" in broken.differences


def test_computing_twice_without_changes_keeps_one_working_set(app):
    edition, round_, entries, _ = scored_contest(LENIENT)
    first = results.compute_result_set(round_)
    again = results.compute_result_set(round_)
    db.session.commit()
    assert again.id == first.id
    assert db.session.query(AuditEvent).filter_by(action="results.compute").count() == 1
    # A new submitted sheet changes the inputs: a new working set.
    add_sheet(round_, entries["F"], make_judges(1)[0], 55)
    db.session.commit()
    changed = results.compute_result_set(round_)
    assert changed.id != first.id and changed.input_hash != first.input_hash


def test_different_method_gives_different_hash(app):
    edition, round_, entries, _ = scored_contest(LENIENT)
    a = results.compute_result_set(round_, method="raw")
    b = results.compute_result_set(round_, method="calibrated")
    assert a.input_hash != b.input_hash


def test_category_scope_only_ranks_that_field(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    other_edition_entries = scored_contest({"X": {0: 60, 1: 62}}, edition=edition, category_code="y_duoc")[2]
    cntt = next(c for c in edition.categories if c.code == "cntt")
    rs = results.compute_result_set(round_, cntt)
    db.session.commit()
    assert rs.category_id == cntt.id
    assert other_edition_entries["X"].id not in {a.entry_id for a in rs.awards}
    whole = results.compute_result_set(round_)
    assert other_edition_entries["X"].id in {a.entry_id for a in whole.awards}


def test_compute_without_sheets_is_refused_clearly(app):
    edition, round_, entries, _ = scored_contest({"A": {0: 60}})
    other_round = edition.rounds[0]
    with pytest.raises(results.ResultError) as error:
        results.compute_result_set(other_round)
    assert error.value.status == 409
    assert "phiếu chấm" in error.value.message
    with pytest.raises(results.ResultError):
        results.compute_result_set(round_, method="magic")
    assert db.session.query(ResultSet).count() == 0


def test_vote_points_are_added_to_the_expert_score(app, monkeypatch):
    edition, round_, entries, _ = scored_contest(LENIENT)
    _lower_thresholds(edition, "60")
    import contest.votes

    points = {entries["F"].id: Decimal("20.0"), entries["A"].id: Decimal("2.5")}
    monkeypatch.setattr(contest.votes, "vote_points_for_round", lambda r: points if r.id == round_.id else {})
    rs = results.compute_result_set(round_)
    db.session.commit()
    f = next(a for a in rs.awards if a.entry_id == entries["F"].id)
    b = next(a for a in rs.awards if a.entry_id == entries["B"].id)
    a = next(x for x in rs.awards if x.entry_id == entries["A"].id)
    assert f.vote_score == Decimal("20.0")
    assert b.vote_score == Decimal("0.0")  # on the ballot's edition, no votes is zero points
    assert f.total_score == f.expert_score + Decimal("20.0")
    assert a.total_score == a.expert_score + Decimal("2.5")
    assert f.rank < b.rank  # the vote lifted F above B
    assert rs.payload["inputs"]["vote_points"][str(entries["F"].id)] == "20.0"
    assert results.recompute_check(rs).matches


def test_awards_are_ordered_rows_with_unique_entries(app):
    edition, round_, entries, _ = scored_contest(LENIENT)
    rs = results.compute_result_set(round_)
    db.session.commit()
    ranks = [a.rank for a in rs.awards]
    assert ranks == sorted(ranks)
    assert len({a.entry_id for a in db.session.query(Award).filter_by(result_set_id=rs.id)}) == 6
