"""What applicants do with their entries: create, edit, attach files, submit, withdraw.

Each operation checks the phase, changes the models, writes its audit event and flushes; the route commits.
File uploads follow one order so that nothing is lost and nothing is orphaned: the object is written first,
then its row is added and flushed; if the flush (or the route's commit) fails, the new object is deleted.
A replaced file's old object is deleted only after the commit that removed its row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from flask import current_app
from sqlalchemy import func, select

from contest import audit
from contest.extensions import db
from contest.i18n import _, format_size
from contest.mail import send_mail
from contest.models import (
    ApplicantType,
    Attachment,
    AttachmentKind,
    Category,
    Edition,
    Entry,
    EntryConflictDeclaration,
    EntryMember,
    EntryStatus,
    Locality,
    RoundStatus,
    User,
    utcnow,
)
from contest.models.entries import entry_json
from contest.search import fold
from contest.storage import (
    SNIFF_BYTES,
    InvalidUpload,
    ObjectTooLarge,
    check_upload_type,
    get_store,
    validate_filename,
)

KEY_PREFIX = "entries/"
DUPLICATE_WINDOW_SECONDS = 30
# An entry may be withdrawn, screened or reopened in these states.
SCREENABLE = (EntryStatus.SUBMITTED, EntryStatus.ELIGIBLE, EntryStatus.INELIGIBLE)
WITHDRAWABLE = (EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.ELIGIBLE, EntryStatus.INELIGIBLE)


class EntryError(Exception):
    """A refused action, with a message for the applicant and the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.problems = problems or []


# --------------------------------------------------------------------------------------------------
# Phases


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def judging_started(edition: Edition, now: datetime | None = None) -> bool:
    """Judging starts when the first round opens (by status or by its window)."""
    now = _now(now)
    for round_ in edition.rounds:
        if round_.status != RoundStatus.DRAFT or round_.opened_at is not None:
            return True
        if round_.opens_at is not None and round_.opens_at <= now:
            return True
    return False


def edit_problem(entry: Entry, now: datetime | None = None) -> str | None:
    """Why the applicant may not change the entry now (None when they may)."""
    now = _now(now)
    if entry.status != EntryStatus.DRAFT:
        return _("Bài dự thi đã nộp nên không thể sửa. Nếu cần sửa, vui lòng liên hệ Ban tổ chức.")
    edition = entry.edition
    if edition.status != "open":
        return _("Cuộc thi không còn nhận bài dự thi.")
    closes = edition.registration_closes_at
    # An entry an organizer reopened after the deadline may be corrected and submitted again.
    if closes is not None and now >= closes and not (entry.reopened_at and entry.reopened_at >= closes):
        return _("Đã hết hạn nộp bài dự thi.")
    return None


def _require_editable(entry: Entry, now: datetime | None) -> None:
    problem = edit_problem(entry, now)
    if problem:
        raise EntryError(problem, 409)


def withdraw_problem(entry: Entry, now: datetime | None = None) -> str | None:
    if entry.status == EntryStatus.WITHDRAWN:
        return _("Bài dự thi đã được rút.")
    if entry.status not in WITHDRAWABLE:
        return _("Bài dự thi đã được xét trong vòng chấm nên không thể rút.")
    if judging_started(entry.edition, now):
        return _("Vòng chấm đầu tiên đã bắt đầu nên không thể rút bài dự thi.")
    return None


def refresh_search_text(entry: Entry) -> None:
    parts = [entry.reference_code, entry.title, entry.summary, entry.organization,
             entry.owner.full_name if entry.owner else None]
    parts += [f"{m.full_name} {m.organization or ''}" for m in entry.members]
    entry.search_text = fold(" ".join(p for p in parts if p))


def _touch(entry: Entry, now: datetime) -> None:
    entry.updated_at = now
    refresh_search_text(entry)


# --------------------------------------------------------------------------------------------------
# Creating and editing


