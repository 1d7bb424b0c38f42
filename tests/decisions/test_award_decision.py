"""The award decision: an editable .docx draft from a finalized result set, and the award-list PDF as its annex."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta

import pytest
from docx import Document
from docx.shared import Pt

from contest import decisions, exports, results
from contest.extensions import db
from tests.complaints.helpers import published_contest


def _finalized():
    rs, entries, organizer = published_contest()
    rs.edition.decision_reference = "Quyết định số 16/QĐ-BTCCT ngày 24/01/2025"
    results.finalize_results(rs, organizer, now=rs.complaint_ends_at + timedelta(minutes=1))
    db.session.commit()
    return rs, entries, organizer


def _text(document: Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_organizer_downloads_an_editable_draft_that_reopens_with_the_decision_and_the_annex(app, auth):
    rs, entries, organizer = _finalized()
    response = auth.as_(organizer).get(f"/quan-tri/ket-qua/bo/{rs.id}/du-thao-quyet-dinh.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(response.data))
    text = _text(document)
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size in (Pt(13), Pt(14))
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                 "Số:         /QĐ-SKHCN", "Thái Nguyên, ngày      tháng      năm ", "QUYẾT ĐỊNH",
                 "Căn cứ Quyết định số 16/QĐ-BTCCT ngày 24/01/2025 ban hành Thể lệ", "Điều 1.", "Điều 2.",
                 "Điều 3.", "Nơi nhận:", "PHỤ LỤC"):
        assert line in text, line
    annex = document.tables[-1]
    header = [c.text for c in annex.rows[0].cells]
    assert header == ["STT", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Địa phương", "Lĩnh vực", "Giải",
                      "Tiền thưởng (đồng)"]
    winners = [a for a in rs.awards if a.level is not None]
    body = [[c.text for c in row.cells] for row in annex.rows[1:]]
    assert len(body) == len(winners)
    first = next(row for row in body if row[1] == entries["A"].title)
    award_a = next(a for a in winners if a.entry_id == entries["A"].id)
    assert first[2] == entries["A"].authors_display and first[6] == award_a.level.name
    assert first[7] == f"{award_a.level.prize_amount:,}".replace(",", ".")


def test_the_draft_needs_finalized_results(app, auth):
    rs, _, organizer = published_contest()
    with pytest.raises(decisions.DecisionError):
        decisions.award_decision_docx(rs)
    response = auth.as_(organizer).get(f"/quan-tri/ket-qua/bo/{rs.id}/du-thao-quyet-dinh.docx",
                                       follow_redirects=True)
    assert "chỉ lập từ kết quả đã hoàn tất" in response.get_data(as_text=True)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def test_the_award_list_pdf_cites_the_award_decision_blank_then_filled_not_the_rules_decision(app, auth, tmp_path):
    rs, _, organizer = _finalized()
    draft = _pdf_text(exports.awards_pdf(rs), tmp_path)
    assert "Kèm theo Quyết định số ......../QĐ-SKHCN ngày ...... tháng ...... năm ......" in draft
    assert "16/QĐ-BTCCT" not in draft
    response = auth.as_(organizer).post(f"/quan-tri/ket-qua/bo/{rs.id}/quyet-dinh",
                                        data={"number": "45/QĐ-SKHCN", "signed_on": "2026-12-05"})
    assert response.status_code == 302
    signed = _pdf_text(exports.awards_pdf(rs), tmp_path)
    assert "Kèm theo Quyết định số 45/QĐ-SKHCN ngày 05 tháng 12 năm 2026" in signed
    document = Document(io.BytesIO(decisions.award_decision_docx(rs)))
    text = _text(document)
    assert "Số: 45/QĐ-SKHCN" in text and "Thái Nguyên, ngày 05 tháng 12 năm 2026" in text


def test_a_number_without_a_date_is_refused(app):
    rs, _, organizer = _finalized()
    with pytest.raises(decisions.DecisionError, match="cả số và ngày"):
        decisions.record_decision(rs, number="45/QĐ-SKHCN", signed_on=None, actor=organizer)
    decisions.record_decision(rs, number="45/QĐ-SKHCN", signed_on=date(2026, 12, 5), actor=organizer)
    assert decisions.decision_of(rs).number == "45/QĐ-SKHCN"
