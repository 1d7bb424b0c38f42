"""Exports of a result set: CSV and XLSX tables, the award list PDF and the winners' certificates.

Tables: rankings (every ranked entry with its parts, stability and flags), awards (the winners,
as the award decision lists them) and raw scores (every criterion of every sheet).  CSV is
UTF-8 with a BOM so spreadsheet programs show the diacritics, and any text cell starting with
``= + - @`` (or a tab / carriage return) is prefixed with ``'`` so it cannot run as a formula.
The PDFs are WeasyPrint renderings of Jinja templates (``templates/pdf``) in DejaVu Sans,
which covers every Vietnamese letter.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Response, current_app, has_request_context, render_template
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from contest.extensions import db
from contest.i18n import _, _l, format_date_local
from contest.models import Award, Entry, ResultSet, User, utcnow
from contest.numbers import SCORE_DIGITS, decimal_number_format, score_decimal
from contest.storage import content_disposition

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FLAG_TEXT = {
    "tie_at_boundary": "Đồng điểm tại ranh giới giải",
    "tied": "Đồng hạng",
    "single_judge": "Chỉ một giám khảo",
    "judges_disagree": "Giám khảo chênh lệch nhiều",
    "outlier_judge": "Có giám khảo bất thường",
    "incomplete_sheet": "Phiếu chấm thiếu tiêu chí",
    "separate_component": "Nhóm giám khảo tách rời",
    "grey_zone": "Mức giải chưa chắc chắn",
    "down_weighted_sheet": "Có phiếu của giám khảo bị giảm trọng số – chủ tịch hội đồng cần xem xét",
    "outlying_sheet": "Có phiếu lệch xa các phiếu khác – chủ tịch hội đồng cần xem xét",
}


def safe_cell(value: Any) -> Any:
    """A CSV/XLSX cell that cannot be read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _num(value: Any, places: int = SCORE_DIGITS) -> Decimal | None:
    """A score cell: the one rounding rule of ``contest.numbers``, so the file shows the page's digits."""
    return score_decimal(value, places)


def authors(entry: Entry) -> str:
    return entry.authors_display


def organization(entry: Entry) -> str:
    if entry.organization:
        return entry.organization
    orgs = [m.organization for m in entry.members if m.organization]
    return ", ".join(dict.fromkeys(orgs))


def ordered_awards(rs: ResultSet) -> list[Award]:
    return sorted(rs.awards, key=lambda a: (a.rank, a.entry.reference_code))


def winners(rs: ResultSet) -> list[Award]:
    """Awarded entries as the decision lists them: the highest prize first, then by final rank (the field is a
    column, so a first prize of the second field never comes after an encouragement prize of the first)."""
    won = [a for a in rs.awards if a.level is not None]
    return sorted(won, key=lambda a: (a.level.position, a.rank, a.entry.category.position, a.entry.reference_code))


# ------------------------------------------------------------------------------- tables


def rankings_table(rs: ResultSet) -> tuple[str, list[str], list[list[Any]]]:
    rows_by_entry = {r["entry_id"]: r for r in (rs.payload or {}).get("rows", [])}
    header = [
        "Hạng", "Mã bài", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Lĩnh vực",
        "Điểm của Hội đồng giám khảo", "Sai số chuẩn", "Điểm trung bình thô", "Số phiếu chấm", "Điểm bình chọn",
        "Tổng điểm", "Xác suất giữ mức giải", "Mức giải theo tính toán", "Mức giải", "Lý do điều chỉnh",
        "Cảnh báo",
    ]
    body = []
    for a in ordered_awards(rs):
        e = a.entry
        row = rows_by_entry.get(str(a.entry_id), {})
        p_keep = row.get("p_keep_level")
        body.append([
            a.rank, e.reference_code, e.title, authors(e), organization(e), e.category.name,
            _num(a.expert_score), _num(a.expert_stderr), _num(row.get("raw_mean")), row.get("n_sheets"),
            _num(a.vote_score, 1), _num(a.total_score), _num(p_keep, 3) if p_keep is not None else None,
            a.computed_level.name if a.computed_level else "", a.level.name if a.level else "",
            a.override_reason or "" if a.overridden else "",
            "; ".join(FLAG_TEXT.get(f, f) for f in (a.flags or [])),
        ])
    return "Xếp hạng", header, body


