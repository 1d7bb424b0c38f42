"""Entries: what applicants do with them (create, edit, attach files, submit, withdraw), how organizers screen
them, who may see them, their reference codes and the timeline an applicant reads.

Each operation checks the phase, changes the models, writes its audit event and flushes; the route commits.
File uploads follow one order so that nothing is lost and nothing is orphaned: the object is written first,
then its row is added and flushed; if the flush (or the route's commit) fails, the new object is deleted.
A replaced file's old object is deleted only after the commit that removed its row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from flask import abort, current_app
from flask_babel import LazyString
from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import selectinload

from contest import audit, votes
from contest.conflicts import names_a_whole_person
from contest.extensions import db
from contest.i18n import _, _l, format_datetime_local, format_size, localized
from contest.mail import send_mail
from contest.models import (
    ApplicantType,
    Assignment,
    Attachment,
    AttachmentKind,
    AuditEvent,
    Category,
    Edition,
    EligibilityResult,
    Entry,
    EntryConflictDeclaration,
    EntryMember,
    EntryStatus,
    Locality,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from contest.models.entries import entry_json
from contest.organizations import register_organization_name
from contest.phases import accepts_entries
from contest.search import fold
from contest.storage import (
    SNIFF_BYTES,
    InvalidUpload,
    ObjectTooLarge,
    check_upload_type,
    get_store,
    validate_filename,
)

# --------------------------------------------------------------------- the applicant's entry, from draft to submission
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


def locality_label(locality: Locality) -> str:
    """"Phường Gia Sàng": the name already says its kind; a bare name gets it in front ("Xã Đại Từ")."""
    name = locality.name.strip()
    kind = (locality.kind or "").strip()
    if not kind or name.lower().startswith(kind.lower() + " "):
        return name
    return f"{kind[:1].upper()}{kind[1:]} {name}"


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
    # Published results end the call for entries even if the registration window was left open.
    return [e for e in editions if accepts_entries(e, now)]


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
                _("Mỗi người được đăng ký tối đa %(n)d bài dự thi trong cuộc thi này.",
                  n=edition.max_entries_per_person),
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
    register_organization_name(entry.organization, actor=owner)
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
    register_organization_name(entry.organization, actor=actor)
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
    linked = verified_account_for(email)
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
    register_organization_name(member.organization, actor=actor)
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
    if person_name and not names_a_whole_person(person_name):
        # A fragment ("n") would keep every judge whose name contains it away and could block a whole round.
        raise EntryError(_("Hãy ghi đầy đủ họ và tên người cần tránh (ít nhất hai từ, năm chữ cái), ví dụ "
                           "“Nguyễn Văn An”."), 422)
    register_organization_name(organization, actor=actor)
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


def shown_publicly(kind: AttachmentKind, content_type: str | None) -> bool:
    """A picture uploaded to a kind that takes only pictures (the product photos) is what the applicant's
    public consent covers, so the ballot and the showcase may show it; a picture inside any other kind of
    file stays private."""
    types = kind.allowed_types or []
    return (bool(types) and all(t.startswith("image/") for t in types)
            and (content_type or "").startswith("image/"))


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
            public=shown_publicly(kind, stored.content_type),
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
    if not entry.owner.email_verified:
        # Filing sends mail in the owner's name: the address must be proven first (drafts may wait).
        raise EntryError(_("Vui lòng xác minh email trước khi nộp bài dự thi."), 403, [
            _("Email %(email)s chưa được xác minh. Hãy mở thư xác minh chúng tôi đã gửi, "
              "hoặc bấm \"Gửi lại thư xác minh\" ở đầu trang.", email=entry.owner.email)])
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
    votes.take_entry_off_ballots(
        entry, _("Bài dự thi đã được rút: %(reason)s", reason=reason) if reason else _("Bài dự thi đã được rút."),
        actor=actor, now=now)
    return True


# ----------------------------------------------------------------------------------------- screening by the organizers
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
        # The list shows each entry's category and authors (the owner when none are listed): load them
        # with the page, one query per relation rather than one per row.
        return query.options(
            selectinload(Entry.category), selectinload(Entry.members), selectinload(Entry.owner)
        ).order_by(Entry.reference_code)


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
    if not eligible:
        votes.take_entry_off_ballots(entry, _("Bài dự thi không hợp lệ: %(reason)s", reason=reason),
                                     actor=actor, now=now)
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


# --------------------------------------------------------------------------------------------------
# Who may see an entry and its files: the one place that decides (the judges' scoring pages and the
# organizers' pages call these instead of repeating the rules).


def is_author(user: User, entry: Entry) -> bool:
    # A co-author reaches the entry only through a proven address.
    return entry.owner_id == user.id or (
        bool(user.email_verified) and any(m.user_id == user.id for m in entry.members))


def verified_account_for(email: str | None) -> User | None:
    """The account holding ``email`` once it has proven the address; None for an unverified one."""
    if not email:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    return user if user is not None and user.email_verified else None


def link_coauthorships(user: User) -> list[EntryMember]:
    """After ``user`` proves their address, attach the author rows that name it."""
    if not user.email_verified:
        return []
    members = list(db.session.scalars(
        select(EntryMember).where(EntryMember.email == user.email, EntryMember.user_id.is_(None))))
    for member in members:
        member.user_id = user.id
    if members:
        db.session.flush()
        audit.record("user.coauthorships_linked", user, actor=user, after={"members": [m.id for m in members]})
    return members


def _is_user(user: object) -> bool:
    """A signed-in account (an anonymous visitor is not)."""
    return isinstance(user, User) or bool(getattr(user, "is_authenticated", False) and hasattr(user, "id"))


def authors_hidden_from(user: object, entry: Entry) -> bool:
    """Blind judging: whoever is neither an author nor an organizer sees no author, organization,
    team member or file name that could carry them (a judge, above all)."""
    if not entry.edition.blind_judging:
        return False
    if not _is_user(user):
        return True
    return not (is_author(user, entry) or user.has_role(Role.ORGANIZER))  # type: ignore[arg-type, attr-defined]


def blind_filename(attachment: Attachment) -> str:
    """A name that tells the file apart without the uploader's own name (which often holds theirs)."""
    extension = ""
    name = attachment.display_filename or ""
    if "." in name:
        candidate = name.rsplit(".", 1)[1].lower()
        if candidate.isalnum() and len(candidate) <= 5:
            extension = "." + candidate
    return f"{attachment.entry.reference_code or 'bai'}-{attachment.kind.code}-{attachment.id}{extension}"


