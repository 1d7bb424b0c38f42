"""Applicants' personal data: what we hold about them, erasing it, and who looked at it.

Vietnam's personal-data rules (Nghị định 13/2023/NĐ-CP) give a person the right to obtain the data held about
them and to have it erased once the purpose is served.  Here:

* ``export_data(user)`` is everything the platform holds about an applicant, as one JSON document: account,
  applicant profile, the entries they own or co-author (with authors, attachment metadata, conflict
  declarations and published awards), their public votes (matched by email) and their erasure requests.
* ``request_deletion`` lets an applicant ask for erasure; it is accepted only once every edition they took part
  in is finalized (closed or archived, with no result list still open to complaints).  An organizer then
  ``execute_deletion`` (or ``reject_deletion`` with a reason).  Erasure anonymizes the account and the personal
  fields; an entry that won a published award keeps exactly what the published list shows (title, authors'
  names, organization, field, prize) and nothing more.
* ``log_access`` writes ``personal_data.viewed`` / ``personal_data.exported`` when an organizer opens an
  entry's personal details, a judge's profile, or exports a list of people.

Every change writes an audit event.  The audit trail itself is kept: it is the legal record of decisions.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.models import (
    Award,
    DeletionRequest,
    DeletionStatus,
    Edition,
    EditionStatus,
    Entry,
    EntryMember,
    ResultSet,
    ResultStatus,
    Role,
    User,
    Vote,
    Voter,
    utcnow,
)
from contest.search import fold
from contest.voter_identity import canonical_identity

FINAL_EDITION_STATUSES = (EditionStatus.CLOSED.value, EditionStatus.ARCHIVED.value)
# A list in these states can still change or be complained about: its entries keep their data.
OPEN_RESULT_STATUSES = (ResultStatus.COMPUTED.value, ResultStatus.FROZEN.value, ResultStatus.PUBLISHED.value)
PUBLISHED_RESULT_STATUSES = (ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value)
ERASED_NAME = "Người dùng đã xóa dữ liệu"
ERASED_AUTHOR = "Tác giả đã xóa dữ liệu"
ERASED_TITLE = "Bài dự thi đã xóa dữ liệu cá nhân"


class PersonalDataError(Exception):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ------------------------------------------------------------------------------------------ what we hold


def entries_of(user: User) -> list[Entry]:
    """Entries the user owns or is a linked author of."""
    return list(db.session.scalars(
        select(Entry)
        .where((Entry.owner_id == user.id) | Entry.members.any(EntryMember.user_id == user.id))
        .order_by(Entry.id)
    ))


def published_awards(entry: Entry) -> list[Award]:
    """The entry's prizes on a public list (the only results an applicant's export shows)."""
    awards = db.session.scalars(
        select(Award)
        .join(ResultSet, ResultSet.id == Award.result_set_id)
        .where(Award.entry_id == entry.id, ResultSet.status.in_(PUBLISHED_RESULT_STATUSES))
        .order_by(Award.id)
    )
    return [a for a in awards if a.level is not None]


def _entry_document(entry: Entry, user: User) -> dict[str, Any]:
    return {
        "reference_code": entry.reference_code,
        "edition": {"year": entry.edition.year, "name": entry.edition.name},
        "category": entry.category.name,
        "title": entry.title,
        "summary": entry.summary,
        "description": entry.description,
        "applicant_type": entry.applicant_type,
        "organization": entry.organization,
        "locality": entry.locality.name if entry.locality else None,
        "status": entry.status,
        "role": "owner" if entry.owner_id == user.id else "co-author",
        "public_consent": entry.public_consent,
        "created_at": audit.jsonable(entry.created_at),
        "submitted_at": audit.jsonable(entry.submitted_at),
        "withdrawn_at": audit.jsonable(entry.withdrawn_at),
        "members": [
            {"position": m.position, "full_name": m.full_name, "role": m.role, "organization": m.organization,
             "email": m.email, "phone": m.phone}
            for m in entry.members
        ],
        "attachments": [
            {"kind": a.kind.name if a.kind else None, "filename": a.display_filename,
             "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "link_url": a.link_url,
             "public": a.public, "uploaded_at": audit.jsonable(a.uploaded_at)}
            for a in entry.attachments
        ],
        "conflict_declarations": [
            {"organization": d.organization, "person_name": d.person_name, "reason": d.reason}
            for d in entry.conflict_declarations
        ],
        "awards": [
            {"prize": a.level.name, "total_score": str(a.total_score) if a.total_score is not None else None,
             "published_at": audit.jsonable(a.result_set.published_at)}
            for a in published_awards(entry)
        ],
    }


def _voters_of(user: User) -> list[Voter]:
    """The voters of the account's mailbox, every spelling of it (contest/voter_identity.py).

    Votes are matched by mailbox, so only a proven address may see or erase them: an unproven one could be
    anyone's.
    """
    if not user.email_verified:
        return []
    return list(db.session.scalars(select(Voter).where(Voter.identity == canonical_identity(user.email))))


def _votes_of(user: User) -> list[Vote]:
    voter_ids = [voter.id for voter in _voters_of(user)]
    if not voter_ids:
        return []
    return list(db.session.scalars(select(Vote).where(Vote.voter_id.in_(voter_ids)).order_by(Vote.id)))


def export_data(user: User) -> dict[str, Any]:
    """Everything held about ``user``, for the applicant's own download."""
    profile = user.applicant_profile
    return {
        "generated_at": utcnow().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "locale": user.locale,
            "roles": sorted(r.value for r in user.roles),
            "created_at": audit.jsonable(user.created_at),
            "email_verified_at": audit.jsonable(user.email_verified_at),
            "last_login_at": audit.jsonable(user.last_login_at),
        },
        "applicant_profile": None if profile is None else {
            "applicant_type": profile.applicant_type,
            "organization": profile.organization,
            "position": profile.position,
            "locality": profile.locality.name if profile.locality else None,
        },
        "entries": [_entry_document(e, user) for e in entries_of(user)],
        "votes": [
            {"voting_period_id": v.period_id, "entry": v.entry.reference_code, "vote_day": v.vote_day.isoformat(),
             "cast_at": audit.jsonable(v.created_at), "counted": v.voided_at is None}
            for v in _votes_of(user)
        ],
        "deletion_requests": [
            {"status": r.status, "requested_at": audit.jsonable(r.requested_at),
             "decided_at": audit.jsonable(r.decided_at), "decision_note": r.decision_note}
            for r in requests_of(user)
        ],
    }