def open_editions(now: datetime | None = None) -> list[Edition]:
    now = _now(now)
    editions = db.session.scalars(select(Edition).where(Edition.status == "open").order_by(Edition.year.desc())).all()
    return [e for e in editions if e.registration_open(now)]


def create_entry(
    owner: User,
    edition: Edition,
    category: Category,
    *,
    title: str,
    applicant_type: str,
    organization: str | None = None,
    now: datetime | None = None,
) -> Entry:
    from contest.entries.codes import next_reference_code

    now = _now(now)
    if not edition.registration_open(now):
        raise EntryError(_("Cuộc thi hiện không nhận đăng ký bài dự thi."), 409)
    if category.edition_id != edition.id:
        raise EntryError(_("Lĩnh vực không thuộc cuộc thi này."), 400)
    if applicant_type not in (edition.allowed_applicant_types or []):
        raise EntryError(_("Loại đối tượng dự thi này không được tham gia cuộc thi."), 422)
    if applicant_type == ApplicantType.ENTERPRISE and not (organization or "").strip():
        raise EntryError(_("Doanh nghiệp / tổ chức dự thi cần ghi tên đơn vị."), 422)
    if edition.max_entries_per_person:
        count = db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.edition_id == edition.id,
                Entry.owner_id == owner.id,
                Entry.status != EntryStatus.WITHDRAWN.value,
            )
        )
        if count >= edition.max_entries_per_person:
            raise EntryError(
                _("Mỗi người được đăng ký tối đa %(n)d bài dự thi trong cuộc thi này.", n=edition.max_entries_per_person),
                409,
            )
    # A double click on "create" must not leave two drafts: the same title moments ago is the same entry.
    recent = db.session.scalar(
        select(Entry).where(
            Entry.edition_id == edition.id,
            Entry.owner_id == owner.id,
            Entry.title == title.strip(),
            Entry.status == EntryStatus.DRAFT.value,
            Entry.created_at >= now - timedelta(seconds=DUPLICATE_WINDOW_SECONDS),
        )
    )
    if recent is not None:
        return recent
    profile = owner.applicant_profile
    entry = Entry(
        edition=edition,
        category=category,
        owner=owner,
        reference_code=next_reference_code(edition),
        title=title.strip(),
        applicant_type=applicant_type,
        organization=(organization or (profile.organization if profile else None) or None),
        locality_id=profile.locality_id if profile else None,
        status=EntryStatus.DRAFT.value,
        created_at=now,
        updated_at=now,
    )
    entry.members = [
        EntryMember(
            position=0,
            full_name=owner.full_name,
            role=_("Tác giả"),
            organization=entry.organization,
            email=owner.email,
            phone=owner.phone,
            user_id=owner.id,
        )
    ]
    db.session.add(entry)
    refresh_search_text(entry)
    audit.record("entry.created", entry, actor=owner, after=entry_json(entry))
    return entry


def update_entry(
    entry: Entry,
    *,
    actor: User,
    title: str,
    summary: str | None,
    description: str | None,
    applicant_type: str,
    organization: str | None,
    category: Category,
    locality: Locality | None,
    public_consent: bool,
    now: datetime | None = None,
) -> Entry:
    now = _now(now)
    _require_editable(entry, now)
    if category.edition_id != entry.edition_id:
        raise EntryError(_("Lĩnh vực không thuộc cuộc thi này."), 400)
    if applicant_type not in (entry.edition.allowed_applicant_types or []):
        raise EntryError(_("Loại đối tượng dự thi này không được tham gia cuộc thi."), 422)
    before = entry_json(entry)
    entry.title = title.strip()
    entry.summary = summary or None
    entry.description = description or None
    entry.applicant_type = applicant_type
    entry.organization = organization or None
    entry.category = category
    entry.locality = locality
    entry.public_consent = public_consent
    _touch(entry, now)
    audit.record("entry.updated", entry, actor=actor, before=before,
                 after=entry_json(entry) | {"public_consent": public_consent})
    db.session.flush()
    return entry


