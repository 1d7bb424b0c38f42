"""Exports opened and read back: CSV, XLSX, the award-list PDF, certificates and the inputs file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contest import exports, results
from contest.extensions import db
from contest.models import Role
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT

TITLES = dict({k: f"Giải pháp {k}: máy sao chè tự động" for k in LENIENT},
              D="=HYPERLINK(\"http://evil\";\"bấm\")")


@pytest.fixture
def published(app):
    edition, round_, entries, judges = scored_contest(LENIENT, titles=TITLES)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    edition.decision_reference = "Quyết định số 123/QĐ-SKHCN"
    db.session.commit()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    db.session.commit()
    return edition, rs, entries, judges, organizer


def test_awards_csv_is_utf8_bom_and_formula_safe(published):
    edition, rs, entries, judges, organizer = published
    data = exports.EXPORTS["danh-sach-giai.csv"].build(rs)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["STT", "Mã bài", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Lĩnh vực",
                       "Điểm của Hội đồng giám khảo", "Giải"]
    assert len(rows) == 1 + sum(1 for a in rs.awards if a.level is not None)
    assert rows[1][-1] == "Giải Nhất" and rows[1][2] == TITLES["A"]
    assert rows[1][3] == entries["A"].owner.full_name
    evil = next(r for r in rows if "HYPERLINK" in r[2])
    assert evil[2].startswith("'=")


def test_rankings_and_scores_xlsx_read_back(published):
    edition, rs, entries, judges, organizer = published
    wb = load_workbook(io.BytesIO(exports.EXPORTS["xep-hang.xlsx"].build(rs)))
    ws = wb.active
    assert ws.title == "Xếp hạng"
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Hạng", "Mã bài", "Tên giải pháp"] and "Điểm của Hội đồng giám khảo" in header
    assert ws.max_row == 1 + len(rs.awards)
    title_col = header.index("Tên giải pháp") + 1
    from openpyxl.utils import get_column_letter

    assert ws.column_dimensions[get_column_letter(title_col)].width >= len(TITLES["A"])
    assert ws.column_dimensions["A"].width < 12
    first = [c.value for c in ws[2]]
    expert = header.index("Điểm của Hội đồng giám khảo")
    assert first[1] == entries["A"].reference_code and isinstance(first[expert], (int, float))
    assert any(str(c.value).startswith("'=HYPERLINK") for row in ws.iter_rows() for c in row if c.value)

    scores = load_workbook(io.BytesIO(exports.EXPORTS["diem-chi-tiet.xlsx"].build(rs))).active
    assert [c.value for c in scores[1]] == ["Mã bài", "Tên giải pháp", "Giám khảo", "Tiêu chí", "Điểm"]
    assert scores.max_row == 1 + len(rs.payload["inputs"]["scores"])
    names = {row[2].value for row in scores.iter_rows(min_row=2)}
    assert judges[4].full_name in names
    assert "Tính đổi mới sáng tạo" in {row[3].value for row in scores.iter_rows(min_row=2)}


def _pdftotext(pdf: bytes, tmp_path: Path, name: str = "a.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())  # table cells wrap over lines: compare words in reading order


def test_award_list_pdf_has_vietnamese_text_page_numbers_and_renders(published, tmp_path):
    edition, rs, entries, judges, organizer = published
    pdf = exports.EXPORTS["danh-sach-giai.pdf"].build(rs)
    assert pdf.startswith(b"%PDF")
    text = _pdftotext(pdf, tmp_path)
    assert "Giải Nhất" in text and "Giải Nhì" in text
    assert entries["A"].owner.full_name in text  # "Tác giả A Nguyễn Thị Hằng"
    assert "Nguyễn Thị Hằng" in text and "Trường Đại học Thái Nguyên" in text
    # The list is the annex of the award decision, not of the rules decision (blank while a draft).
    assert "Kèm theo Quyết định số ......../QĐ-SKHCN ngày ...... tháng ...... năm ......" in text
    assert "123/QĐ-SKHCN" not in text
    assert "DANH SÁCH GIẢI THƯỞNG" in text
    assert "Trang 1 / 1" in text
    assert edition.name.split(" – ")[0] in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "a.pdf")], capture_output=True, text=True).stdout
    assert "DejaVu-Sans" in fonts or "DejaVuSans" in fonts

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "a.pdf"),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    image = Image.open(png).convert("L")
    assert image.size[0] > 600 and image.size[1] > 400  # A4 landscape: the annex table has nine columns
    dark = sum(image.histogram()[:128])
    assert dark > 2000  # real text and table lines, not a blank page


def test_certificates_one_pdf_per_winner(published, tmp_path):
    edition, rs, entries, judges, organizer = published
    data = exports.EXPORTS["chung-nhan.zip"].build(rs)
    archive = zipfile.ZipFile(io.BytesIO(data))
    winners = [a for a in rs.awards if a.level is not None]
    assert len(archive.namelist()) == len(winners)
    name = f"chung-nhan-{entries['A'].reference_code}.pdf"
    text = _pdftotext(archive.read(name), tmp_path, "c.pdf")
    assert "GIẤY CHỨNG NHẬN" in text and "Giải Nhất".upper() in text.upper()
    assert "Nguyễn Thị Hằng" in text and TITLES["A"] in text


def test_inputs_json_recomputes_the_same_list(published):
    edition, rs, entries, judges, organizer = published
    document = json.loads(exports.EXPORTS["du-lieu-dau-vao.json"].build(rs))
    assert document["input_hash"] == rs.input_hash and document["engine_version"] == rs.engine_version
    report = results.recompute_check(document["inputs"], document)
    assert report.matches


def test_export_route_for_organizers_only(client, auth, published):
    edition, rs, entries, judges, organizer = published
    assert client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.csv").status_code == 302
    auth.as_(make_user(Role.APPLICANT))
    assert client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.csv").status_code == 403
    auth.logout()
    auth.as_(organizer)
    response = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.xlsx")
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_TYPE
    assert "filename*=UTF-8''ket-qua-" in response.headers["Content-Disposition"]
    assert client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/khong-co.exe").status_code == 404
    pdf = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
