"""The award decision (quyết định khen thưởng): its number and date, and an editable .docx draft.

The draft follows the layout of Vietnamese administrative documents (Nghị định
30/2020/NĐ-CP): Times New Roman 13–14 pt, the issuing body and the national heading
side by side, the số/ký hiệu and place/date lines (left to fill while a draft),
the căn cứ lines, Điều 1–3, nơi nhận and the signature block, then the annex
table of winners.  The award-list PDF is that annex and cites this decision.
"""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.models import Award, AwardDecision, ResultSet, ResultStatus, User

ISSUER_PARENT = "UBND TỈNH THÁI NGUYÊN"
ISSUER = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
ISSUER_CODE = "QĐ-SKHCN"
SIGNER_TITLE = "GIÁM ĐỐC"
PLACE = "Thái Nguyên"
BLANK_NUMBER = f"        /{ISSUER_CODE}"
BLANK_DATE = f"{PLACE}, ngày      tháng      năm "


class DecisionError(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def decision_of(rs: ResultSet) -> AwardDecision | None:
    return db.session.get(AwardDecision, rs.id)


def record_decision(rs: ResultSet, *, number: str | None, signed_on: date | None,
                    actor: User | None = None) -> AwardDecision:
    """Keep the signed decision's number and date (both blank again turns it back into a draft)."""
    number = (number or "").strip() or None
    if (number is None) != (signed_on is None):
        raise DecisionError(_("Vui lòng nhập cả số và ngày ký của quyết định (hoặc để trống cả hai)."))
    decision = decision_of(rs)
    if decision is None:
        decision = AwardDecision(result_set_id=rs.id)
        db.session.add(decision)
    before = {"number": decision.number, "signed_on": decision.signed_on.isoformat() if decision.signed_on else None}
    decision.number, decision.signed_on = number, signed_on
    db.session.flush()
    audit.record("results.award_decision", rs, actor=actor, before=before,
                 after={"number": number, "signed_on": signed_on.isoformat() if signed_on else None})
    return decision


def _date_words(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def annex_citation(rs: ResultSet) -> str:
    """"Kèm theo Quyết định số 45/QĐ-SKHCN ngày 05 tháng 12 năm 2026 …", dotted blanks while a draft."""
    decision = decision_of(rs)
    if decision is not None and decision.number and decision.signed_on:
        return (f"Kèm theo Quyết định số {decision.number} {_date_words(decision.signed_on)} "
                f"của Giám đốc Sở Khoa học và Công nghệ")
    return "Kèm theo Quyết định số ......../QĐ-SKHCN ngày ...... tháng ...... năm ...... " \
           "của Giám đốc Sở Khoa học và Công nghệ"


def winners(rs: ResultSet) -> list[Award]:
    return sorted((a for a in rs.awards if a.level is not None),
                  key=lambda a: (a.level.position, a.entry.category.position, a.rank))


def _money(amount: int | None) -> str:
    return f"{amount:,}".replace(",", ".") if amount else ""


# --- the .docx draft ---------------------------------------------------------------------------


def _style(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(3)
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(2)


def _para(cell_or_doc, text: str = "", *, bold: bool = False, italic: bool = False, size: int | None = None,
          align: WD_ALIGN_PARAGRAPH | None = None, upper: bool = False):
    paragraph = cell_or_doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text.upper() if upper else text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return paragraph


def _no_borders(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _heading(document: Document, rs: ResultSet) -> None:
    decision = decision_of(rs)
    table = document.add_table(rows=2, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run(ISSUER_PARENT).font.size = Pt(13)
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(left, ISSUER, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(left, "———", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    title.bold, title.font.size = True, Pt(13)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(right, "———————————", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    number_cell, date_cell = table.rows[1].cells
    number = decision.number if decision and decision.number else BLANK_NUMBER
    number_cell.paragraphs[0].add_run(f"Số: {number}").font.size = Pt(13)
    number_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    date_text = (f"{PLACE}, {_date_words(decision.signed_on)}" if decision and decision.signed_on else BLANK_DATE)
    run = date_cell.paragraphs[0].add_run(date_text)
    run.italic, run.font.size = True, Pt(14)
    date_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _body(document: Document, rs: ResultSet, awards: list[Award]) -> None:
    edition = rs.edition
    _para(document, "QUYẾT ĐỊNH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, f"Về việc khen thưởng các tác giả, nhóm tác giả đạt giải {edition.name}", bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, "———", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, f"{SIGNER_TITLE} SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH THÁI NGUYÊN", bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for line in (
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
        "Căn cứ Quyết định quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và "
        "Công nghệ tỉnh Thái Nguyên;",
        f"Căn cứ {edition.decision_reference or '........'} ban hành Thể lệ {edition.name};",
        "Căn cứ kết quả chấm điểm của Hội đồng giám khảo và ý kiến phê duyệt của Ban tổ chức cuộc thi;",
        "Theo đề nghị của Ban tổ chức cuộc thi.",
    ):
        _para(document, line, italic=True, align=justify)
    _para(document, "QUYẾT ĐỊNH:", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    total = sum(a.level.prize_amount or 0 for a in awards)
    counts: dict[str, int] = {}
    for a in awards:
        counts[a.level.name] = counts.get(a.level.name, 0) + 1
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    articles = [
        ("Điều 1.", f" Khen thưởng {len(awards)} giải pháp đạt giải {edition.name} ({summary}), "
                    "có danh sách kèm theo."),
        ("Điều 2.", f" Tổng số tiền thưởng là {_money(total)} đồng (bằng chữ: ........), mức thưởng của từng "
                    "giải theo danh sách kèm theo, chi từ kinh phí tổ chức cuộc thi."),
        ("Điều 3.", " Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Trưởng Ban tổ chức cuộc thi, "
                    "các tác giả, nhóm tác giả có tên tại Điều 1 và các đơn vị, cá nhân có liên quan chịu trách "
                    "nhiệm thi hành Quyết định này./."),
    ]
    for label, text in articles:
        paragraph = document.add_paragraph()
        paragraph.alignment = justify
        paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    run = left.paragraphs[0].add_run("Nơi nhận:")
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for line in ("- Như Điều 3;", "- UBND tỉnh (để báo cáo);", "- Ban tổ chức cuộc thi;",
                 "- Cổng thông tin điện tử của Sở;", "- Lưu: VT, Ban tổ chức."):
        _para(left, line, size=11)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].add_run(SIGNER_TITLE).bold = True
    for _i in range(4):
        right.add_paragraph()
    _para(right, "", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


ANNEX_HEADER = ["STT", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Địa phương", "Lĩnh vực", "Giải",
                "Tiền thưởng (đồng)"]


def annex_rows(awards: list[Award]) -> list[list[str]]:
    rows = []
    for i, a in enumerate(awards, start=1):
        entry = a.entry
        rows.append([str(i), entry.title, entry.authors_display, entry.organization or "",
                     entry.locality.name if entry.locality else "", entry.category.name, a.level.name,
                     _money(a.level.prize_amount)])
    return rows


def _annex(document: Document, rs: ResultSet, awards: list[Award]) -> None:
    section = document.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(2), Cm(1.5)
    _para(document, "PHỤ LỤC", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, f"DANH SÁCH CÁC GIẢI PHÁP ĐẠT GIẢI {rs.edition.name.upper()}", bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(document, f"({annex_citation(rs)})", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    table = document.add_table(rows=1, cols=len(ANNEX_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ANNEX_HEADER, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, Pt(12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in annex_rows(awards):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(12)
    total = sum(a.level.prize_amount or 0 for a in awards)
    _para(document, f"Tổng cộng: {len(awards)} giải, {_money(total)} đồng.", bold=True)


def award_decision_docx(rs: ResultSet) -> bytes:
    """The editable draft of the award decision for the finalized ``rs``, with the annex of winners."""
    if rs.status != ResultStatus.FINALIZED.value:
        raise DecisionError(_("Dự thảo quyết định khen thưởng chỉ lập từ kết quả đã hoàn tất."), 409)
    awards = winners(rs)
    document = Document()
    _style(document)
    _heading(document, rs)
    document.add_paragraph()
    _body(document, rs, awards)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.LINE)
    _annex(document, rs, awards)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

