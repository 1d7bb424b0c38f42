"""Judges' accounts: invitations, imports, profiles, deactivation and conflicts of interest.

The judge's own pages (accepting an invitation, the profile) call the same
operations as the organizers' pages, so every change to a judge leaves one
kind of audit event whoever made it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.assignments import cancel_assignment, cancel_conflicted, open_assignments
from contest.conflicts import ConflictContext, conflict_reasons, declare_conflict, undecided_near_matches
from contest.extensions import db
from contest.i18n import _
from contest.mail import external_url, send_mail
from contest.models import (
    AffiliationStatus,
    Assignment,
    Category,
    ConflictOfInterest,
    ConflictSource,
    Edition,
    EditionStatus,
    Entry,
    EntryStatus,
    JudgeAffiliation,
    JudgeProfile,
    Role,
    Round,
    User,
    utcnow,
)
from contest.organizations import organization_key, register_organization_name
from contest.passwords import hash_password
from contest.search import fold
from contest.tokens import TokenInvalid, make_token, read_token

INVITE_PURPOSE = "judge-invite"
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class JudgeError(Exception):
    """A refused request about a judge; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------- the edition whose fields judges choose from


def current_edition() -> Edition | None:
    """The edition judges are recruited for: the latest open one, else the latest not archived."""
    editions = db.session.scalars(
        select(Edition).where(Edition.status != EditionStatus.ARCHIVED.value).order_by(Edition.year.desc(),
                                                                                         Edition.id.desc())
    ).all()
    return next((e for e in editions if e.status == EditionStatus.OPEN.value), editions[0] if editions else None)


def field_choices(edition: Edition | None) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in edition.categories] if edition else []


def split_expertise(terms: Iterable[str], categories: Sequence[Category]) -> tuple[list[str], list[str]]:
    """Separate an edition's field codes (given by code or by name) from free keywords."""
    by_name = {}
    for category in categories:
        by_name[fold(category.code)] = category.code
        by_name[fold(category.name)] = category.code
    codes: list[str] = []
    keywords: list[str] = []
    for term in terms:
        term = " ".join(term.split())
        if not term:
            continue
        code = by_name.get(fold(term))
        if code is not None:
            if code not in codes:
                codes.append(code)
        elif fold(term) not in {fold(k) for k in keywords}:
            keywords.append(term)
    return codes, keywords


def judge_json(user: User) -> dict[str, object]:
    profile = user.judge_profile
    return {
        "email": user.email,
        "full_name": user.full_name,
        "active": user.active,
        "organization": profile.organization if profile else None,
        "pending_organizations": [a.typed_name for a in pending_affiliations(user)],
        "expertise_categories": list(profile.expertise_categories or []) if profile else [],
        "expertise_keywords": profile.expertise_keywords if profile else None,
        "max_load": profile.max_load if profile else None,
    }


def _keywords_text(keywords: Iterable[str]) -> str | None:
    cleaned = [" ".join(k.split()) for k in keywords if k and k.strip()]
    return "; ".join(cleaned) or None


# ---------------------------------------------------------------- invitations


def invite_judge(
    *,
    email: str,
    full_name: str,
    organization: str | None = None,
    title: str | None = None,
    categories: Sequence[str] = (),
    keywords: Sequence[str] = (),
    max_load: int | None = None,
    invited_by: User | None = None,
) -> User:
    """Create (or extend) an account with the judge role and email it a signed invitation link.

    The invitation leaves after the caller's commit (see :mod:`contest.mail`).

    An existing account of another kind (an organizer, a former applicant)
    gains the judge role; an account that is already a judge is refused.
    """
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.has_role(Role.JUDGE):
        raise JudgeError(_("%(email)s đã là giám khảo.", email=email))
    if user is None:
        user = User(email=email, full_name=full_name.strip(), password_hash=None)
        db.session.add(user)
    elif not user.email_verified:
        # Anyone may have registered this address without owning the mailbox: the role must go to
        # whoever proves it. The unproven password is dropped and its sessions end; the invitation
        # link (sent to the mailbox) sets the password.
        user.password_hash = None
        user.session_version += 1
        audit.record("user.unverified_claim_released", user, actor=invited_by, reason="judge.invited")
    user.add_role(Role.JUDGE)
    profile = user.judge_profile or JudgeProfile()
    user.judge_profile = profile
    profile.title = title or None
    profile.expertise_categories = list(categories)
    profile.expertise_keywords = _keywords_text(keywords)
    profile.max_load = max_load
    db.session.flush()
    record_judge_organization(user, organization, actor=invited_by)
    profile.invited_by_id = invited_by.id if invited_by else None
    profile.invited_at = utcnow()
    db.session.flush()
    audit.record("judge.invited", user, actor=invited_by, after=judge_json(user))
    send_invitation(user)
    return user


