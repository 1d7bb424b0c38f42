"""The why page takes a score apart so a council member can redo it by hand: the numbers shown add up."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from contest import results
from contest.extensions import db
from contest.models import Role
from contest.numbers import format_score
from tests.factories import make_user
from tests.results.helpers import scored_contest

HARSH = {"X": {0: 78, 1: 79, 2: 80}, "Y": {0: 60, 3: 75}, "Z": {1: 62, 3: 76, 4: 70}, "W": {2: 61, 4: 72}}
CENT = Decimal("0.01")


def _number(text: str) -> Decimal:
    """A number as the Vietnamese page writes it: dot between thousands, decimal comma."""
    return Decimal(text.strip().replace(".", "").replace(",", ".").replace("−", "-").replace("+", ""))


def _why(client, auth, table, label):
    edition, round_, entries, judges = scored_contest(table)
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, actor=organizer)
    db.session.commit()
    auth.as_(organizer)
    html = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{entries[label].id}").get_data(as_text=True)
    row = next(r for r in rs.payload["rows"] if r["entry_id"] == str(entries[label].id))
    return html, row, rs


def _texts(html: str, name: str) -> list[str]:
    return re.findall(rf'data-test="{name}">([^<]*)<', html)


def _cells(html: str, name: str) -> list[Decimal]:
    return [_number(t) for t in _texts(html, name)]


@pytest.mark.parametrize("label", ["X", "Z"])
def test_the_sheets_corrections_and_weights_on_the_why_page_add_up_to_the_published_total(app, client, auth,
                                                                                         label):
    html, row, rs = _why(client, auth, HARSH, label)
    totals, biases = _cells(html, "paper-total"), _cells(html, "paper-bias")
    corrected, weights, products = _cells(html, "paper-corrected"), _cells(html, "paper-weight"), \
        _cells(html, "paper-product")
    assert len(totals) == len(HARSH[label])
    for total, bias, value in zip(totals, biases, corrected):
        assert abs(total - bias - value) <= CENT  # each shown number rounded once, to the cent
    for weight, value, product in zip(weights, corrected, products):
        assert abs(weight * value - product) <= CENT * 2
    weight_sum, product_sum = _cells(html, "paper-weight-sum")[0], _cells(html, "paper-product-sum")[0]
    assert abs(sum(weights) - weight_sum) <= Decimal("0.002") * len(weights)
    assert abs(sum(products) - product_sum) <= CENT * len(products)
    value = _cells(html, "paper-value")[0]
    assert abs(product_sum / weight_sum - value) <= CENT * 2
    assert _texts(html, "paper-value") == [format_score(row["computed_score"])]
    assert _cells(html, "paper-mean")[0] == _number(format_score(sum(HARSH[label].values()) / len(HARSH[label])))

    # The design is incomplete: the calibrated value is brought onto the scale by the one mapping.
    source, low, high, scale = (_cells(html, n)[0] for n in ("paper-mapping-source", "paper-low", "paper-high",
                                                               "paper-scale"))
    assert source == value
    expert = _cells(html, "paper-expert")[0]
    assert abs((source - low) * scale / (high - low) - expert) <= CENT * 2
    assert expert == _number(format_score(row["expert_score"]))
    assert _cells(html, "paper-grand-total")[0] == expert + _cells(html, "paper-vote")[0]
