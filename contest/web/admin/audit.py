"""The audit trail viewer: who did what, when and from where; filters, pages and CSV/XLSX export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from contest.access import roles_required
from contest.exports import XLSX_TYPE, to_csv, to_xlsx
from contest.extensions import db
from contest.i18n import LOCAL_TZ, _, format_datetime_local, local_to_utc
from contest.models import AuditEvent, Role, User
from contest.storage import content_disposition
from contest.web.admin.routes import bp

PER_PAGE = 50
EXPORT_LIMIT = 100_000


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    ip: str = ""

    @classmethod
    def from_args(cls, args: Any) -> tuple[AuditFilter, list[str]]:
        problems: list[str] = []

        def day(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.strptime(raw, fmt).date()
                except ValueError:
                    continue
            problems.append(_("Ngày không hợp lệ: %(value)s (dùng dạng dd/mm/yyyy).", value=raw[:20]))
            return None

        object_id = (args.get("object_id") or "").strip()
        if object_id and not object_id.isdigit():
            problems.append(_("Mã đối tượng phải là số."))
        found = cls(
            actor=(args.get("actor") or "").strip()[:200],
            action=(args.get("action") or "").strip()[:60],
            object_type=(args.get("object_type") or "").strip()[:40],
            object_id=int(object_id) if object_id.isdigit() and len(object_id) < 18 else None,
            date_from=day("from"),
            date_to=day("to"),
            ip=(args.get("ip") or "").strip()[:45],
        )
        if found.date_from and found.date_to and found.date_from > found.date_to:
            problems.append(_("Ngày bắt đầu phải trước ngày kết thúc."))
        return found, problems

    def args(self) -> dict[str, Any]:
        values = {
            "actor": self.actor, "action": self.action, "object_type": self.object_type,
            "object_id": self.object_id, "ip": self.ip,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query(self) -> Select:
        stmt = select(AuditEvent).options(selectinload(AuditEvent.actor))
        if self.actor:
            if self.actor.isdigit():
                stmt = stmt.where(AuditEvent.actor_id == int(self.actor))
            elif self.actor in ("-", "system", "hệ thống"):
                stmt = stmt.where(AuditEvent.actor_id.is_(None))
            else:
                needle = f"%{self.actor.lower()}%"
                actors = select(User.id).where(or_(User.email.like(needle), User.full_name.ilike(f"%{self.actor}%")))
                stmt = stmt.where(AuditEvent.actor_id.in_(actors))
        if self.action:
            # "results" finds every results.* action; an exact action name finds only itself.
            stmt = stmt.where(or_(AuditEvent.action == self.action, AuditEvent.action.like(f"{self.action}.%")))
        if self.object_type:
            stmt = stmt.where(AuditEvent.object_type == self.object_type)
        if self.object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == self.object_id)
        if self.ip:
            stmt = stmt.where(AuditEvent.ip.like(f"{self.ip}%"))
        if self.date_from:
            stmt = stmt.where(AuditEvent.created_at >= local_to_utc(datetime.combine(self.date_from, time.min)))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min)
            stmt = stmt.where(AuditEvent.created_at < local_to_utc(end))
        return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _known(column: Any) -> list[str]:
    return list(db.session.scalars(select(column).distinct().order_by(column)))


def _details(event: AuditEvent) -> str:
    parts = []
    if event.before is not None:
        parts.append(_("Trước: %(v)s", v=json.dumps(event.before, ensure_ascii=False, default=str)))
    if event.after is not None:
        parts.append(_("Sau: %(v)s", v=json.dumps(event.after, ensure_ascii=False, default=str)))
    return " · ".join(parts)


@bp.route("/nhat-ky")
@roles_required(Role.ORGANIZER)
def audit_log() -> tuple[str, int]:
    audit_filter, problems = AuditFilter.from_args(request.args)
    page_no = request.args.get("page", "1")
    page = db.paginate(audit_filter.query(), page=int(page_no) if page_no.isdigit() and len(page_no) < 9 else 1,
                       per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/audit/list.html", page=page, audit_filter=audit_filter, filter_args=audit_filter.args(),
        problems=problems, actions=_known(AuditEvent.action), object_types=_known(AuditEvent.object_type),
        details=_details,
    ), 422 if problems else 200


def export_rows(events: list[AuditEvent]) -> tuple[list[str], list[list[Any]]]:
    header = ["Mã", "Thời điểm (giờ Việt Nam)", "Người thực hiện", "Email", "Thao tác", "Loại đối tượng",
              "Mã đối tượng", "Địa chỉ IP", "Lý do", "Trước", "Sau"]
    body = []
    for e in events:
        body.append([
            e.id, format_datetime_local(e.created_at), e.actor.full_name if e.actor else "Hệ thống",
            e.actor.email if e.actor else "", e.action, e.object_type, e.object_id, e.ip or "", e.reason or "",
            json.dumps(e.before, ensure_ascii=False, default=str) if e.before is not None else "",
            json.dumps(e.after, ensure_ascii=False, default=str) if e.after is not None else "",
        ])
    return header, body


@bp.route("/nhat-ky/xuat.<any(csv,xlsx):fmt>")
@roles_required(Role.ORGANIZER)
def audit_export(fmt: str) -> Response | tuple[str, int]:
    from contest.audit import record

    audit_filter, problems = AuditFilter.from_args(request.args)
    if problems:
        return audit_log()
    events = list(db.session.scalars(audit_filter.query().limit(EXPORT_LIMIT)))
    header, body = export_rows(events)
    stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    name = f"nhat-ky-{stamp}.{fmt}"
    if fmt == "csv":
        data, mimetype = to_csv(header, body), "text/csv"
    else:
        data, mimetype = to_xlsx("Nhật ký", header, body), XLSX_TYPE
    # The trail names people and their addresses: exporting it is itself recorded.
    record("audit.exported", object_type="audit_events", after={"rows": len(body), **audit_filter.args()})
    db.session.commit()
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": content_disposition(name),
                                                      "Cache-Control": "private, no-store"})
