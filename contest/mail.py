"""Sending mail: messages leave only after the work they announce has been committed.

An operation calls :func:`send_mail` while it changes the models. The message is rendered at once (so it sees the
state and the reader's language of that moment) but only queued on the database session; the session's
``after_commit`` event delivers the queue, and a rollback discards it. So when a request's or a CLI command's commit
fails, nobody is told of results, invitations or decisions that do not exist. The rule for callers: a route or
command that sends mail commits, even when it changed nothing else.

Delivery is SMTP when ``MAIL_SERVER`` is set, otherwise .eml files in the outbox folder (every flow stays usable
offline in development; the message is also logged so a developer can follow the link). A failed send is retried
a few times; if it still fails the committed work stands, the failure is logged with its recipients and subject,
and the message is kept as an .eml file in ``<outbox>/failed/`` to be sent again by hand.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from email.policy import compat32
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from contest.extensions import mail

OUTBOX_KEY = "contest.mail.outbox"
SEND_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.5
# Bytes of UTF-8 text per RFC 2047 encoded word: "Subject: " plus one word stays within 78 characters a line.
_ENCODED_WORD_BYTES = 39


def encoded_subject(subject: str) -> str:
    """The subject as RFC 2047 encoded words that each carry whole characters, spaces included.

    Python's header folding (used by Flask-Mail) cuts a non-ASCII subject at a space and leaves that space *between*
    two encoded words, where readers must ignore it: "chấm – Vòng" arrived as "chấm– Vòng". Here the spaces stay
    inside the words, and lines are short enough that the mail library sends them as they are.
    """
    try:
        subject.encode("ascii")
    except UnicodeEncodeError:
        pass
    else:
        return subject
    words, chunk = [], b""
    for character in subject:
        encoded = character.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > _ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


class ContestMessage(Message):
    """A Flask-Mail message whose non-ASCII subject survives the trip (see :func:`encoded_subject`)."""

    def _message(self):  # type: ignore[no-untyped-def]
        message = super()._message()
        if self.subject:
            # Stored as written (the compat32 policy keeps a folded value); its short lines are then sent unchanged.
            sending_policy, message.policy = message.policy, compat32
            del message["Subject"]
            message["Subject"] = encoded_subject(self.subject)
            message.policy = sending_policy
        return message



def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for an email or a share button, built on PUBLIC_BASE_URL.

    Works the same inside a request and in CLI commands or cron jobs, where
    there is no request to take the host from.
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def send_mail(to: str | list[str], subject: str, template: str, **context: object) -> Message:
    """Render ``templates/mail/<template>.txt`` for ``to`` and queue it until the session commits."""
    from contest.extensions import db

    recipients = [to] if isinstance(to, str) else list(to)
    body = render_template(f"mail/{template}.txt", **context)
    message = ContestMessage(subject=subject, recipients=recipients, body=body)
    db.session.info.setdefault(OUTBOX_KEY, []).append(message)
    return message


def pending_messages() -> list[Message]:
    """What the current session will send when it commits."""
    from contest.extensions import db

    return list(db.session.info.get(OUTBOX_KEY, []))


def discard_pending_messages() -> int:
    """Drop what the current session would send at its commit (made-up data such as the demo's); returns how many."""
    from contest.extensions import db

    return len(db.session.info.pop(OUTBOX_KEY, None) or [])


def init_app(app: Flask) -> None:
    """Deliver each session's queued mail after its commit; drop it on rollback."""
    if not event.contains(Session, "after_commit", _deliver_after_commit):
        event.listen(Session, "after_commit", _deliver_after_commit)
        event.listen(Session, "after_soft_rollback", _discard_after_rollback)


def _deliver_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released: the real commit is still to come
        return
    queued = session.info.pop(OUTBOX_KEY, None)
    for message in queued or []:
        try:
            _deliver(message)
        except Exception:  # even keeping a copy failed: log it, never undo or fail the committed request
            current_app.logger.exception("Mail to %s (%s) was lost", ", ".join(message.recipients), message.subject)


def _discard_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(OUTBOX_KEY, None)


def _deliver(message: Message) -> None:
    if not (current_app.config["MAIL_SERVER"] or current_app.testing):
        _write_to_outbox(message)
        return
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            # Under test Flask-Mail suppresses delivery and record_messages() sees the message.
            mail.send(message)
            return
        except Exception:  # any SMTP or network failure: the committed work must stand
            current_app.logger.warning("Sending mail to %s failed (attempt %d of %d)",
                                       ", ".join(message.recipients), attempt, SEND_ATTEMPTS, exc_info=True)
            if attempt < SEND_ATTEMPTS:
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
    kept = _write_to_outbox(message, folder="failed")
    current_app.logger.error("Mail to %s (%s) could not be sent; kept in %s for a manual resend",
                             ", ".join(message.recipients), message.subject, kept)


def _write_to_outbox(message: Message, folder: str | None = None) -> Path:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if folder:
        outbox = outbox / folder
    outbox.mkdir(parents=True, exist_ok=True)
    if message.sender is None:
        message.sender = current_app.config["MAIL_DEFAULT_SENDER"]
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(message.as_bytes())
    links = " ".join(re.findall(r"https?://\S+", message.body or ""))
    current_app.logger.warning(
        "Mail to %s written to %s %s", ", ".join(message.recipients), path, links
    )
    return path
