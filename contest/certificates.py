"""Certificates of award that anyone can verify.

Each winner of a finalized result set gets a certificate with a short, unguessable
code and a QR code leading to the public page ``/xac-minh/<code>``, which shows the
award, the entry, its authors, the edition and whether the certificate is still valid.
When a correction is finalized, a certificate whose award the correction changed is
revoked (the page says so); one whose award is unchanged keeps its code.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date, datetime

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _, to_local
from contest.mail import external_url
from contest.models import (
    Award,
    Certificate,
    CertificateSettings,
    Edition,
    ResultSet,
    ResultStatus,
    User,
    utcnow,
)

# No 0/O, 1/I/L: a code read aloud or typed from paper stays unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 31**12 ≈ 2**59: not guessable, and the page is rate-limited


class CertificateError(Exception):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == CODE_LENGTH else raw


def settings_for(edition: Edition) -> CertificateSettings:
    """The edition's signing settings (defaults until the organizers set them)."""
    settings = db.session.get(CertificateSettings, edition.id)
    if settings is None:
        settings = CertificateSettings(edition_id=edition.id, place="Thái Nguyên")
    return settings


def update_settings(edition: Edition, *, place: str, signed_on: date | None, signer_title: str | None,
                    signer_name: str | None, actor: User | None = None) -> CertificateSettings:
    place = (place or "").strip()
    if not place:
        raise CertificateError(_("Vui lòng ghi địa danh nơi ký (ví dụ: Thái Nguyên)."))
    settings = db.session.get(CertificateSettings, edition.id)
    if settings is None:
        settings = CertificateSettings(edition_id=edition.id)
        db.session.add(settings)
    before = {"place": settings.place, "signer_title": settings.signer_title, "signer_name": settings.signer_name,
              "signed_on": settings.signed_on.isoformat() if settings.signed_on else None}
    settings.place = place
    settings.signed_on = signed_on
    settings.signer_title = (signer_title or "").strip() or None
    settings.signer_name = (signer_name or "").strip() or None
    db.session.flush()
    audit.record("certificates.settings", edition, actor=actor, before=before,
                 after={"place": place, "signer_title": settings.signer_title, "signer_name": settings.signer_name,
                        "signed_on": signed_on.isoformat() if signed_on else None})
    return settings


def administrative_date(place: str, day: date | datetime) -> str:
    """"Thái Nguyên, ngày 05 tháng 12 năm 2026": the date line of a Vietnamese administrative document."""
    if isinstance(day, datetime):
        day = to_local(day).date()
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def certificate_of(award: Award) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.award_id == award.id,
                                                       Certificate.revoked_at.is_(None)))


def _earlier_sets(rs: ResultSet) -> list[ResultSet]:
    chain, current = [], rs
    while current.supersedes_id is not None:
        current = db.session.get(ResultSet, current.supersedes_id)
        if current is None:
            break
        chain.append(current)
    return chain


def issue_certificates(rs: ResultSet, *, actor: User | None = None, now: datetime | None = None) -> list[Certificate]:
    """Give every winner of the finalized ``rs`` a certificate (once); settle those of the sets it corrects.

    A certificate from a corrected set follows its entry when the award's level is unchanged, and is
    revoked otherwise.
    """
    if rs.status != ResultStatus.FINALIZED.value:
        raise CertificateError(_("Chỉ cấp giấy chứng nhận cho kết quả đã hoàn tất."), 409)
    now = now or utcnow()
    awards = {a.entry_id: a for a in rs.awards}
    for earlier in _earlier_sets(rs):
        for old in db.session.scalars(select(Certificate).join(Award, Certificate.award_id == Award.id).where(
                Award.result_set_id == earlier.id, Certificate.revoked_at.is_(None))):
            new_award = awards.get(old.entry_id)
            if new_award is not None and new_award.level is not None and new_award.level.name == old.level_name:
                old.award_id = new_award.id
                continue
            old.revoked_at = now
            old.revoked_reason = _("Kết quả đã được đính chính (bản đính chính số %(id)d): %(reason)s",
                                   id=rs.id, reason=rs.correction_reason or "")
            audit.record("certificate.revoked", old, actor=actor, after={"code": old.code, "result_set_id": rs.id},
                         reason=old.revoked_reason)
    db.session.flush()
    issued = []
    for award in sorted(rs.awards, key=lambda a: a.rank):
        if award.level is None or certificate_of(award) is not None:
            continue
        certificate = Certificate(code=new_code(), award_id=award.id, entry_id=award.entry_id,
                                  level_name=award.level.name, issued_at=now)
        db.session.add(certificate)
        db.session.flush()
        audit.record("certificate.issued", certificate, actor=actor,
                     after={"code": certificate.code, "entry_id": award.entry_id, "level": award.level.name})
        issued.append(certificate)
    return issued


def find(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == normalize_code(code)))


def verification_url(certificate: Certificate) -> str:
    return external_url("public.verify_certificate", code=certificate.code)


def qr_data_uri(url: str) -> str:
    """The URL as an SVG QR code, inline in the certificate's HTML."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=3, dark="#1b3a2c")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def signing_date(rs: ResultSet, settings: CertificateSettings) -> date:
    when = settings.signed_on or (rs.finalized_at or rs.published_at or utcnow())
    return when if isinstance(when, date) and not isinstance(when, datetime) else to_local(when).date()
