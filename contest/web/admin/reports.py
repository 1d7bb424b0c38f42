"""The organizers' statistics of an edition: tables, SVG charts, XLSX exports and a one-page PDF summary."""

from __future__ import annotations

from flask import Response, abort, render_template

from contest import reports
from contest.access import roles_required
from contest.i18n import to_local
from contest.models import Role, utcnow
from contest.storage import content_disposition
from contest.web.admin.editions import load_edition
from contest.web.admin.routes import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d")


@bp.route("/cuoc-thi/<int:edition_id>/thong-ke")
@roles_required(Role.ORGANIZER)
def edition_report(edition_id: int) -> str:
    edition = load_edition(edition_id)
    return render_template("admin/reports/report.html", edition=edition, tables=reports.edition_report(edition),
                           figures=reports.summary_figures(edition))


@bp.route("/cuoc-thi/<int:edition_id>/thong-ke/<key>.svg")
@roles_required(Role.ORGANIZER)
def edition_report_chart(edition_id: int, key: str) -> Response:
    edition = load_edition(edition_id)
    table = reports.edition_report(edition).get(key)
    svg = reports.chart_svg(table) if table else None
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})


@bp.route("/cuoc-thi/<int:edition_id>/thong-ke/<key>.xlsx")
@roles_required(Role.ORGANIZER)
def edition_report_xlsx(edition_id: int, key: str) -> Response:
    edition = load_edition(edition_id)
    tables = reports.edition_report(edition)
    if key == "tat-ca":
        chosen = list(tables.values())
    elif key in tables:
        chosen = [tables[key]]
    else:
        abort(404)
    filename = f"thong-ke-{edition.slug}-{key}-{_stamp()}.xlsx"
    return Response(reports.tables_xlsx(chosen), mimetype=XLSX,
                    headers={"Content-Disposition": content_disposition(filename)})


@bp.route("/cuoc-thi/<int:edition_id>/thong-ke/tom-tat.pdf")
@roles_required(Role.ORGANIZER)
def edition_report_pdf(edition_id: int) -> Response:
    edition = load_edition(edition_id)
    filename = f"tom-tat-{edition.slug}-{_stamp()}.pdf"
    return Response(reports.summary_pdf(edition), mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(filename)})