def invitation_token(user: User) -> str:
    # The session version dies when the password is set: the link works once.
    return make_token(INVITE_PURPOSE, {"uid": user.id, "email": user.email, "v": user.session_version})


def send_invitation(user: User) -> None:
    max_age = current_app.config["JUDGE_INVITE_MAX_AGE_SECONDS"]
    send_mail(
        user.email,
        _("Thư mời tham gia Hội đồng giám khảo"),
        "judge_invitation",
        user=user,
        link=external_url("judge.accept_invitation", token=invitation_token(user)),
        days=max(1, max_age // 86400),
    )


def resend_invitation(user: User, *, actor: User | None = None) -> None:
    if user.judge_profile is None or user.judge_profile.profile_completed_at is not None:
        raise JudgeError(_("Giám khảo này đã nhận lời mời; không cần gửi lại."))
    if not user.active:
        raise JudgeError(_("Giám khảo này đã bị ngừng hoạt động."))
    user.judge_profile.invited_at = utcnow()
    audit.record("judge.invitation_resent", user, actor=actor)
    send_invitation(user)


def judge_for_invitation(token: str) -> User:
    """The invited judge named by ``token``; raises TokenExpired / TokenInvalid."""
    max_age = current_app.config["JUDGE_INVITE_MAX_AGE_SECONDS"]
    data = read_token(INVITE_PURPOSE, token, max_age=max_age)
    user = db.session.get(User, data.get("uid"))
    if (
        user is None
        or user.email != data.get("email")
        or user.session_version != data.get("v")
        or not user.active
        or not user.has_role(Role.JUDGE)
    ):
        raise TokenInvalid()
    return user


def accept_invitation(
    user: User,
    *,
    password: str,
    full_name: str,
    organization: str | None,
    title: str | None,
    categories: Sequence[str],
    keywords: Sequence[str],
    max_load: int | None,
) -> User:
    """The invitee sets a password and completes the profile; the link stops working."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    user.full_name = full_name
    profile = user.judge_profile or JudgeProfile()
    user.judge_profile = profile
    profile.title = title or None
    profile.expertise_categories = list(categories)
    profile.expertise_keywords = _keywords_text(keywords)
    profile.max_load = max_load
    profile.profile_completed_at = utcnow()
    db.session.flush()
    propose_judge_organization(user, organization, actor=user)
    if user.email_verified_at is None:
        from contest.accounts import mark_email_verified

        mark_email_verified(user)  # the emailed link proves the address
    audit.record("judge.invitation_accepted", user, actor=user, after=judge_json(user))
    cancel_conflicted(user, actor=user)
    return user


def update_judge_profile(
    user: User,
    *,
    organization: str | None,
    title: str | None,
    categories: Sequence[str],
    keywords: Sequence[str],
    max_load: int | None,
    actor: User | None = None,
) -> list[Assignment]:
    """Save a judge's profile; returns the open pairs a new organization put in conflict (now ended).

    The organization a judge types is a proposal for the organizers (:func:`propose_judge_organization`); an
    organizer editing the profile records it at once.
    """
    profile = user.judge_profile or JudgeProfile()
    user.judge_profile = profile
    before = judge_json(user)
    if actor is not None and actor.id != user.id and actor.has_role(Role.ORGANIZER):
        record_judge_organization(user, organization, actor=actor)
    else:
        propose_judge_organization(user, organization, actor=actor or user)
    profile.title = title or None
    profile.expertise_categories = list(categories)
    profile.expertise_keywords = _keywords_text(keywords)
    profile.max_load = max_load
    profile.profile_completed_at = profile.profile_completed_at or utcnow()
    db.session.flush()
    after = judge_json(user)
    if after != before:
        audit.record("judge.profile_updated", user, actor=actor, before=before, after=after)
    return cancel_conflicted(user, actor=actor)


# ---------------------------------------------------------------- the organization a judge belongs to


def affiliations(judge: User) -> list[JudgeAffiliation]:
    """The judge's organizations over time, newest first."""
    return list(db.session.scalars(
        select(JudgeAffiliation).where(JudgeAffiliation.judge_id == judge.id)
        .order_by(JudgeAffiliation.created_at.desc(), JudgeAffiliation.id.desc())
    ))


def pending_affiliations(judge: User) -> list[JudgeAffiliation]:
    if judge.id is None:
        return []
    return [a for a in affiliations(judge) if a.status == AffiliationStatus.PENDING.value]


def _affiliation_json(affiliation: JudgeAffiliation) -> dict[str, object]:
    return {"judge_id": affiliation.judge_id, "organization": affiliation.typed_name,
            "organization_id": affiliation.organization_id, "status": affiliation.status,
            "ended_at": affiliation.ended_at.isoformat() if affiliation.ended_at else None}


def _end_current_affiliations(judge: User, *, keep: JudgeAffiliation | None = None) -> None:
    """The organization recorded until now becomes history: it still binds the editions it overlaps."""
    now = utcnow()
    current = [a for a in affiliations(judge)
               if a.status == AffiliationStatus.CONFIRMED.value and a.ended_at is None and a is not keep]
    recorded = judge.judge_profile.organization if judge.judge_profile else None
    if recorded and not any(organization_key(a.typed_name) == organization_key(recorded) for a in current):
        # Recorded before affiliations were kept: written into the history now so that it is not lost.
        organization = register_organization_name(recorded, actor=None)
        db.session.add(JudgeAffiliation(
            judge_id=judge.id, organization_id=organization.id if organization else None, typed_name=recorded,
            status=AffiliationStatus.CONFIRMED.value, ended_at=now,
        ))
    for affiliation in current:
        affiliation.ended_at = now


def record_judge_organization(judge: User, organization: str | None, *, actor: User | None) -> None:
    """An organizer records the judge's organization: it is confirmed at once and the previous one ends."""
    name = " ".join((organization or "").split())
    profile = judge.judge_profile
    if profile is None or organization_key(name) == organization_key(profile.organization):
        return
    _end_current_affiliations(judge)
    if name:
        kept = register_organization_name(name, actor=actor, confirmed=True)
        affiliation = JudgeAffiliation(
            judge_id=judge.id, organization_id=kept.id if kept else None, typed_name=name,
            status=AffiliationStatus.CONFIRMED.value, proposed_by_id=actor.id if actor else None,
            decided_by_id=actor.id if actor else None, decided_at=utcnow(),
        )
        db.session.add(affiliation)
        db.session.flush()
        audit.record("judge.organization_recorded", affiliation, actor=actor, after=_affiliation_json(affiliation))
    profile.organization = name or None
    db.session.flush()


def propose_judge_organization(judge: User, organization: str | None, *, actor: User | None) -> \
        JudgeAffiliation | None:
    """The judge's own edit of their organization: a proposal for the organizers, pending until they decide.

    It never lifts a conflict: the organization recorded by the organizers stays, and the pending one counts
    for conflicts too (:mod:`contest.conflicts`). Clearing the field proposes nothing.
    """
    name = " ".join((organization or "").split())
    key = organization_key(name)
    if not key or judge.judge_profile is None:
        return None
    if key == organization_key(judge.judge_profile.organization):
        return None
    for existing in affiliations(judge):
        if existing.status == AffiliationStatus.PENDING.value and organization_key(existing.typed_name) == key:
            return existing
    kept = register_organization_name(name, actor=actor)
    affiliation = JudgeAffiliation(
        judge_id=judge.id, organization_id=kept.id if kept else None, typed_name=name,
        status=AffiliationStatus.PENDING.value, proposed_by_id=actor.id if actor else None,
    )
    db.session.add(affiliation)
    db.session.flush()
    audit.record("judge.organization_proposed", affiliation, actor=actor, after=_affiliation_json(affiliation),
                 before={"organization": judge.judge_profile.organization})
    return affiliation


def confirm_judge_affiliation(affiliation: JudgeAffiliation, *, actor: User | None) -> list[Assignment]:
    """An organizer approves the judge's proposal: it becomes the recorded organization, the previous one is
    history (still binding the editions it overlaps). Returns the open pairs now in conflict (ended)."""
    if affiliation.status != AffiliationStatus.PENDING.value:
        raise JudgeError(_("Đề xuất đơn vị này đã được xử lý."))
    judge = db.session.get(User, affiliation.judge_id)
    assert judge is not None and judge.judge_profile is not None
    before = _affiliation_json(affiliation)
    _end_current_affiliations(judge, keep=affiliation)
    affiliation.status = AffiliationStatus.CONFIRMED.value
    affiliation.decided_by_id = actor.id if actor else None
    affiliation.decided_at = utcnow()
    judge.judge_profile.organization = affiliation.typed_name
    db.session.flush()
    audit.record("judge.organization_confirmed", affiliation, actor=actor, before=before,
                 after=_affiliation_json(affiliation))
    return cancel_conflicted(judge, actor=actor)


def reject_judge_affiliation(affiliation: JudgeAffiliation, *, reason: str, actor: User | None) -> None:
    """An organizer finds the judge's proposal wrong: it counts for nothing more; the recorded one stays."""
    reason = (reason or "").strip()
    if not reason:
        raise JudgeError(_("Vui lòng ghi lý do không chấp nhận đơn vị đề xuất."), status=422)
    if affiliation.status != AffiliationStatus.PENDING.value:
        raise JudgeError(_("Đề xuất đơn vị này đã được xử lý."))
    before = _affiliation_json(affiliation)
    affiliation.status = AffiliationStatus.REJECTED.value
    affiliation.decided_by_id = actor.id if actor else None
    affiliation.decided_at = utcnow()
    db.session.flush()
    audit.record("judge.organization_rejected", affiliation, actor=actor, before=before,
                 after=_affiliation_json(affiliation), reason=reason)


# ---------------------------------------------------------------- importing a list


@dataclass
class ImportRow:
    line: int
    email: str
    full_name: str
    organization: str | None = None
    title: str | None = None
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    max_load: int | None = None


class ImportRejected(JudgeError):
    """The file cannot be imported; ``problems`` lists (line, message), line 0 for the whole file."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(_("Không nhập được danh sách: %(n)d lỗi. Chưa có giám khảo nào được thêm.",
                           n=len(problems)), status=422)
        self.problems = problems


COLUMNS = {
    "email": ("email", "e-mail", "thu dien tu", "dia chi email"),
    "full_name": ("full_name", "full name", "ho ten", "ho va ten", "ten"),
    "organization": ("organization", "don vi", "co quan", "don vi cong tac", "to chuc"),
    "title": ("title", "chuc danh", "hoc ham hoc vi", "hoc ham, hoc vi"),
    "expertise": ("expertise", "chuyen mon", "linh vuc", "linh vuc chuyen mon"),
    "keywords": ("keywords", "tu khoa"),
    "max_load": ("max_load", "max load", "so bai toi da", "toi da"),
}


def _column_for(header: str) -> str | None:
    name = fold(header).replace("_", " ").strip()
    for column, aliases in COLUMNS.items():
        if name in {a.replace("_", " ") for a in aliases}:
            return column
    return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file (first sheet), as text."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected([(0, _("Tệp quá lớn (tối đa %(mb)d MB).", mb=MAX_IMPORT_BYTES // (1024 * 1024)))])
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ImportRejected([(0, _("Không đọc được tệp Excel (.xlsx). Tệp có thể bị hỏng."))]) from None
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    if name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected([(0, _("Tệp CSV phải được lưu với mã UTF-8."))]) from None
        first = text.splitlines()[0] if text else ""
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    raise ImportRejected([(0, _("Chỉ nhận tệp .csv hoặc .xlsx."))])


def parse_judge_rows(table: list[list[str]], categories: Sequence[Category]) -> list[ImportRow]:
    """Check every row; raises :class:`ImportRejected` listing every problem, or returns the rows."""
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise ImportRejected([(0, _("Tệp không có dữ liệu."))])
    header = [_column_for(h) for h in table[0]]
    missing = [c for c in ("email", "full_name") if c not in header]
    if missing:
        raise ImportRejected([(1, _("Thiếu cột bắt buộc: %(cols)s. Dòng đầu tiên phải là tên cột "
                                    "(email, full_name, organization, expertise, max_load).",
                                    cols=", ".join(missing)))])
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ImportRejected([(0, _("Tối đa %(n)d giám khảo mỗi lần nhập.", n=MAX_IMPORT_ROWS))])
    problems: list[tuple[int, str]] = []
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue
        values: dict[str, str] = {}
        for column, value in zip(header, raw, strict=False):  # a short row leaves its last columns empty
            if column:
                values[column] = " ".join(value.split())
        email = values.get("email", "").lower()
        full_name = values.get("full_name", "")
        row_problems = []
        if not email:
            row_problems.append(_("thiếu email"))
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                row_problems.append(_("email “%(email)s” không hợp lệ", email=email))
        if not full_name:
            row_problems.append(_("thiếu họ và tên"))
        elif len(full_name) > 200:
            row_problems.append(_("họ và tên dài quá 200 ký tự"))
        if len(values.get("organization", "")) > 300:
            row_problems.append(_("tên đơn vị dài quá 300 ký tự"))
        max_load = None
        if values.get("max_load"):
            try:
                max_load = int(values["max_load"])
                if max_load < 0:
                    raise ValueError
            except ValueError:
                row_problems.append(_("số bài tối đa “%(v)s” phải là số nguyên không âm", v=values["max_load"]))
        if email and email in seen:
            row_problems.append(_("email trùng với dòng %(line)d", line=seen[email]))
        elif email:
            seen[email] = number
            existing = db.session.scalar(select(User).where(User.email == email))
            if existing is not None and existing.has_role(Role.JUDGE):
                row_problems.append(_("%(email)s đã là giám khảo", email=email))
        terms = [t for t in values.get("expertise", "").split(";")] + [t for t in values.get("keywords", "").split(";")]
        codes, keywords = split_expertise(terms, categories)
        if row_problems:
            problems.append((number, "; ".join(row_problems)))
            continue
        rows.append(ImportRow(
            line=number, email=email, full_name=full_name, organization=values.get("organization") or None,
            title=values.get("title") or None, categories=codes, keywords=keywords, max_load=max_load,
        ))
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([(0, _("Tệp không có dòng giám khảo nào."))])
    return rows


def import_judges(
    filename: str, data: bytes, *, edition: Edition | None, invited_by: User | None
) -> list[User]:
    """Invite every judge of a CSV/XLSX list, or nobody if any row is wrong (invitations leave after the commit)."""
    rows = parse_judge_rows(read_table(filename, data), edition.categories if edition else [])
    users = [
        invite_judge(
            email=row.email, full_name=row.full_name, organization=row.organization, title=row.title,
            categories=row.categories, keywords=row.keywords, max_load=row.max_load, invited_by=invited_by,
        )
        for row in rows
    ]
    audit.record("judge.imported", None, actor=invited_by, object_type="users",
                 after={"filename": filename, "count": len(users)})
    return users


# ---------------------------------------------------------------- deactivation


@dataclass
class Deactivation:
    cancelled: list[Assignment]

    def holes_by_round(self) -> list[tuple[Round, list[Entry]]]:
        rounds: dict[int, tuple[Round, list[Entry]]] = {}
        for assignment in self.cancelled:
            rounds.setdefault(assignment.round_id, (assignment.round, []))[1].append(assignment.entry)
        return list(rounds.values())


def deactivate_judge(judge: User, *, reason: str, actor: User | None = None) -> Deactivation:
    """Stop a judge: their pairs in rounds not yet closed are cancelled, leaving holes to fill.

    A judge-only account can no longer log in; an account with other roles
    (an organizer who also judged) only loses the judge role.
    """
    reason = (reason or "").strip()
    if not reason:
        raise JudgeError(_("Vui lòng ghi lý do ngừng hoạt động giám khảo."), status=422)
    if not judge.has_role(Role.JUDGE) or (not judge.active and judge.roles == {Role.JUDGE}):
        return Deactivation(cancelled=[])
    before = judge_json(judge)
    cancelled = [cancel_assignment(a, reason, actor) for a in open_assignments(judge)]
    if judge.roles == {Role.JUDGE}:
        judge.active = False
    else:
        judge.remove_role(Role.JUDGE)
    db.session.flush()
    audit.record("judge.deactivated", judge, actor=actor, before=before,
                 after={**judge_json(judge), "cancelled_assignments": [a.id for a in cancelled]}, reason=reason)
    return Deactivation(cancelled=cancelled)


def reactivate_judge(judge: User, *, actor: User | None = None) -> None:
    if judge.active and judge.has_role(Role.JUDGE):
        return
    judge.active = True
    judge.add_role(Role.JUDGE)
    db.session.flush()
    audit.record("judge.reactivated", judge, actor=actor, after=judge_json(judge))


def is_active_judge(user: User) -> bool:
    return user.active and user.has_role(Role.JUDGE)


# ---------------------------------------------------------------- conflicts of interest


def add_conflict(
    judge: User,
    *,
    source: ConflictSource,
    entry: Entry | None = None,
    organization: str | None = None,
    reason: str | None = None,
    actor: User | None = None,
) -> tuple[ConflictOfInterest, list[Assignment]]:
    """Record a conflict and end at once the judge's open pairs it forbids."""
    if entry is None and not (organization or "").strip():
        raise JudgeError(_("Hãy chọn một bài dự thi hoặc ghi tên một đơn vị."), status=422)
    conflict = declare_conflict(
        judge, source=source, entry=entry, organization=(organization or "").strip() or None,
        reason=(reason or "").strip() or None, declared_by=actor,
    )
    db.session.flush()
    return conflict, cancel_conflicted(judge, actor=actor)


def withdraw_conflict(conflict: ConflictOfInterest, *, reason: str, actor: User | None = None) -> None:
    """An organizer removes a declaration made in error (the pairs it ended stay ended)."""
    reason = (reason or "").strip()
    if not reason:
        raise JudgeError(_("Vui lòng ghi lý do gỡ xung đột lợi ích."), status=422)
    audit.record(
        "conflict.withdrawn", conflict, actor=actor, reason=reason,
        before={"judge_id": conflict.judge_id, "entry_id": conflict.entry_id,
                "organization": conflict.organization, "source": conflict.source},
    )
    db.session.delete(conflict)
    db.session.flush()


def declared_conflicts(judge: User) -> list[ConflictOfInterest]:
    return list(db.session.scalars(
        select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id)
        .options(selectinload(ConflictOfInterest.entry)).order_by(ConflictOfInterest.created_at)
    ))


