"""The preset states only the published scoring as fact; every other value it fills waits for the organizer."""

from __future__ import annotations

from decimal import Decimal

from contest.editions import (
    apply_preset,
    confirm_value,
    create_edition,
    save_award_levels,
    update_round,
    validate_edition,
)
from contest.extensions import db
from contest.presets import PRESETS
from tests.editions.test_operations import events

TO_CONFIRM = "cần đối chiếu với quyết định của đơn vị"


def _awaiting(edition):
    return [p for p in validate_edition(edition) if p.code.startswith("value_to_confirm:")]


def _preset_edition():
    edition = create_edition(2026, "Cuộc thi 2026")
    apply_preset(edition, "thai_nguyen_2025")
    db.session.commit()
    return edition


def test_preset_is_not_labelled_as_the_published_decision(app):
    label = str(PRESETS["thai_nguyen_2025"][0])
    assert "QĐ 16" not in label and "2025" not in label
    assert "20 + 30 + 30 = 80" in label and TO_CONFIRM in label


def test_checklist_names_every_value_the_published_scoring_does_not_state(app):
    edition = _preset_edition()
    messages = [p.message for p in _awaiting(edition)]
    assert len(messages) == 6 and all(TO_CONFIRM in m for m in messages)
    assert any("Điểm tối thiểu của các mức giải" in m for m in messages)
    assert any("Tiền thưởng của từng mức giải" in m for m in messages)
    assert any("Số lượng giải của từng mức" in m for m in messages)
    assert any("Số giám khảo chấm mỗi bài ở “Vòng chung khảo”" in m for m in messages)
    assert any("Quy tắc vào vòng trong ở “Vòng sơ khảo”" in m for m in messages)
    # The final round's advancement is the council's own call: nothing was suggested for it.
    assert not any("Quy tắc vào vòng trong ở “Vòng chung khảo”" in m for m in messages)


def test_confirming_a_value_clears_it_once_and_is_recorded(app):
    edition = _preset_edition()
    assert confirm_value(edition, "award_levels:prize_amount") is True
    db.session.commit()
    assert "award_levels:prize_amount" not in edition.values_to_confirm
    assert not any("Tiền thưởng" in p.message for p in _awaiting(edition))
    assert confirm_value(edition, "award_levels:prize_amount") is False  # a second click changes nothing
    assert len(events("edition.value_confirmed")) == 1


def test_changing_a_value_clears_it_and_leaves_the_others(app):
    edition = _preset_edition()
    first = edition.rounds[0]
    update_round(first, {"judges_per_entry": 4})
    rows = [{"id": lv.id, "name": lv.name, "name_en": lv.name_en, "scope": lv.scope, "quota": lv.quota,
             "min_score": Decimal("60"), "prize_amount": lv.prize_amount} for lv in edition.award_levels]
    save_award_levels(edition, rows)
    db.session.commit()
    assert sorted(edition.values_to_confirm) == sorted([
        "award_levels:quota", "award_levels:prize_amount", f"round:{first.id}:advancement",
        f"round:{edition.rounds[1].id}:judges_per_entry"])


def test_changing_the_advancement_rule_clears_that_round_only(app):
    edition = _preset_edition()
    first, final = edition.rounds
    update_round(first, {"advance_top_n": 8})
    db.session.commit()
    assert f"round:{first.id}:advancement" not in edition.values_to_confirm
    assert f"round:{final.id}:judges_per_entry" in edition.values_to_confirm
