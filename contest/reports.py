"""Statistics of an edition for the organizers and the province's reporting on the movement.

Every figure is a :class:`Table` computed from the database; the same tables feed the page, the
charts (server-side SVG, matplotlib's object API), the XLSX exports and the one-page PDF summary.

Counting rules: an entry counts once it has been submitted and is neither a draft nor withdrawn;
days are local days in Asia/Ho_Chi_Minh; votes voided by the organizers are left out; awards are
those of published or finalised result sets (the latest one when an entry appears in several).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select

from contest.charts import without_inline_styles
from contest.extensions import db
from contest.i18n import _, localized, to_local
from contest.labels import APPLICANT_TYPE, ENTRY_STATUS
from contest.models import (
    Assignment,
    AssignmentState,
    Award,
    Category,
    Edition,
    EligibilityResult,
    Entry,
    EntryRound,
    EntryStatus,
    Locality,
    ResultSet,
    ResultStatus,
    Round,
    ScoreSheet,
    SheetStatus,
    Vote,
    VotingPeriod,
    utcnow,
)
from contest.numbers import decimal_number_format, decimal_places, format_score, score_decimal

COUNTED_OUT = (EntryStatus.DRAFT.value, EntryStatus.WITHDRAWN.value)
ELIGIBLE_STATES = (EntryStatus.ELIGIBLE.value, EntryStatus.ADVANCED.value, EntryStatus.ELIMINATED.value,
                   EntryStatus.AWARDED.value)


@dataclass
class Table:
    """One statistic: Vietnamese headers, rows of values, and how to chart it (None: no chart)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: str | None = "barh"  # "barh" (categories), "line" (days), or None
    value_column: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def display_rows(self) -> list[list[Any]]:
        """The rows with dates written dd/mm/yyyy and decimals as every score is written, for pages and the PDF."""
        return [[_display(v) for v in row] for row in self.rows]

    @property
    def total(self) -> int:
        return sum(int(r[self.value_column] or 0) for r in self.rows)


def _display(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format_score(value, decimal_places(value))
    return value


def _submitted(edition: Edition) -> Any:
    return select(Entry).where(Entry.edition_id == edition.id, Entry.submitted_at.is_not(None),
                               Entry.status.notin_(COUNTED_OUT))


def _local_day(value: datetime) -> date:
    return to_local(value).date()


# ------------------------------------------------------------------------------------------------ entries


def entries_by_category(edition: Edition) -> Table:
    counts = Counter(db.session.scalars(_submitted(edition).with_only_columns(Entry.category_id)))
    rows = [[localized(c, "name"), counts.get(c.id, 0)] for c in edition.categories]
    return Table("linh-vuc", _("Bài dự thi theo lĩnh vực"), [_("Lĩnh vực"), _("Số bài")], rows)


def entries_by_applicant_type(edition: Edition) -> Table:
    counts = Counter(db.session.scalars(_submitted(edition).with_only_columns(Entry.applicant_type)))
    types = [t for t in APPLICANT_TYPE if t in (edition.allowed_applicant_types or []) or counts.get(t)]
    rows = [[str(APPLICANT_TYPE[t]), counts.get(t, 0)] for t in types]
    return Table("doi-tuong", _("Bài dự thi theo đối tượng"), [_("Đối tượng"), _("Số bài")], rows)


def _ranked(counts: Counter[str]) -> list[list[Any]]:
    return [[name, n] for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def entries_by_locality(edition: Edition) -> Table:
    pairs = db.session.execute(
        _submitted(edition).outerjoin(Locality, Entry.locality_id == Locality.id)
        .with_only_columns(Locality.name)).scalars()
    counts = Counter(name or _("Chưa khai báo") for name in pairs)
    return Table("dia-ban", _("Bài dự thi theo xã, phường"), [_("Xã, phường"), _("Số bài")], _ranked(counts))


def entries_by_organization(edition: Edition) -> Table:
    counts = Counter((org or "").strip() or _("Không ghi đơn vị")
                     for org in db.session.scalars(_submitted(edition).with_only_columns(Entry.organization)))
    return Table("don-vi", _("Bài dự thi theo đơn vị"), [_("Đơn vị"), _("Số bài")], _ranked(counts))


def entries_by_day(edition: Edition) -> Table:
    counts = Counter(_local_day(d) for d in db.session.scalars(
        _submitted(edition).with_only_columns(Entry.submitted_at)))
    rows, running = [], 0
    for day in sorted(counts):
        running += counts[day]
        rows.append([day, counts[day], running])
    return Table("ngay-nop", _("Bài dự thi theo ngày nộp"), [_("Ngày"), _("Số bài"), _("Lũy kế")], rows,
                 chart="line")


# ------------------------------------------------------------------------------------------------ eligibility


def eligibility_outcomes(edition: Edition) -> Table:
    counts = Counter(db.session.scalars(_submitted(edition).with_only_columns(Entry.status)))
    eligible = sum(counts.get(s, 0) for s in ELIGIBLE_STATES)
    rows = [
        [str(ENTRY_STATUS["eligible"]), eligible],
        [str(ENTRY_STATUS["ineligible"]), counts.get(EntryStatus.INELIGIBLE.value, 0)],
        [_("Chưa xét"), counts.get(EntryStatus.SUBMITTED.value, 0)],
    ]
    return Table("hop-le", _("Kết quả xét điều kiện dự thi"), [_("Kết quả"), _("Số bài")], rows)


def eligibility_checks(edition: Edition) -> Table:
    results = db.session.execute(
        select(EligibilityResult.check_id, EligibilityResult.passed, func.count())
        .join(Entry, Entry.id == EligibilityResult.entry_id)
        .where(Entry.edition_id == edition.id)
        .group_by(EligibilityResult.check_id, EligibilityResult.passed)).all()
    tally = {(check_id, passed): n for check_id, passed, n in results}
    rows = [[localized(c, "label"), tally.get((c.id, True), 0), tally.get((c.id, False), 0)]
            for c in edition.eligibility_checks]
    return Table("dieu-kien", _("Kết quả theo từng điều kiện"), [_("Điều kiện"), _("Đạt"), _("Không đạt")], rows,
                 chart=None)


# ------------------------------------------------------------------------------------------------ judging


def judging_progress(edition: Edition) -> Table:
    rows = []
    for r in edition.rounds:
        in_round = db.session.scalar(select(func.count()).select_from(EntryRound)
                                     .where(EntryRound.round_id == r.id)) or 0
        active = db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.round_id == r.id, Assignment.state == AssignmentState.ACTIVE.value)) or 0
        sheets = dict(db.session.execute(
            select(ScoreSheet.status, func.count()).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(Assignment.round_id == r.id, Assignment.state == AssignmentState.ACTIVE.value)
            .group_by(ScoreSheet.status)).all())
        submitted = sheets.get(SheetStatus.SUBMITTED.value, 0)
        drafts = sheets.get(SheetStatus.DRAFT.value, 0)
        share = score_decimal(100 * submitted / active if active else 0, 1)
        rows.append([localized(r, "name"), in_round, active, submitted, drafts, active - submitted - drafts, share])
    return Table("tien-do-cham", _("Tiến độ chấm"), [
        _("Vòng"), _("Bài trong vòng"), _("Lượt phân công"), _("Phiếu đã nộp"), _("Phiếu đang chấm"),
        _("Chưa chấm"), _("Hoàn thành (%)")], rows, chart="barh", value_column=3)