def filename_for(user: object, attachment: Attachment) -> str:
    """The file name ``user`` may see (and download under)."""
    if authors_hidden_from(user, attachment.entry):
        return blind_filename(attachment)
    return attachment.display_filename


def judge_may_view(user: User, entry: Entry) -> bool:
    """Whether one of the judge's assignments to this entry shows it (the rule the score page uses too)."""
    from contest.assignments import judge_sees_assignment

    assignments = db.session.scalars(
        select(Assignment).where(Assignment.entry_id == entry.id, Assignment.judge_id == user.id))
    return any(judge_sees_assignment(user, a) for a in assignments)


def can_view_entry(user: object, entry: Entry) -> bool:
    """Whether a signed-in ``user`` may see the entry, whatever its status (drafts included): its authors
    (:func:`is_author`), any organizer, or a judge that :func:`judge_may_view` allows.  Anonymous: never."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_author(user, entry):  # type: ignore[arg-type]
        return True
    if user.has_role(Role.ORGANIZER):  # type: ignore[attr-defined]
        return True
    return user.has_role(Role.JUDGE) and judge_may_view(user, entry)  # type: ignore[attr-defined]


def can_edit_entry(user: object, entry: Entry) -> bool:
    """Only the owner, signed in; co-authors and organizers may not.  Whether the entry is still editable
    (its status, the submission deadline) is a separate question: :func:`edit_problem`."""
    return bool(getattr(user, "is_authenticated", False)) and entry.owner_id == user.id  # type: ignore[attr-defined]


def get_entry_for(user: object, entry_id: int, *, edit: bool = False) -> Entry:
    """The entry for a page: aborts 404 if it is missing or ``user`` may not see it, and 403 if ``edit`` is
    asked and ``user`` sees it but may not edit it (:func:`can_edit_entry`)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or not can_view_entry(user, entry):
        abort(404)
    if edit and not can_edit_entry(user, entry):
        abort(403)
    return entry


