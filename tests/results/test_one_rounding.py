"""One score, one value: pages, the award-list PDF, CSV and XLSX all write what the one rounding rule gives.

The council compares the ranking page with the spreadsheet and the annex of the decision; a score that
reads 72,12 on one and 72.13 on another cannot be defended.  The rule: half-up at the shown precision,
once, from the exact stored value.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from contest import exports, results
from contest.extensions import db
from contest.models import Role
from contest.numbers import format_score, format_signed_score, score_decimal
from judging.rank import round_half_up
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT


def test_a_mean_of_72_125_reads_72_13_not_banker_rounded(app):
    with app.test_request_context("/"):
        assert format_score(72.125) == "72,13"
        assert format_score(Decimal("72.125")) == "72,13"
        with force_locale("en"):
            assert format_score(72.125) == "72.13"
    assert score_decimal(72.125) == Decimal("72.13")
    assert str(score_decimal(72.125)) == "72.13"


def test_a_stored_60_494756_is_rounded_once_to_60_49(app):
    with app.test_request_context("/"):
        assert format_score(60.494756) == "60,49"
        assert format_score(Decimal("60.494756")) == "60,49"
    assert str(score_decimal(60.494756)) == "60.49"


def test_a_correction_that_rounds_to_zero_has_no_sign(app):
    with app.test_request_context("/"):
        assert format_score(-0.004) == "0,00"
        assert format_signed_score(-0.004) == "0,00"
        assert format_signed_score(5.97) == "+5,97"
        assert format_signed_score(-0.4) == "-0,40"
        assert format_score(6.7, 1) == "6,7"
        assert format_score(1234.5) == "1.234,50"
        assert format_score(None) == "—"
    assert str(score_decimal(-0.004)) == "0.00"


def test_computed_award_keeps_the_engine_value_to_six_places(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    rs = results.compute_result_set(round_, actor=make_user(Role.ORGANIZER))
    db.session.commit()
    rows = {int(r["entry_id"]): r for r in rs.payload["rows"]}
    for award in rs.awards:
        row = rows[award.entry_id]
        assert award.expert_score == round_half_up(row["expert_score"], 6)
        assert award.total_score == round_half_up(row["total"], 6)
        # what every output shows is the engine's value rounded once
        assert score_decimal(award.expert_score) == score_decimal(row["expert_score"])


@pytest.fixture
def published(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    db.session.commit()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    db.session.commit()
    return rs, entries, organizer


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "danh-sach-giai.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _csv_cell(data: bytes, reference_code: str, column: str) -> str:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = next(r for r in rows if r[1] == reference_code)
    return row[rows[0].index(column)]


def _xlsx_cell(data: bytes, reference_code: str, column: str) -> str:
    """The cell as a spreadsheet shows it: its number written with its own number format's places."""
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == reference_code)
    cell = row[header.index(column)]
    places = len(cell.number_format.split(".")[1]) if "." in cell.number_format else 0
    return f"{cell.value:.{places}f}"


@pytest.mark.parametrize("stored, page, file", [
    (Decimal("72.125"), "72,13", "72.13"),
    (Decimal("60.494756"), "60,49", "60.49"),
])
def test_one_entry_shows_the_same_score_on_every_page_pdf_csv_and_xlsx(published, client, auth, tmp_path,
                                                                       stored, page, file):
    rs, entries, organizer = published
    award = next(a for a in rs.awards if a.entry_id == entries["A"].id)
    award.expert_score = stored
    award.total_score = stored
    db.session.commit()
    code = entries["A"].reference_code

    public = client.get("/ket-qua").get_data(as_text=True)
    assert f">{page}<" in public
    auth.as_(organizer)
    admin = client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    assert f"<strong>{page}</strong>" in admin

    assert page in _pdf_text(exports.EXPORTS["danh-sach-giai.pdf"].build(rs), tmp_path).split()

    rankings_csv = exports.EXPORTS["xep-hang.csv"].build(rs)
    awards_csv = exports.EXPORTS["danh-sach-giai.csv"].build(rs)
    rankings_xlsx = exports.EXPORTS["xep-hang.xlsx"].build(rs)
    awards_xlsx = exports.EXPORTS["danh-sach-giai.xlsx"].build(rs)
    assert _csv_cell(rankings_csv, code, "Điểm của Hội đồng giám khảo") == file
    assert _csv_cell(rankings_csv, code, "Tổng điểm") == file
    assert _csv_cell(awards_csv, code, "Điểm của Hội đồng giám khảo") == file
    assert _xlsx_cell(rankings_xlsx, code, "Điểm của Hội đồng giám khảo") == file
    assert _xlsx_cell(rankings_xlsx, code, "Tổng điểm") == file
    assert _xlsx_cell(awards_xlsx, code, "Điểm của Hội đồng giám khảo") == file
    assert page.replace(",", ".") == file


def test_why_and_reliability_pages_write_decimals_the_vietnamese_way(published, client, auth):
    rs, entries, organizer = published
    auth.as_(organizer)
    why = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{entries['A'].id}").get_data(as_text=True)
    reliability = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/giam-khao").get_data(as_text=True)
    for html in (why, reliability):
        main = html[html.index("<main"):html.index("</main>")]
        assert not re.search(r"\d\.\d", main), re.findall(r".{40}\d\.\d.{20}", main)
        assert "-0,00" not in main and "+0,00" not in main
    moved = re.search(r'data-test="moved">([^<]*)<', why).group(1)
    assert re.fullmatch(r"([+-]\d+,\d\d|0,00) điểm", moved.strip())
