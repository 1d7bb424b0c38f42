"""Sending mail: SMTP when ``MAIL_SERVER`` is set, otherwise .eml files in the outbox folder.

The folder fallback keeps every flow usable offline in development; the
message is also logged so a developer can follow the link.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mail import Message

from contest.extensions import mail


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for an email or a share button, built on PUBLIC_BASE_URL.

    Works the same inside a request and in CLI commands or cron jobs, where
    there is no request to take the host from.
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def send_mail(to: str | list[str], subject: str, template: str, **context: object) -> Message:
    """Render ``templates/mail/<template>.txt`` and send it to ``to``."""
    recipients = [to] if isinstance(to, str) else list(to)
    body = render_template(f"mail/{template}.txt", **context)
    message = Message(subject=subject, recipients=recipients, body=body)
    if current_app.config["MAIL_SERVER"] or current_app.testing:
        # Under test Flask-Mail suppresses delivery and record_messages() sees the message.
        mail.send(message)
    else:
        _write_to_outbox(message)
    return message


def _write_to_outbox(message: Message) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    if message.sender is None:
        message.sender = current_app.config["MAIL_DEFAULT_SENDER"]
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(message.as_bytes())
    links = " ".join(re.findall(r"https?://\S+", message.body or ""))
    current_app.logger.warning(
        "Mail to %s written to %s %s", ", ".join(message.recipients), path, links
    )