def get_attachment_for(user: object, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its entry (:func:`can_view_entry`); aborts 404 otherwise, so its
    existence is not revealed."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_entry(user, attachment.entry):
        abort(404)
    return attachment


# ----------------------------------------------------------------------------------------------------- reference codes
def next_reference_code(edition: Edition) -> str:
    """Take the edition's next number atomically.

    The UPDATE … RETURNING holds the row lock until the transaction ends, so
    two applicants creating entries at the same moment never get one code;
    the unique constraint on (edition, reference_code) is the last guard.
    """
    number = db.session.execute(
        update(Edition)
        .where(Edition.id == edition.id)
        .values(next_entry_number=Edition.next_entry_number + 1)
        .returning(Edition.next_entry_number)
        .execution_options(synchronize_session=False)
    ).scalar_one() - 1
    edition_prefix = edition.code_prefix or "TN"
    return f"{edition_prefix}{edition.year}-{number:04d}"


# -------------------------------------------------------------------------------------------- the applicant's timeline
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
    "entry.file_removed": _l("Xóa tệp hồ sơ"),
    "entry.link_added": _l("Thêm liên kết video"),
    "entry.submitted": _l("Nộp bài dự thi"),
    "entry.withdrawn": _l("Rút bài dự thi"),
    "entry.reopened": _l("Ban tổ chức mở lại bài để sửa"),
    "entry.screened": _l("Ban tổ chức thẩm định hồ sơ"),
    "entry.advanced": _l("Vượt qua vòng thi, được vào vòng tiếp theo"),
    "entry.eliminated": _l("Dừng lại sau vòng thi, không vào vòng tiếp theo"),
    "entry.presentation_scheduled": _l("Ban tổ chức thông báo lịch thuyết trình"),
    "entry.presentation_rescheduled": _l("Ban tổ chức thay đổi lịch thuyết trình"),
    "entry.awarded": _l("Kết quả chính thức"),
    "entry.showcase_consent": _l("Chọn có giới thiệu giải pháp trong kỷ yếu hay không"),
    "personal_data.viewed": _l("Ban tổ chức xem thông tin cá nhân trong hồ sơ"),
    "personal_data.exported": _l("Ban tổ chức xuất thông tin cá nhân trong hồ sơ"),
}
# Any other event on an entry is named plainly; its key never reaches a page.
OTHER_EVENT = _l("Ban tổ chức cập nhật hồ sơ")

# Events whose reason the applicant should read (the rest may carry internal notes).
PUBLIC_REASONS = {"entry.reopened", "entry.screened", "entry.withdrawn", "entry.advanced", "entry.eliminated"}


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
    if event.action in ("entry.advanced", "entry.eliminated") and after.get("round_id"):
        round_ = db.session.get(Round, after["round_id"])
        return localized(round_, "name") if round_ is not None else None
    if event.action in ("entry.presentation_scheduled", "entry.presentation_rescheduled"):
        return _presentation_detail(after)
    if event.action == "entry.awarded":
        return after.get("level")
    return None


def _presentation_detail(after: dict[str, object]) -> str | None:
    """"Vòng chung khảo: 05/12/2026 08:00, Hội trường Sở Khoa học và Công nghệ"."""
    if not after.get("presentation_at"):
        return None
    round_ = db.session.get(Round, after["round_id"]) if after.get("round_id") else None
    when = format_datetime_local(datetime.fromisoformat(str(after["presentation_at"])))
    schedule = _("%(when)s, tại %(place)s", when=when, place=after.get("place") or "")
    return f"{localized(round_, 'name')}: {schedule}" if round_ is not None else schedule


def entry_timeline(entry: Entry) -> list[TimelineItem]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == Entry.__tablename__, AuditEvent.object_id == entry.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    from contest.notices import outside_events

    items = [
        TimelineItem(
            at=event.created_at,
            action=event.action,
            label=str(EVENT_LABELS.get(event.action, OTHER_EVENT)),
            detail=_detail(event),
            reason=event.reason if event.action in PUBLIC_REASONS else None,
        )
        for event in events
    ]
    items += [TimelineItem(at=at, action="", label=str(label), detail=detail and str(detail), reason=reason)
              for at, label, detail, reason in outside_events(entry)]
    return sorted(items, key=lambda item: item.at)
