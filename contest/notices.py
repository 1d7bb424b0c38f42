"""Keeping applicants informed: emails in the recipient's language when their entry moves on, and the
plain-Vietnamese lines of their entry's timeline for what happened outside the entry itself (results
published, complaints filed and decided)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _, localized
from contest.mail import send_mail
from contest.models import (
    Award,
    Complaint,
    Entry,
    EntryRound,
    EntryStatus,
    ResultSet,
    ResultStatus,
    Round,
    User,
)


def _language(user: User | None) -> str:
    languages = current_app.config["LANGUAGES"]
    locale = getattr(user, "locale", None)
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def send_to_applicant(entry: Entry, subject_builder, template: str, **context: object) -> None:
    """One email to the entry's owner, rendered in their language (``subject_builder`` runs in it too)."""
    owner = entry.owner
    if owner is None or not owner.email:
        return
    if not has_request_context():
        with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"]):
            send_to_applicant(entry, subject_builder, template, **context)
            return
    with force_locale(_language(owner)):
        url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("entries.show_entry", entry_id=entry.id)
        send_mail(owner.email, str(subject_builder()), template, entry=entry, person=owner, url=url, **context)


def notify_round_outcome(entry: Entry, round_: Round, following: Round | None, advanced: bool) -> None:
    """Tell the applicant their entry advanced to ``following`` (with its schedule) or stopped at ``round_``."""
    if advanced:
        send_to_applicant(entry, lambda: _("Bài dự thi %(code)s được vào vòng tiếp theo", code=entry.reference_code),
                          "entry_round_outcome", advanced=True, round=round_, following=following)
    else:
        send_to_applicant(entry, lambda: _("Kết quả vòng thi của bài dự thi %(code)s", code=entry.reference_code),
                          "entry_round_outcome", advanced=False, round=round_, following=following)


# Entries no longer in the contest hear nothing more about a round's schedule.
NOT_PRESENTING = (EntryStatus.DRAFT.value, EntryStatus.WITHDRAWN.value, EntryStatus.INELIGIBLE.value,
                  EntryStatus.ELIMINATED.value)


def announce_presentation(round_: Round, *, previous_at: datetime | None = None,
                          previous_place: str | None = None) -> list[Entry]:
    """Tell every applicant whose entry is in ``round_`` when and where they present (an email in their
    language and a line on the entry's timeline); with ``previous_at`` the message says the schedule changed.

    Applicants seated in the round later read the schedule in the email telling them they advanced.
    """
    entries = db.session.scalars(
        select(Entry).join(EntryRound, EntryRound.entry_id == Entry.id)
        .where(EntryRound.round_id == round_.id, Entry.status.not_in(NOT_PRESENTING))
        .order_by(Entry.reference_code)
    ).all()
    changed = previous_at is not None
    action = "entry.presentation_rescheduled" if changed else "entry.presentation_scheduled"
    for entry in entries:
        audit.record(action, entry, before={"presentation_at": audit.jsonable(previous_at), "place": previous_place}
                     if changed else None,
                     after={"round_id": round_.id, "presentation_at": audit.jsonable(round_.presentation_at),
                            "place": round_.presentation_place})
        send_to_applicant(entry, partial(_presentation_subject, round_, entry, changed), "entry_presentation",
                          round=round_, changed=changed, previous_at=previous_at, previous_place=previous_place)
    return entries


def _presentation_subject(round_: Round, entry: Entry, changed: bool) -> str:
    if changed:
        return _("Thay đổi lịch thuyết trình %(round)s của bài dự thi %(code)s",
                 round=localized(round_, "name"), code=entry.reference_code)
    return _("Lịch thuyết trình %(round)s của bài dự thi %(code)s", round=localized(round_, "name"),
             code=entry.reference_code)


# --- timeline lines from outside the entry's own events ------------------------------------------


def outside_events(entry: Entry) -> list[tuple[object, str, str | None, str | None]]:
    """(when, label, detail, reason) for results published and complaints, in plain Vietnamese."""
    items: list[tuple[object, str, str | None, str | None]] = []
    published = db.session.execute(
        select(ResultSet.published_at, Award)
        .join(Award, Award.result_set_id == ResultSet.id)
        .where(Award.entry_id == entry.id, ResultSet.published_at.is_not(None),
               ResultSet.status.in_((ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value,
                                     ResultStatus.SUPERSEDED.value)))
    ).all()
    for when, award in published:
        level = award.level.name if award.level is not None else _("không đoạt giải")
        items.append((when, _("Ban tổ chức công bố kết quả"), level, None))
    for complaint in db.session.scalars(select(Complaint).where(Complaint.entry_id == entry.id)):
        items.append((complaint.filed_at, _("Gửi khiếu nại về kết quả"), None, None))
        if complaint.decided_at is not None:
            outcome = _("được chấp nhận") if complaint.status == "upheld" else _("không được chấp nhận")
            items.append((complaint.decided_at, _("Ban tổ chức giải quyết khiếu nại"), outcome,
                          complaint.decision_reason))
    return items