def record_export(user: User) -> None:
    audit.record("personal_data.downloaded", user, actor=user)


# ------------------------------------------------------------------------------------------ erasure


def requests_of(user: User) -> list[DeletionRequest]:
    return list(db.session.scalars(
        select(DeletionRequest).where(DeletionRequest.user_id == user.id).order_by(DeletionRequest.id.desc())
    ))


def pending_request(user: User) -> DeletionRequest | None:
    return db.session.scalar(select(DeletionRequest).where(
        DeletionRequest.user_id == user.id, DeletionRequest.status == DeletionStatus.PENDING.value))


def edition_finalized(edition: Edition) -> bool:
    if edition.status not in FINAL_EDITION_STATUSES:
        return False
    still_open = db.session.scalar(select(ResultSet.id).where(
        ResultSet.edition_id == edition.id, ResultSet.status.in_(OPEN_RESULT_STATUSES)).limit(1))
    return still_open is None


def deletion_problem(user: User) -> str | None:
    """Why ``user`` may not have their data erased now (None: they may)."""
    if user.has_role(Role.ORGANIZER, Role.JUDGE, Role.COMMITTEE):
        return _("Tài khoản giám khảo hoặc Ban tổ chức giữ hồ sơ chấm và phê duyệt; "
                 "vui lòng liên hệ Ban tổ chức để được hướng dẫn.")
    waiting = sorted({e.edition.year for e in entries_of(user) if not edition_finalized(e.edition)})
    if waiting:
        return _("Chỉ có thể yêu cầu xóa dữ liệu sau khi cuộc thi đã kết thúc và kết quả đã hoàn tất "
                 "(cuộc thi năm %(years)s chưa hoàn tất).", years=", ".join(str(y) for y in waiting))
    return None


def request_deletion(user: User, reason: str | None = None) -> DeletionRequest:
    """The applicant asks for erasure; asking twice returns the pending request."""
    existing = pending_request(user)
    if existing is not None:
        return existing
    problem = deletion_problem(user)
    if problem:
        raise PersonalDataError(problem, 409)
    req = DeletionRequest(user_id=user.id, reason=reason or None, status=DeletionStatus.PENDING.value,
                          requested_at=utcnow())
    db.session.add(req)
    db.session.flush()
    audit.record("personal_data.deletion_requested", req, actor=user, after={"user_id": user.id})
    return req


def cancel_deletion(req: DeletionRequest, actor: User) -> DeletionRequest:
    if req.status != DeletionStatus.PENDING:
        raise PersonalDataError(_("Yêu cầu này đã được xử lý."), 409)
    req.status = DeletionStatus.CANCELLED.value
    req.decided_at = utcnow()
    audit.record("personal_data.deletion_cancelled", req, actor=actor,
                 before={"status": DeletionStatus.PENDING.value}, after={"status": req.status})
    db.session.flush()
    return req


def reject_deletion(req: DeletionRequest, actor: User, note: str) -> DeletionRequest:
    if req.status != DeletionStatus.PENDING:
        raise PersonalDataError(_("Yêu cầu này đã được xử lý."), 409)
    if not note or not note.strip():
        raise PersonalDataError(_("Vui lòng nêu lý do từ chối."), 422)
    req.status = DeletionStatus.REJECTED.value
    req.decided_at = utcnow()
    req.decided_by_id = actor.id
    req.decision_note = note.strip()
    audit.record("personal_data.deletion_rejected", req, actor=actor,
                 before={"status": DeletionStatus.PENDING.value}, after={"status": req.status},
                 reason=req.decision_note)
    db.session.flush()
    return req