# ------------------------------------------------------------------------------------------------ votes


def votes_by_day(edition: Edition) -> Table:
    times = db.session.scalars(
        select(Vote.created_at).join(VotingPeriod, VotingPeriod.id == Vote.period_id)
        .join(Round, Round.id == VotingPeriod.round_id)
        .where(Round.edition_id == edition.id, Vote.voided_at.is_(None)))
    counts = Counter(_local_day(t) for t in times)
    rows, running = [], 0
    for day in sorted(counts):
        running += counts[day]
        rows.append([day, counts[day], running])
    return Table("binh-chon", _("Phiếu bình chọn theo ngày"), [_("Ngày"), _("Số phiếu"), _("Lũy kế")], rows,
                 chart="line")


# ------------------------------------------------------------------------------------------------ awards


def current_awards(edition: Edition) -> list[Award]:
    """The awarded lines of published or finalised result sets, one per entry (the latest set wins)."""
    awards = db.session.scalars(
        select(Award).join(ResultSet, ResultSet.id == Award.result_set_id)
        .where(ResultSet.edition_id == edition.id,
               ResultSet.status.in_([ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value]))
        .order_by(ResultSet.id)).all()
    latest: dict[int, Award] = {}
    for award in awards:
        latest[award.entry_id] = award
    return [a for a in latest.values() if a.level is not None]


def _awards_table(edition: Edition, key: str, title: str, first: str, groups: Sequence[tuple[Any, str]],
                  group_of: Any) -> Table:
    levels = edition.award_levels
    counts: Counter[tuple[Any, int]] = Counter()
    for award in current_awards(edition):
        counts[(group_of(award.entry), award.level.id)] += 1
    rows = []
    for group, label in groups:
        values = [counts.get((group, lv.id), 0) for lv in levels]
        rows.append([label, sum(values), *values])
    return Table(key, title, [first, _("Tổng số giải"), *[localized(lv, "name") for lv in levels]], rows)


def awards_by_category(edition: Edition) -> Table:
    return _awards_table(edition, "giai-linh-vuc", _("Giải thưởng theo lĩnh vực"), _("Lĩnh vực"),
                         [(c.id, localized(c, "name")) for c in edition.categories], lambda e: e.category_id)


def awards_by_applicant_type(edition: Edition) -> Table:
    types = [t for t in APPLICANT_TYPE if t in (edition.allowed_applicant_types or [])]
    return _awards_table(edition, "giai-doi-tuong", _("Giải thưởng theo đối tượng"), _("Đối tượng"),
                         [(t, str(APPLICANT_TYPE[t])) for t in types], lambda e: e.applicant_type)


