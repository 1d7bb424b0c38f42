"""What organizers do with entries: screen eligibility, reopen, bulk actions, and the list behind exports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, select

from contest import audit
from contest.entries.operations import SCREENABLE, EntryError
from contest.extensions import db
from contest.i18n import _
from contest.mail import send_mail
from contest.models import EligibilityResult, Entry, EntryStatus, User, utcnow
from contest.models.entries import entry_json
from contest.search import fold


@dataclass(frozen=True)
class EntryFilter:
    edition_id: int | None = None
    q: str = ""
    category_id: int | None = None
    status: str | None = None

    def query(self) -> Select[tuple[Entry]]:
        query = select(Entry)
        if self.edition_id:
            query = query.where(Entry.edition_id == self.edition_id)
        if self.category_id:
            query = query.where(Entry.category_id == self.category_id)
        if self.status:
            query = query.where(Entry.status == self.status)
        words = fold(self.q).split()
        if words:
            query = query.where(and_(*(Entry.search_text.contains(word, autoescape=True) for word in words)))
        return query.order_by(Entry.reference_code)


def screen_entry(
    entry: Entry,
    *,
    actor: User,
    passed: dict[int, bool],
    eligible: bool,
    reason: str | None = None,
    now: datetime | None = None,
) -> Entry:
    """Record the checklist and the decision. Ineligible needs a reason the applicant will read; without one
    typed, the failed checks' own failure reasons are used."""
    now = now or utcnow()
    if entry.status not in SCREENABLE:
        raise EntryError(_("Chỉ thẩm định được bài đã nộp (bài %(code)s đang ở trạng thái khác).",
                           code=entry.reference_code), 409)
    checks = entry.edition.eligibility_checks
    unknown = set(passed) - {c.id for c in checks}
    if unknown:
        raise EntryError(_("Mục kiểm tra không thuộc cuộc thi này."), 400)
    failed = [c for c in checks if not passed.get(c.id, False)]
    reason = (reason or "").strip() or None
    if eligible and failed:
        raise EntryError(_("Không thể kết luận hợp lệ khi còn mục kiểm tra chưa đạt: %(items)s.",
                           items="; ".join(c.label for c in failed)), 422)
    if not eligible and reason is None:
        reason = " ".join(c.failure_reason for c in failed) or None
        if reason is None:
            raise EntryError(_("Vui lòng nêu lý do không hợp lệ để người dự thi được biết."), 422)
    existing = {r.check_id: r for r in db.session.scalars(
        select(EligibilityResult).where(EligibilityResult.entry_id == entry.id))}
    for check in checks:
        result = existing.get(check.id)
        if result is None:
            result = EligibilityResult(entry_id=entry.id, check_id=check.id, passed=False)
            db.session.add(result)
        result.passed = passed.get(check.id, False)
        result.checked_by_id = actor.id
        result.checked_at = now
    before = entry_json(entry)
    entry.status = (EntryStatus.ELIGIBLE if eligible else EntryStatus.INELIGIBLE).value
    entry.ineligible_reason = None if eligible else reason
    entry.screened_at = now
    entry.updated_at = now
    audit.record("entry.screened", entry, actor=actor, before=before,
                 after=entry_json(entry) | {"passed": {str(k): v for k, v in passed.items()}},
                 reason=None if eligible else reason)
    db.session.flush()
    return entry


@dataclass
class BulkOutcome:
    done: list[Entry]
    skipped: list[Entry]


def bulk_screen(entries: Sequence[Entry], *, actor: User, eligible: bool, reason: str | None = None,
                now: datetime | None = None) -> BulkOutcome:
    """Mark many entries at once. Marking eligible ticks every check; entries that cannot be screened (drafts,
    withdrawn, already in a round) are skipped and reported."""
    if not eligible and not (reason or "").strip():
        raise EntryError(_("Vui lòng nêu lý do không hợp lệ để người dự thi được biết."), 422)
    outcome = BulkOutcome([], [])
    for entry in entries:
        if entry.status not in SCREENABLE:
            outcome.skipped.append(entry)
            continue
        passed = {c.id: eligible for c in entry.edition.eligibility_checks}
        screen_entry(entry, actor=actor, passed=passed, eligible=eligible, reason=reason, now=now)
        outcome.done.append(entry)
    return outcome


def reopen_entry(entry: Entry, *, actor: User, reason: str, now: datetime | None = None) -> Entry:
    """Give a submitted entry back to its applicant as a draft (the reason is recorded and shown to them)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise EntryError(_("Vui lòng nêu lý do mở lại bài dự thi."), 422)
    if entry.status not in SCREENABLE:
        raise EntryError(_("Chỉ mở lại được bài đã nộp và chưa vào vòng chấm."), 409)
    before = entry_json(entry)
    entry.status = EntryStatus.DRAFT.value
    entry.reopened_at = now
    entry.ineligible_reason = None
    entry.updated_at = now
    audit.record("entry.reopened", entry, actor=actor, before=before, after=entry_json(entry), reason=reason)
    db.session.flush()
    return entry


def notify_screening(entries: Iterable[Entry]) -> None:
    for entry in entries:
        send_mail(entry.owner.email, _("Kết quả thẩm định hồ sơ bài dự thi %(code)s", code=entry.reference_code),
                  "entry_screened", entry=entry)


def notify_reopened(entry: Entry, reason: str) -> None:
    send_mail(entry.owner.email, _("Bài dự thi %(code)s được mở lại để chỉnh sửa", code=entry.reference_code),
              "entry_reopened", entry=entry, reason=reason)


# --------------------------------------------------------------------------------------------------
# Exports




def export_rows(entries: Sequence[Entry]) -> tuple[list[str], list[list[object]]]:
    from contest.i18n import format_datetime_local
    from contest.labels import APPLICANT_TYPE, ENTRY_STATUS, label

    headers = [_("Mã bài"), _("Tên giải pháp"), _("Lĩnh vực"), _("Đối tượng"), _("Đơn vị"), _("Tác giả"),
               _("Email liên hệ"), _("Trạng thái"), _("Lý do không hợp lệ"), _("Số tệp"), _("Ngày nộp")]
    rows = []
    for e in entries:
        rows.append([
            e.reference_code, e.title, e.category.name, label(APPLICANT_TYPE, e.applicant_type),
            e.organization or "", e.authors_display, e.owner.email, label(ENTRY_STATUS, e.status),
            e.ineligible_reason or "", len(e.attachments), format_datetime_local(e.submitted_at),
        ])
    return headers, rows