def add_member(
    entry: Entry,
    *,
    actor: User,
    full_name: str,
    role: str | None = None,
    organization: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    now: datetime | None = None,
) -> EntryMember:
    now = _now(now)
    _require_editable(entry, now)
    limit = entry.edition.max_group_size
    if limit and len(entry.members) >= limit:
        raise EntryError(_("Nhóm tác giả có tối đa %(n)d người.", n=limit), 422)
    email = (email or "").strip().lower() or None
    linked = db.session.scalar(select(User).where(User.email == email)) if email else None
    member = EntryMember(
        position=max((m.position for m in entry.members), default=-1) + 1,
        full_name=full_name.strip(),
        role=role or None,
        organization=organization or None,
        email=email,
        phone=phone or None,
        user_id=linked.id if linked else None,
    )
    entry.members.append(member)
    _touch(entry, now)
    audit.record("entry.member_added", entry, actor=actor, after={"full_name": member.full_name})
    return member


def _member_of(entry: Entry, member_id: int) -> EntryMember:
    for member in entry.members:
        if member.id == member_id:
            return member
    raise EntryError(_("Không tìm thấy tác giả này."), 404)


def move_member(entry: Entry, member_id: int, direction: int, *, actor: User, now: datetime | None = None) -> None:
    """Move an author one place up (direction -1) or down (+1)."""
    now = _now(now)
    _require_editable(entry, now)
    members = sorted(entry.members, key=lambda m: (m.position, m.id))
    member = _member_of(entry, member_id)
    i = members.index(member)
    j = i + (1 if direction > 0 else -1)
    if 0 <= j < len(members):
        members[i], members[j] = members[j], members[i]
    for position, m in enumerate(members):
        m.position = position
    _touch(entry, now)
    audit.record("entry.members_reordered", entry, actor=actor, after={"order": [m.full_name for m in members]})


def remove_member(entry: Entry, member_id: int, *, actor: User, now: datetime | None = None) -> None:
    now = _now(now)
    _require_editable(entry, now)
    member = _member_of(entry, member_id)
    entry.members.remove(member)
    for position, m in enumerate(sorted(entry.members, key=lambda m: (m.position, m.id))):
        m.position = position
    _touch(entry, now)
    audit.record("entry.member_removed", entry, actor=actor, before={"full_name": member.full_name})


def add_conflict_declaration(
    entry: Entry,
    *,
    actor: User,
    organization: str | None,
    person_name: str | None,
    reason: str | None,
    now: datetime | None = None,
) -> EntryConflictDeclaration:
    now = _now(now)
    _require_editable(entry, now)
    if not (organization or person_name):
        raise EntryError(_("Vui lòng nêu tên tổ chức hoặc tên người cần tránh."), 422)
    declaration = EntryConflictDeclaration(organization=organization or None, person_name=person_name or None,
                                           reason=reason or None)
    entry.conflict_declarations.append(declaration)
    _touch(entry, now)
    audit.record("entry.conflict_added", entry, actor=actor,
                 after={"organization": organization, "person_name": person_name})
    return declaration


def remove_conflict_declaration(entry: Entry, declaration_id: int, *, actor: User,
                                now: datetime | None = None) -> None:
    now = _now(now)
    _require_editable(entry, now)
    for declaration in entry.conflict_declarations:
        if declaration.id == declaration_id:
            entry.conflict_declarations.remove(declaration)
            _touch(entry, now)
            audit.record("entry.conflict_removed", entry, actor=actor,
                         before={"organization": declaration.organization, "person_name": declaration.person_name})
            return
    raise EntryError(_("Không tìm thấy mục này."), 404)


# --------------------------------------------------------------------------------------------------
# Files


