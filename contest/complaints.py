"""Complaints (khiếu nại) about published results.

The contest's rules take written complaints after the announcement, during the
result set's complaint period, and settle them before the ceremony: an author of
an entry in the published list files one (text, optionally one attached file),
organizers review it and decide with reasons; an upheld complaint leads to the
existing correction (a new result set linked to the old one).  A list with an
unresolved complaint cannot be finalized.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.mail import send_mail
from contest.models import (
    OPEN_COMPLAINT_STATUSES,
    Award,
    Complaint,
    ComplaintStatus,
    Edition,
    Entry,
    ResultSet,
    ResultStatus,
    User,
    utcnow,
)
from contest.storage import InvalidUpload, ObjectTooLarge, check_upload_type, get_store, validate_filename

MIN_TEXT = 20
MAX_TEXT = 10_000
MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
KEY_PREFIX = "complaints/"


class ComplaintError(Exception):
    """A refused complaint action; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class ComplaintFile:
    filename: str
    chunks: Iterable[bytes]


def complaint_json(complaint: Complaint) -> dict[str, object]:
    return {
        "result_set_id": complaint.result_set_id,
        "entry_id": complaint.entry_id,
        "status": complaint.status,
        "file": complaint.file_name,
        "correction_id": complaint.correction_id,
    }


def _is_author(user: User, entry: Entry) -> bool:
    return entry.owner_id == user.id or any(m.user_id == user.id for m in entry.members)


def window_open(rs: ResultSet, now: datetime | None = None) -> bool:
    """Complaints are taken while the published list is inside its complaint period."""
    now = now or utcnow()
    return (rs.status == ResultStatus.PUBLISHED.value and rs.complaint_ends_at is not None
            and now < rs.complaint_ends_at)


def open_complaint(entry: Entry) -> Complaint | None:
    return db.session.scalar(
        select(Complaint).where(Complaint.entry_id == entry.id, Complaint.status.in_(OPEN_COMPLAINT_STATUSES))
    )


def complaints_of(entry: Entry) -> list[Complaint]:
    return list(db.session.scalars(
        select(Complaint).where(Complaint.entry_id == entry.id).order_by(Complaint.filed_at.desc(), Complaint.id.desc())
    ))


def filing_problem(entry: Entry, rs: ResultSet | None, user: User, now: datetime | None = None) -> str | None:
    """Why ``user`` cannot file a complaint about ``entry`` in ``rs`` now (None when they can)."""
    if rs is None or not any(a.entry_id == entry.id for a in rs.awards):
        return _("Bài dự thi không có trong danh sách kết quả đã công bố.")
    if not _is_author(user, entry):
        return _("Chỉ tác giả của bài dự thi mới được gửi khiếu nại.")
    if not window_open(rs, now):
        return _("Đã hết thời hạn khiếu nại hoặc kết quả này không nhận khiếu nại.")
    if open_complaint(entry) is not None:
        return _("Bài dự thi đang có một khiếu nại chưa được giải quyết; vui lòng chờ Ban tổ chức trả lời.")
    return None


def _store_file(upload: ComplaintFile) -> tuple[str, str, str, int]:
    """(display name, key, content type, size); raises ComplaintError with a clear message."""
    try:
        name = validate_filename(upload.filename)
        iterator = iter(upload.chunks)
        head = b""
        for chunk in iterator:
            head += chunk
            if len(head) >= 8192:
                break
        content_type = check_upload_type(head, FILE_TYPES)
        stored = get_store().put(chain([head], iterator), content_type=content_type, max_size=MAX_FILE_BYTES,
                                 key_prefix=KEY_PREFIX)
    except ObjectTooLarge:
        raise ComplaintError(_("Tệp đính kèm vượt quá 10 MB."), 422) from None
    except InvalidUpload as error:
        if error.code == "empty":
            raise ComplaintError(_("Tệp đính kèm rỗng (0 byte). Vui lòng chọn đúng tệp."), 422) from None
        if error.code == "bad_type":
            raise ComplaintError(_("Tệp đính kèm phải là PDF, JPEG hoặc PNG."), 422) from None
        raise ComplaintError(_("Tên tệp đính kèm không hợp lệ."), 422) from None
    return name, stored.key, stored.content_type, stored.size


def file_complaint(entry: Entry, rs: ResultSet | None, *, actor: User, body: str,
                   upload: ComplaintFile | None = None, now: datetime | None = None) -> Complaint:
    """Record an author's written complaint about the entry's published result and tell them it arrived.

    The caller deletes ``complaint.file_key`` from storage if its commit fails.
    """
    now = now or utcnow()
    problem = filing_problem(entry, rs, actor, now)
    if problem:
        raise ComplaintError(problem, 409)
    body = (body or "").strip()
    if len(body) < MIN_TEXT:
        raise ComplaintError(_("Vui lòng trình bày nội dung khiếu nại (ít nhất %(n)d ký tự).", n=MIN_TEXT), 422)
    if len(body) > MAX_TEXT:
        raise ComplaintError(_("Nội dung khiếu nại dài tối đa %(n)d ký tự.", n=MAX_TEXT), 422)
    assert rs is not None
    complaint = Complaint(result_set_id=rs.id, entry_id=entry.id, filed_by_id=actor.id, body=body, filed_at=now,
                          status=ComplaintStatus.NEW.value)
    if upload is not None:
        complaint.file_name, complaint.file_key, complaint.file_type, complaint.file_size = _store_file(upload)
    try:
        with db.session.begin_nested():
            db.session.add(complaint)
    except IntegrityError:  # a second open complaint filed at the same moment
        if complaint.file_key:
            get_store().delete(complaint.file_key)
        raise ComplaintError(_("Bài dự thi đang có một khiếu nại chưa được giải quyết; vui lòng chờ Ban tổ chức "
                               "trả lời."), 409) from None
    audit.record("complaint.filed", complaint, actor=actor, after=complaint_json(complaint))
    _notify(complaint, "complaint_filed", _("Ban tổ chức đã nhận khiếu nại về bài dự thi %(code)s",
                                             code=entry.reference_code))
    return complaint