def _erase_entry(entry: Entry) -> list[str]:
    """Anonymize one owned entry; returns the storage keys to delete once committed."""
    from contest.exports import organization

    keys = [a.storage_key for a in entry.attachments if a.storage_key]
    awarded = bool(published_awards(entry))
    if awarded:
        # Keep what the published list shows: title, authors' names, organization, field, prize.
        entry.organization = (organization(entry) or None) and organization(entry)[:300]
        for member in entry.members:
            member.role = None
            member.organization = None
            member.email = None
            member.phone = None
            member.user_id = None
    else:
        entry.title = ERASED_TITLE
        entry.organization = None
        for member in entry.members:
            member.full_name = ERASED_AUTHOR
            member.role = None
            member.organization = None
            member.email = None
            member.phone = None
            member.user_id = None
    entry.summary = None
    entry.description = None
    entry.locality_id = None
    entry.public_consent = False
    entry.ineligible_reason = entry.ineligible_reason and _("Đã xóa theo yêu cầu của tác giả.")
    entry.conflict_declarations = []
    entry.attachments = []
    entry.search_text = fold(f"{entry.reference_code} {entry.title}")
    entry.updated_at = utcnow()
    return keys


def execute_deletion(req: DeletionRequest, actor: User) -> list[str]:
    """Erase the requester's personal data; returns storage keys to delete after the commit."""
    if req.status != DeletionStatus.PENDING:
        raise PersonalDataError(_("Yêu cầu này đã được xử lý."), 409)
    user = req.user
    problem = deletion_problem(user)
    if problem:
        raise PersonalDataError(problem, 409)
    keys: list[str] = []
    erased_entries = []
    for entry in entries_of(user):
        if entry.owner_id == user.id:
            keys += _erase_entry(entry)
            erased_entries.append(entry.reference_code)
        else:
            for member in entry.members:
                if member.user_id == user.id:
                    member.user_id = None
                    member.email = None
                    member.phone = None
    for voter in _voters_of(user):
        voter.email = f"da-xoa-{voter.id}@an-danh.invalid"
        voter.identity = voter.email
        voter.created_ip = None
        for vote in _votes_of_voter(voter):
            vote.ip = None
            vote.network = None
            vote.device_hash = None
            if vote.voter_key:  # still unique: one erased voter row holds at most one vote per key
                vote.voter_key = voter.identity
    user.email = f"da-xoa-{user.id}@an-danh.invalid"
    user.full_name = ERASED_NAME
    user.phone = None
    user.password_hash = None
    user.active = False
    user.session_version += 1
    user.last_login_at = None
    if user.applicant_profile is not None:
        user.applicant_profile.organization = None
        user.applicant_profile.position = None
        user.applicant_profile.locality_id = None
    req.status = DeletionStatus.COMPLETED.value
    req.decided_at = utcnow()
    req.decided_by_id = actor.id
    req.reason = None
    audit.record("personal_data.erased", req, actor=actor, before={"status": DeletionStatus.PENDING.value},
                 after={"status": req.status, "user_id": user.id, "entries": erased_entries,
                        "files_removed": len(keys)})
    db.session.flush()
    return keys


def _votes_of_voter(voter: Voter) -> list[Vote]:
    return list(db.session.scalars(select(Vote).where(Vote.voter_id == voter.id)))


def discard_objects(keys: list[str]) -> None:
    """Delete erased files from the object store (after the commit; a failure leaves an orphan for the sweep)."""
    from contest.entries import discard_objects

    discard_objects([k for k in keys if k])


# ------------------------------------------------------------------------------------------ access log


def log_access(kind: str, obj: Any = None, **details: Any) -> None:
    """Record that an organizer viewed (``kind="viewed"``) or exported (``"exported"``) personal data.

    Called from read-only pages, which have no commit of their own, so the event is committed here.
    """
    if kind not in ("viewed", "exported"):
        raise ValueError(kind)
    after = {k: v for k, v in details.items() if v is not None}
    if has_request_context():
        after.setdefault("path", request.full_path.rstrip("?")[:500])
    audit.record(f"personal_data.{kind}", obj, after=after or None,
                 object_type=None if obj is not None else str(details.get("list", "list"))[:40])
    db.session.commit()



def viewed(obj: Any) -> Any:
    """Log that an organizer opened ``obj``'s personal details, and hand it back (wraps a loader)."""
    log_access("viewed", obj)
    return obj


def exported(what: str, count: int) -> None:
    """Log that an organizer exported a list of ``count`` rows of ``what`` (with the filter in the path)."""
    log_access("exported", None, list=what, rows=count)