REPORTS = (
    entries_by_category, entries_by_applicant_type, entries_by_locality, entries_by_organization, entries_by_day,
    eligibility_outcomes, eligibility_checks, judging_progress, votes_by_day, awards_by_category,
    awards_by_applicant_type,
)


def edition_report(edition: Edition) -> dict[str, Table]:
    """Every statistic of the edition, keyed by the table's URL key, in page order."""
    tables = [build(edition) for build in REPORTS]
    return {t.key: t for t in tables}


def summary_figures(edition: Edition) -> dict[str, int]:
    submitted = db.session.scalar(select(func.count()).select_from(_submitted(edition).subquery())) or 0
    drafts = db.session.scalar(select(func.count()).select_from(Entry).where(
        Entry.edition_id == edition.id, Entry.status == EntryStatus.DRAFT.value)) or 0
    votes = sum(r[1] for r in votes_by_day(edition).rows)
    from contest.complaints import counts as complaint_counts

    complaints = complaint_counts(edition)
    return {"submitted": submitted, "drafts": drafts, "votes": votes, "awards": len(current_awards(edition)),
            "complaints_received": complaints.received, "complaints_settled": complaints.settled,
            "categories": db.session.scalar(select(func.count()).select_from(Category)
                                            .where(Category.edition_id == edition.id)) or 0}


# ------------------------------------------------------------------------------------------------ charts


def _figure_class() -> Any:
    if "MPLCONFIGDIR" not in os.environ:
        base = Path(current_app.instance_path) if has_app_context() else Path("/tmp")
        path = base / "matplotlib"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(path)
    import matplotlib

    matplotlib.use("Agg", force=False)
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "contest-reports"
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    from matplotlib.figure import Figure

    return Figure


def _label(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m")
    text = str(value)
    return text if len(text) <= 38 else text[:36] + "…"


def chart_svg(table: Table, width: float = 7.0) -> str | None:
    """The table drawn as SVG text (a bar per category, or a line over days); None when there is nothing to draw."""
    if table.chart is None or not table.rows:
        return None
    figure_class = _figure_class()
    values = [float(r[table.value_column] or 0) for r in table.rows]
    labels = [_label(r[0]) for r in table.rows]
    if table.chart == "line":
        fig = figure_class(figsize=(width, 2.8))
        ax = fig.add_subplot()
        xs = list(range(len(values)))
        ax.bar(xs, values, color="#1b6b4a")
        step = max(1, len(xs) // 12)
        ax.set_xticks(xs[::step], labels[::step], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(table.headers[table.value_column])
    else:
        fig = figure_class(figsize=(width, 0.9 + 0.32 * len(values)))
        ax = fig.add_subplot()
        ys = list(range(len(values)))[::-1]
        ax.barh(ys, values, color="#1b6b4a")
        ax.set_yticks(ys, labels, fontsize=8)
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, f" {v:g}", va="center", fontsize=8)
        ax.set_xlabel(table.headers[table.value_column])
        ax.set_xlim(0, max(values + [1.0]) * 1.15)
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if table.chart == "line" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(table.title, fontsize=10, loc="left")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return without_inline_styles(buffer.getvalue())


# ------------------------------------------------------------------------------------------------ exports


def _sheet_title(title: str, used: set[str]) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    name, n = cleaned, 1
    while name in used:
        n += 1
        name = f"{cleaned[:28]} {n}"
    used.add(name)
    return name


def tables_xlsx(tables: Iterable[Table]) -> bytes:
    """An XLSX workbook, one sheet per table: bold frozen header, column widths, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([v if not isinstance(v, str) else v for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text typed by applicants never becomes a formula
                elif isinstance(cell.value, (date, datetime)):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, Decimal):
                    cell.number_format = decimal_number_format(cell.value)
        for i, header in enumerate(table.headers, start=1):
            longest = max([len(str(header))] + [len(_label(r[i - 1])) if isinstance(r[i - 1], date) else
                                                len(str(r[i - 1])) for r in table.rows])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest + 2))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def summary_pdf(edition: Edition) -> bytes:
    """A one-page A4 summary of the edition (WeasyPrint, DejaVu Sans)."""
    import base64

    from weasyprint import HTML

    tables = edition_report(edition)
    chart = chart_svg(tables["linh-vuc"], width=6.5)
    chart_uri = "data:image/svg+xml;base64," + base64.b64encode(chart.encode()).decode() if chart else None
    # Rendered without request context processors, so commands can build the summary too.
    html = current_app.jinja_env.get_template("admin/reports/summary_pdf.html").render(
                           edition=edition, tables=tables,
                           figures=summary_figures(edition), chart_uri=chart_uri,
                           now_local=to_local(utcnow()).strftime("%d/%m/%Y %H:%M"))
    return HTML(string=html, base_url=current_app.root_path).write_pdf()