def start_review(complaint: Complaint, *, actor: User, now: datetime | None = None) -> Complaint:
    """Mark a new complaint as under review (again: nothing changes)."""
    if complaint.status == ComplaintStatus.REVIEWING.value:
        return complaint
    if complaint.status != ComplaintStatus.NEW.value:
        raise ComplaintError(_("Khiếu nại này đã được giải quyết."), 409)
    complaint.status = ComplaintStatus.REVIEWING.value
    complaint.review_started_at = now or utcnow()
    db.session.flush()
    audit.record("complaint.reviewing", complaint, actor=actor, before={"status": ComplaintStatus.NEW.value},
                 after={"status": complaint.status})
    return complaint


def _correction_of(rs: ResultSet) -> ResultSet | None:
    return db.session.scalar(
        select(ResultSet).where(ResultSet.supersedes_id == rs.id).order_by(ResultSet.id.desc()).limit(1)
    )


def decide_complaint(complaint: Complaint, *, actor: User, upheld: bool, reason: str,
                     now: datetime | None = None) -> Complaint:
    """Settle the complaint with reasons the applicant will read; an upheld one opens the correction.

    Upholding creates the existing correction (a new result set copying the list, linked to the
    published one) unless another upheld complaint already did; the organizers then change the
    award there with a recorded reason and send it to the committee again.
    """
    # results asks this module whether complaints block finalizing, so the correction it opens is
    # reached at call time rather than at import.
    from contest import results

    now = now or utcnow()
    if not complaint.is_open:
        if complaint.status == (ComplaintStatus.UPHELD if upheld else ComplaintStatus.REJECTED).value:
            return complaint  # a resent form
        raise ComplaintError(_("Khiếu nại này đã được giải quyết."), 409)
    reason = (reason or "").strip()
    if not reason:
        raise ComplaintError(_("Vui lòng ghi rõ lý do của quyết định để người khiếu nại được biết."), 422)
    before = complaint.status
    complaint.status = (ComplaintStatus.UPHELD if upheld else ComplaintStatus.REJECTED).value
    complaint.decided_at = now
    complaint.decided_by_id = actor.id
    complaint.decision_reason = reason
    if upheld:
        rs = complaint.result_set
        if rs.status in (ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value):
            correction = results.create_correction(
                rs, _("Khiếu nại của bài %(code)s được chấp nhận: %(reason)s",
                      code=complaint.entry.reference_code, reason=reason), actor)
        else:
            correction = _correction_of(rs)
        complaint.correction_id = correction.id if correction is not None else None
    db.session.flush()
    audit.record("complaint.decided", complaint, actor=actor, before={"status": before},
                 after=complaint_json(complaint), reason=reason)
    _notify(complaint, "complaint_decided", _("Kết quả giải quyết khiếu nại về bài dự thi %(code)s",
                                               code=complaint.entry.reference_code))
    return complaint


def _notify(complaint: Complaint, template: str, subject: str) -> None:
    entry = complaint.entry
    to = complaint.filed_by or entry.owner
    if to is None or not to.email:
        return
    if not has_request_context():
        with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"]):
            return _notify(complaint, template, subject)
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("public.my_result", entry_id=entry.id)
    send_mail(to.email, subject, template, complaint=complaint, entry=entry, person=to, url=url)
    return None


# --- queries for organizers ------------------------------------------------------------------


def unresolved(rs: ResultSet) -> list[Complaint]:
    return list(db.session.scalars(
        select(Complaint).where(Complaint.result_set_id == rs.id, Complaint.status.in_(OPEN_COMPLAINT_STATUSES))
    ))


def queue(status: str | None = None, edition: Edition | None = None) -> list[Complaint]:
    """The organizers' queue: open ones first, oldest first; optionally one status or one edition."""
    query = select(Complaint).join(ResultSet, Complaint.result_set_id == ResultSet.id)
    if status:
        query = query.where(Complaint.status == status)
    if edition is not None:
        query = query.where(ResultSet.edition_id == edition.id)
    rows = db.session.scalars(query.order_by(Complaint.filed_at, Complaint.id)).all()
    return sorted(rows, key=lambda c: (not c.is_open,))


@dataclass
class ComplaintCounts:
    received: int
    settled: int
    upheld: int

    @property
    def open(self) -> int:
        return self.received - self.settled


def counts(edition: Edition) -> ComplaintCounts:
    """Complaints received and settled for the edition's result sets."""
    rows = dict(db.session.execute(
        select(Complaint.status, func.count(Complaint.id))
        .join(ResultSet, Complaint.result_set_id == ResultSet.id)
        .where(ResultSet.edition_id == edition.id)
        .group_by(Complaint.status)
    ).all())
    received = sum(rows.values())
    settled = rows.get(ComplaintStatus.UPHELD.value, 0) + rows.get(ComplaintStatus.REJECTED.value, 0)
    return ComplaintCounts(received, settled, rows.get(ComplaintStatus.UPHELD.value, 0))


def award_of(complaint: Complaint) -> Award | None:
    return next((a for a in complaint.result_set.awards if a.entry_id == complaint.entry_id), None)