def awards_table(rs: ResultSet) -> tuple[str, list[str], list[list[Any]]]:
    has_vote = any(a.vote_score is not None for a in rs.awards)
    header = ["STT", "Mã bài", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Lĩnh vực"]
    header += ["Điểm của Hội đồng giám khảo", "Điểm bình chọn", "Tổng điểm"] if has_vote \
        else ["Điểm của Hội đồng giám khảo"]
    header += ["Giải"]
    body = []
    for i, a in enumerate(winners(rs), start=1):
        e = a.entry
        scores = [_num(a.expert_score), _num(a.vote_score, 1), _num(a.total_score)] if has_vote \
            else [_num(a.total_score)]
        body.append([i, e.reference_code, e.title, authors(e), organization(e), e.category.name, *scores,
                     a.level.name])
    return "Danh sách giải", header, body


def scores_table(rs: ResultSet) -> tuple[str, list[str], list[list[Any]]]:
    inputs = (rs.payload or {}).get("inputs", {})
    entries = {str(a.entry_id): a.entry for a in rs.awards}
    judge_ids = sorted({s[1] for s in inputs.get("scores", [])}, key=int)
    judges = {str(u.id): u for u in db.session.scalars(select(User).where(User.id.in_([int(j) for j in judge_ids])))}
    names = {}
    if rs.round is not None:
        names = {c.key: c.name for c in rs.round.criteria}
    header = ["Mã bài", "Tên giải pháp", "Giám khảo", "Tiêu chí", "Điểm"]
    body = []
    for entry_id, judge_id, criterion, value in inputs.get("scores", []):
        e = entries.get(entry_id)
        judge = judges.get(judge_id)
        body.append([
            e.reference_code if e else entry_id, e.title if e else "", judge.full_name if judge else judge_id,
            names.get(criterion, criterion), value,
        ])
    return "Điểm chi tiết", header, body


def to_csv(header: list[str], body: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in body:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header: list[str], body: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]  # the XLSX format allows 31 characters
    ws.append(header)
    for row in body:
        ws.append([safe_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = decimal_number_format(cell.value)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E3F0EA")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        values = [name] + [row[index - 1] for row in body]
        longest = max(len(str(v)) for v in values if v is not None)
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest + 2))
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------- PDF


def _render(template: str, **context: Any) -> str:
    """Render a template also outside a request (commands, tests): the site's context needs one."""
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"]):
        return render_template(template, **context)


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=".").write_pdf()


def awards_pdf(rs: ResultSet) -> bytes:
    """The award list: the annex of the award decision, which it cites (blank while the decision is a draft)."""
    has_vote = any(a.vote_score is not None for a in rs.awards)
    date = rs.published_at or rs.frozen_at or utcnow()
    from contest.decisions import annex_citation
    from contest.results import is_draft

    html = _render(
        "pdf/awards.html", rs=rs, edition=rs.edition, awards=winners(rs), has_vote=has_vote, draft=is_draft(rs),
        date=format_date_local(date), authors=authors, organization=organization, citation=annex_citation(rs),
    )
    return _pdf(html)


def certificate_pdf(award: Award) -> bytes:
    """The winner's certificate in administrative style; once issued it carries its verification code and QR."""
    from contest import certificates
    from contest.results import is_draft

    rs = award.result_set
    settings = certificates.settings_for(rs.edition)
    certificate = certificates.certificate_of(award)
    url = certificates.verification_url(certificate) if certificate is not None else None
    return _pdf(_render(
        "pdf/certificate.html", award=award, entry=award.entry, edition=rs.edition, authors=authors,
        draft=is_draft(rs),
        organization=organization, settings=settings, certificate=certificate, url=url,
        qr=certificates.qr_data_uri(url) if url else None,
        date_line=certificates.administrative_date(settings.place, certificates.signing_date(rs, settings)),
    ))


