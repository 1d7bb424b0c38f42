"""``flask contest send-reminders``: the scheduled reminder to judges with unsubmitted sheets.

Run it from cron or a systemd timer (e.g. every hour): each judge gets at most
one reminder per round per local day, however often it runs, because every
sent reminder is recorded in ReminderLog first.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from contest.cli import contest_cli
from contest.extensions import db


@contest_cli.command("send-reminders")
@click.option("--round-id", type=int, default=None, help="Chỉ nhắc cho một vòng chấm.")
def send_reminders_command(round_id: int | None) -> None:
    """Gửi email nhắc giám khảo còn phiếu chưa nộp (mỗi ngày một lần)."""
    from contest.admin.operations_rounds import send_reminders
    from contest.models import Round, RoundStatus

    query = select(Round.id).where(Round.status == RoundStatus.OPEN.value).order_by(Round.id)
    if round_id is not None:
        query = query.where(Round.id == round_id)
    ids = list(db.session.scalars(query))
    sent = already = 0
    # Mail templates are rendered like pages (context processors read the request): give them one.
    with current_app.test_request_context():
        for rid in ids:
            round_ = db.session.get(Round, rid)
            report = send_reminders(round_)
            db.session.commit()
            sent += len(report.sent)
            already += len(report.already)
            click.echo(f"{round_.name} (#{rid}): đã gửi {len(report.sent)}, đã nhắc hôm nay {len(report.already)}")
    click.echo(f"Tổng: đã gửi {sent} email nhắc chấm; {already} giám khảo đã được nhắc hôm nay; "
               f"{len(ids)} vòng đang mở.")