@dataclass
class StoredUpload:
    """The result of an upload: the new row, the key to delete if the commit fails, and the replaced key to
    delete once it succeeds."""

    attachment: Attachment
    new_key: str | None
    replaced_key: str | None


def upload_message(error: InvalidUpload, kind: AttachmentKind | None = None) -> str:
    """The Vietnamese sentence for a refused upload."""
    params = error.params
    if error.code == "empty":
        return _("Tệp rỗng (0 byte). Vui lòng chọn đúng tệp.")
    if error.code == "no_file":
        return _("Vui lòng chọn tệp cần tải lên.")
    if error.code == "bad_name":
        reason = params.get("reason")
        if reason == "path":
            return _("Tên tệp không được chứa đường dẫn (ký tự / hoặc \\).")
        if reason == "control":
            return _("Tên tệp chứa ký tự điều khiển không hợp lệ.")
        if reason == "too_long":
            return _("Tên tệp quá dài (tối đa %(max)d byte).", max=params.get("max", 255))
        return _("Tên tệp không hợp lệ.")
    if error.code == "bad_type":
        allowed = ", ".join(sorted({_type_name(t) for t in (kind.allowed_types if kind else [])}))
        return _("Định dạng tệp không được chấp nhận (kiểm tra theo nội dung tệp, không theo phần mở rộng). "
                 "Định dạng cho phép: %(allowed)s.", allowed=allowed or "—")
    if error.code == "too_large":
        return _("Tệp vượt quá dung lượng cho phép của loại hồ sơ này (tối đa %(max)s).",
                 max=format_size(params.get("max_size")))
    if error.code == "entry_too_large":
        return _("Tổng dung lượng các tệp của bài dự thi vượt quá giới hạn %(max)s (còn lại %(left)s).",
                 max=format_size(params.get("max_size")), left=format_size(params.get("left", 0)))
    return _("Tệp không hợp lệ.")


def _type_name(mime: str) -> str:
    from contest.storage import ALLOWED_TYPES

    return ALLOWED_TYPES.get(mime, mime).upper()