class NothingToExport(Exception):
    """The export would be empty; ``message`` says why, for the organizer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def certificates_zip(rs: ResultSet) -> bytes:
    """One certificate PDF per winner, in a zip named by reference code; refused when nobody won a prize."""
    if not winners(rs):
        if rs.round is not None and not rs.round.is_last:
            raise NothingToExport(_("Vòng này chỉ xét bài vào vòng sau, không trao giải, nên không có giấy chứng "
                                    "nhận để tải."))
        raise NothingToExport(_("Bảng kết quả này chưa có bài nào đoạt giải nên chưa có giấy chứng nhận để tải."))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for a in winners(rs):
            archive.writestr(f"chung-nhan-{a.entry.reference_code}.pdf", certificate_pdf(a))
    return out.getvalue()


def inputs_json(rs: ResultSet) -> bytes:
    """Everything needed to recompute the list with ``contest.results.recompute_check``."""
    payload = rs.payload or {}
    document = {
        "result_set_id": rs.id,
        "status": rs.status,
        "method": rs.method,
        "parameters": rs.parameters,
        "engine_version": rs.engine_version,
        "input_hash": rs.input_hash,
        "engine_input_sha256": payload.get("engine_input_sha256"),
        "inputs": payload.get("inputs"),
        "rows": payload.get("rows"),
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


# ------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Export:
    label: Any
    build: Callable[[ResultSet], bytes]
    mimetype: str
    filename: str


def _table(builder: Callable, fmt: str) -> Callable[[ResultSet], bytes]:
    def build(rs: ResultSet) -> bytes:
        title, header, body = builder(rs)
        return to_csv(header, body) if fmt == "csv" else to_xlsx(title, header, body)

    return build


EXPORTS: dict[str, Export] = {
    "xep-hang.xlsx": Export(_l("Xếp hạng (XLSX)"), _table(rankings_table, "xlsx"), XLSX_TYPE, "xep-hang.xlsx"),
    "xep-hang.csv": Export(_l("Xếp hạng (CSV)"), _table(rankings_table, "csv"), "text/csv", "xep-hang.csv"),
    "danh-sach-giai.xlsx": Export(_l("Danh sách giải (XLSX)"), _table(awards_table, "xlsx"), XLSX_TYPE,
                                  "danh-sach-giai.xlsx"),
    "danh-sach-giai.csv": Export(_l("Danh sách giải (CSV)"), _table(awards_table, "csv"), "text/csv",
                                 "danh-sach-giai.csv"),
    "diem-chi-tiet.xlsx": Export(_l("Điểm chi tiết (XLSX)"), _table(scores_table, "xlsx"), XLSX_TYPE,
                                 "diem-chi-tiet.xlsx"),
    "diem-chi-tiet.csv": Export(_l("Điểm chi tiết (CSV)"), _table(scores_table, "csv"), "text/csv",
                                "diem-chi-tiet.csv"),
    "danh-sach-giai.pdf": Export(_l("Danh sách giải – phụ lục quyết định (PDF)"), awards_pdf, "application/pdf",
                                 "danh-sach-giai.pdf"),
    "chung-nhan.zip": Export(_l("Giấy chứng nhận (ZIP các tệp PDF)"), certificates_zip, "application/zip",
                             "chung-nhan.zip"),
    "du-lieu-dau-vao.json": Export(_l("Dữ liệu đầu vào để tính lại (JSON)"), inputs_json, "application/json",
                                   "du-lieu-dau-vao.json"),
}


def available(rs: ResultSet) -> dict[str, Export]:
    """The exports worth offering for ``rs``: no certificates where nobody won a prize."""
    return {name: export for name, export in EXPORTS.items() if name != "chung-nhan.zip" or winners(rs)}


def response(rs: ResultSet, name: str) -> Response:
    """The export as a download; a set never published is named a draft ("du-thao") in its file name too."""
    from contest.results import is_draft

    export = EXPORTS[name]
    body = export.build(rs)
    filename = f"{'du-thao-' if is_draft(rs) else ''}ket-qua-{rs.id}-{export.filename}"
    return Response(body, mimetype=export.mimetype, headers={"Content-Disposition": content_disposition(filename)})
