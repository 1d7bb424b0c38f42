"""An entry's history, told from its audit events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString
from sqlalchemy import select

from contest.extensions import db
from contest.i18n import _l
from contest.models import AuditEvent, Entry

EVENT_LABELS: dict[str, LazyString] = {
    "entry.created": _l("Tạo bài dự thi (bản nháp)"),
    "entry.updated": _l("Cập nhật thông tin bài dự thi"),
    "entry.member_added": _l("Thêm tác giả"),
    "entry.member_removed": _l("Bỏ một tác giả"),
    "entry.members_reordered": _l("Sắp xếp lại thứ tự tác giả"),
    "entry.conflict_added": _l("Nêu tổ chức / người cần tránh chấm bài"),
    "entry.conflict_removed": _l("Bỏ một tổ chức / người cần tránh"),
    "entry.file_uploaded": _l("Tải lên tệp hồ sơ"),
    "entry.file_replaced": _l("Thay tệp hồ sơ"),
    "entry.file_removed": _l("Xoá tệp hồ sơ"),
    "entry.link_added": _l("Thêm liên kết video"),
    "entry.submitted": _l("Nộp bài dự thi"),
    "entry.withdrawn": _l("Rút bài dự thi"),
    "entry.reopened": _l("Ban tổ chức mở lại bài để sửa"),
    "entry.screened": _l("Ban tổ chức thẩm định hồ sơ"),
}

# Events whose reason the applicant should read (the rest may carry internal notes).
PUBLIC_REASONS = {"entry.reopened", "entry.screened", "entry.withdrawn"}


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    action: str
    label: str
    detail: str | None
    reason: str | None


def _detail(event: AuditEvent) -> str | None:
    after = event.after or {}
    before = event.before or {}
    if event.action in ("entry.file_uploaded", "entry.file_replaced"):
        return after.get("filename")
    if event.action == "entry.file_removed":
        return before.get("filename")
    if event.action in ("entry.member_added",):
        return after.get("full_name")
    if event.action == "entry.member_removed":
        return before.get("full_name")
    if event.action == "entry.screened":
        from contest.labels import ENTRY_STATUS, label

        return label(ENTRY_STATUS, after.get("status"))
    return None


def entry_timeline(entry: Entry) -> list[TimelineItem]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == Entry.__tablename__, AuditEvent.object_id == entry.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return [
        TimelineItem(
            at=event.created_at,
            action=event.action,
            label=str(EVENT_LABELS.get(event.action, event.action)),
            detail=_detail(event),
            reason=event.reason if event.action in PUBLIC_REASONS else None,
        )
        for event in events
    ]