def _head_and_rest(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first SNIFF_BYTES (or fewer, for a small file) and an iterator over what follows."""
    iterator = iter(chunks)
    head = bytearray()
    for chunk in iterator:
        head.extend(chunk)
        if len(head) >= SNIFF_BYTES:
            break
    return bytes(head), iterator


def entry_bytes(entry: Entry, excluding: Attachment | None = None) -> int:
    return sum(a.size or 0 for a in entry.attachments if a is not excluding)


def kind_of(entry: Entry, kind_id: int) -> AttachmentKind:
    kind = db.session.get(AttachmentKind, kind_id)
    if kind is None or kind.edition_id != entry.edition_id:
        raise EntryError(_("Không tìm thấy loại hồ sơ này."), 404)
    return kind


def attachment_of(entry: Entry, attachment_id: int) -> Attachment:
    for attachment in entry.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise EntryError(_("Không tìm thấy tệp này."), 404)


def store_attachment(
    entry: Entry,
    kind: AttachmentKind,
    *,
    actor: User,
    filename: str,
    chunks: Iterable[bytes],
    replacing: Attachment | None = None,
    now: datetime | None = None,
) -> StoredUpload:
    """Stream one file into storage and add its row.

    Raises EntryError (phase), InvalidUpload (name, type, size; nothing stored) or StorageUnavailable (nothing
    stored, nothing in the session changed). A kind that holds one file replaces its current file.
    """
    now = _now(now)
    _require_editable(entry, now)
    if kind.edition_id != entry.edition_id:
        raise EntryError(_("Không tìm thấy loại hồ sơ này."), 404)
    if replacing is None and not kind.multiple:
        replacing = next((a for a in entry.attachments if a.kind_id == kind.id), None)
    if replacing is not None and replacing.entry_id != entry.id:
        raise EntryError(_("Không tìm thấy tệp này."), 404)
    display_name = validate_filename(filename)
    head, rest = _head_and_rest(chunks)
    content_type = check_upload_type(head, kind.allowed_types or [])
    left = entry.edition.max_entry_bytes - entry_bytes(entry, excluding=replacing)
    if left <= 0:
        raise InvalidUpload("entry_too_large", {"max_size": entry.edition.max_entry_bytes, "left": 0})
    limit = min(kind.max_size_bytes, left)
    try:
        stored = get_store().put(chain([head], rest), content_type=content_type, max_size=limit,
                                 key_prefix=f"{KEY_PREFIX}{entry.edition_id}/")
    except ObjectTooLarge:
        if limit < kind.max_size_bytes:
            raise InvalidUpload("entry_too_large",
                                {"max_size": entry.edition.max_entry_bytes, "left": left}) from None
        raise InvalidUpload("too_large", {"max_size": kind.max_size_bytes}) from None
    try:
        attachment = Attachment(
            kind=kind,
            display_filename=display_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.key,
            uploaded_at=now,
            uploaded_by_id=actor.id,
        )
        entry.attachments.append(attachment)
        replaced_key = None
        if replacing is not None:
            replaced_key = replacing.storage_key
            entry.attachments.remove(replacing)
        _touch(entry, now)
        audit.record(
            "entry.file_replaced" if replacing is not None else "entry.file_uploaded",
            entry,
            actor=actor,
            before={"filename": replacing.display_filename} if replacing is not None else None,
            after={"kind": kind.code, "filename": display_name, "size": stored.size, "sha256": stored.sha256},
        )
        db.session.flush()
    except BaseException:
        discard_objects([stored.key])
        raise
    return StoredUpload(attachment, stored.key, replaced_key)


def add_link(entry: Entry, kind: AttachmentKind, *, actor: User, url: str, title: str | None = None,
             now: datetime | None = None) -> StoredUpload:
    now = _now(now)
    _require_editable(entry, now)
    if not kind.allows_link:
        raise EntryError(_("Loại hồ sơ này không nhận liên kết, vui lòng tải tệp lên."), 422)
    replacing = None if kind.multiple else next((a for a in entry.attachments if a.kind_id == kind.id), None)
    attachment = Attachment(kind=kind, display_filename=(title or url)[:255], link_url=url, uploaded_at=now,
                            uploaded_by_id=actor.id)
    entry.attachments.append(attachment)
    replaced_key = None
    if replacing is not None:
        replaced_key = replacing.storage_key
        entry.attachments.remove(replacing)
    _touch(entry, now)
    audit.record("entry.link_added", entry, actor=actor, after={"kind": kind.code, "url": url})
    db.session.flush()
    return StoredUpload(attachment, None, replaced_key)


def remove_attachment(entry: Entry, attachment_id: int, *, actor: User, now: datetime | None = None) -> str | None:
    """Remove the row; returns the storage key to delete after the commit."""
    now = _now(now)
    _require_editable(entry, now)
    attachment = attachment_of(entry, attachment_id)
    key = attachment.storage_key
    entry.attachments.remove(attachment)
    _touch(entry, now)
    audit.record("entry.file_removed", entry, actor=actor,
                 before={"kind": attachment.kind.code, "filename": attachment.display_filename})
    db.session.flush()
    return key


def discard_objects(keys: Iterable[str | None]) -> list[str]:
    """Delete objects whose rows are gone (or never were committed). Best effort: a key that cannot be deleted
    now is logged and left for ``flask contest storage-check --sweep``. Returns the keys left behind."""
    left = []
    store = get_store()
    for key in keys:
        if not key:
            continue
        try:
            store.delete(key)
        except Exception:  # the sweep is the safety net
            current_app.logger.warning("Could not delete object %s; storage-check --sweep will", key)
            left.append(key)
    return left


# --------------------------------------------------------------------------------------------------
# Submitting and withdrawing


def submission_problems(entry: Entry) -> list[str]:
    """Every reason the entry cannot be submitted yet, in Vietnamese."""
    problems = []
    if not (entry.title or "").strip():
        problems.append(_("Chưa có tên giải pháp."))
    if not (entry.summary or "").strip():
        problems.append(_("Chưa có tóm tắt giải pháp."))
    if not (entry.description or "").strip():
        problems.append(_("Chưa có mô tả chi tiết giải pháp."))
    if entry.applicant_type not in (entry.edition.allowed_applicant_types or []):
        problems.append(_("Loại đối tượng dự thi này không được tham gia cuộc thi."))
    if entry.applicant_type == ApplicantType.ENTERPRISE and not (entry.organization or "").strip():
        problems.append(_("Chưa có tên doanh nghiệp / tổ chức."))
    if not entry.members:
        problems.append(_("Chưa có tác giả nào."))
    if entry.applicant_type == ApplicantType.GROUP and len(entry.members) < 2:
        problems.append(_("Nhóm tác giả cần có ít nhất 2 người."))
    if entry.applicant_type in (ApplicantType.INDIVIDUAL, ApplicantType.STUDENT) and len(entry.members) > 1:
        problems.append(_("Bài dự thi cá nhân chỉ có một tác giả; hãy chọn loại \"Nhóm tác giả\"."))
    limit = entry.edition.max_group_size
    if limit and len(entry.members) > limit:
        problems.append(_("Nhóm tác giả có tối đa %(n)d người.", n=limit))
    present = {a.kind_id for a in entry.attachments}
    for kind in entry.edition.attachment_kinds:
        if kind.required and kind.id not in present:
            problems.append(_("Thiếu hồ sơ bắt buộc: %(kind)s.", kind=kind.name))
    return problems


def submit_entry(entry: Entry, *, actor: User, now: datetime | None = None) -> bool:
    """Freeze the entry. Returns False (and changes nothing) when it was already submitted."""
    now = _now(now)
    if entry.status != EntryStatus.DRAFT:
        if entry.submitted_at is not None and entry.status != EntryStatus.WITHDRAWN:
            return False
        raise EntryError(_("Bài dự thi không ở trạng thái có thể nộp."), 409)
    _require_editable(entry, now)
    problems = submission_problems(entry)
    if problems:
        raise EntryError(_("Bài dự thi chưa đủ điều kiện để nộp."), 422, problems)
    before = entry_json(entry)
    entry.status = EntryStatus.SUBMITTED.value
    entry.submitted_at = now
    entry.updated_at = now
    audit.record(
        "entry.submitted",
        entry,
        actor=actor,
        before=before,
        after=entry_json(entry) | {"files": [{"name": a.display_filename, "sha256": a.sha256, "size": a.size}
                                             for a in entry.attachments]},
    )
    db.session.flush()
    return True


def send_submission_receipt(entry: Entry) -> None:
    """The confirmation email: reference code and every file with its size and SHA-256 (after the commit)."""
    recipients = sorted({entry.owner.email} | {m.email for m in entry.members if m.user_id and m.email})
    send_mail(
        recipients,
        _("Xác nhận nộp bài dự thi %(code)s", code=entry.reference_code),
        "entry_submitted",
        entry=entry,
        files=[a for a in entry.attachments],
        format_size=format_size,
    )


def withdraw_entry(entry: Entry, *, actor: User, reason: str | None = None, now: datetime | None = None) -> bool:
    """Returns False when it was already withdrawn (a repeated click)."""
    now = _now(now)
    if entry.status == EntryStatus.WITHDRAWN:
        return False
    problem = withdraw_problem(entry, now)
    if problem:
        raise EntryError(problem, 409)
    before = entry_json(entry)
    entry.status = EntryStatus.WITHDRAWN.value
    entry.withdrawn_at = now
    entry.updated_at = now
    audit.record("entry.withdrawn", entry, actor=actor, before=before, after=entry_json(entry), reason=reason)
    db.session.flush()
    return True
