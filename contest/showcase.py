"""The showcase (kỷ yếu): the winning solutions of an edition, for the public and a printed booklet.

Only winners of finalized result sets appear, and only those whose applicant agreed at submission;
an entry shows its title, authors, field, locality, summary and one image the applicant marked public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.models import Attachment, Award, Edition, Entry, ResultSet, ResultStatus, ShowcaseConsent, User, utcnow


def record_consent(entry: Entry, consent: bool, *, actor: User, now: datetime | None = None) -> ShowcaseConsent:
    """The applicant's choice at submission (asked again later, the newest answer counts)."""
    row = db.session.get(ShowcaseConsent, entry.id)
    if row is None:
        row = ShowcaseConsent(entry_id=entry.id)
        db.session.add(row)
    before = row.consent if row.chosen_at else None
    row.consent = bool(consent)
    row.chosen_at = now or utcnow()
    db.session.flush()
    audit.record("entry.showcase_consent", entry, actor=actor, before={"consent": before},
                 after={"consent": row.consent})
    return row


def consents(entry: Entry) -> bool:
    row = db.session.get(ShowcaseConsent, entry.id)
    return bool(row and row.consent)


@dataclass
class ShowcaseItem:
    award: Award
    entry: Entry
    image: Attachment | None


def image_of(entry: Entry) -> Attachment | None:
    return next((a for a in entry.attachments
                 if a.public and a.storage_key and (a.content_type or "").startswith("image/")), None)


def showcase(edition: Edition) -> list[ShowcaseItem]:
    """The consenting winners of the edition's finalized result sets, best prize first."""
    awards = db.session.scalars(
        select(Award).join(ResultSet, Award.result_set_id == ResultSet.id)
        .join(ShowcaseConsent, ShowcaseConsent.entry_id == Award.entry_id)
        .where(ResultSet.edition_id == edition.id, ResultSet.status == ResultStatus.FINALIZED.value,
               ShowcaseConsent.consent.is_(True))
    ).all()
    winners = [a for a in awards if a.level is not None]
    winners.sort(key=lambda a: (a.level.position, a.entry.category.position, a.rank))
    return [ShowcaseItem(a, a.entry, image_of(a.entry)) for a in winners]


def image_allowed(attachment: Attachment) -> bool:
    """An image is served publicly only as the picture of an entry that is in its edition's showcase."""
    entry = attachment.entry
    return any(item.image is not None and item.image.id == attachment.id for item in showcase(entry.edition))