def judged_entries(edition: Edition) -> list[Entry]:
    """The edition's entries that can be judged (submitted and beyond), by reference code."""
    return list(db.session.scalars(
        select(Entry)
        .where(Entry.edition_id == edition.id,
               Entry.status.not_in((EntryStatus.DRAFT.value, EntryStatus.WITHDRAWN.value)))
        .options(selectinload(Entry.members), selectinload(Entry.conflict_declarations),
                 selectinload(Entry.category))
        .order_by(Entry.reference_code)
    ))


def conflicts_in_edition(edition: Edition, judges: Sequence[User]) -> list[tuple[User, Entry, list[str]]]:
    """Every (judge, entry) pair in conflict in ``edition``, with the reasons and their sources."""
    entries = judged_entries(edition)
    context = ConflictContext.for_judges(judges)
    found = []
    for judge in judges:
        for entry in entries:
            reasons = conflict_reasons(judge, entry, context.declared[judge.id], context)
            if reasons:
                found.append((judge, entry, reasons))
    return found


@dataclass
class NearMatchGroup:
    """Two organization names that look alike, and the judge–entry pairs waiting for the organizers' word."""

    judge_organization: str
    entry_organization: str
    pairs: list[tuple[User, Entry]]


def near_matches_in_edition(edition: Edition, judges: Sequence[User]) -> list[NearMatchGroup]:
    """Every undecided near match between ``judges`` and the edition's entries, grouped by the two names."""
    groups: dict[tuple[str, str], NearMatchGroup] = {}
    for found in undecided_near_matches(judged_entries(edition), judges):
        key = (found.judge_organization, found.entry_organization)
        group = groups.setdefault(key, NearMatchGroup(found.judge_organization, found.entry_organization, []))
        group.pairs.append((found.judge, found.entry))
    return list(groups.values())


def find_entry(edition: Edition | None, reference_code: str) -> Entry | None:
    code = (reference_code or "").strip().upper()
    if not code:
        return None
    query = select(Entry).where(Entry.reference_code == code)
    if edition is not None:
        query = query.where(Entry.edition_id == edition.id)
    return db.session.scalars(query.order_by(Entry.id.desc())).first()
