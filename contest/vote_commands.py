"""``flask contest freeze-votes``: freeze the tally of every voting period that has closed (run by cron)."""

from __future__ import annotations

import click
from sqlalchemy import select

from contest import votes
from contest.cli import contest_cli
from contest.extensions import db
from contest.models import VotingPeriod, utcnow


@contest_cli.command("freeze-votes")
def freeze_votes_command() -> None:
    """Chốt kết quả của mọi đợt bình chọn đã đóng (kèm mã băm SHA-256 của các phiếu)."""
    now = utcnow()
    due = db.session.scalars(
        select(VotingPeriod).where(VotingPeriod.frozen_at.is_(None), VotingPeriod.closes_at <= now)
        .order_by(VotingPeriod.id)
    ).all()
    for period in due:
        votes.freeze_tally(period, now=now)
        click.echo(f"Đợt bình chọn #{period.id}: {period.tally['votes']} phiếu, mã băm {period.tally_hash}")
    db.session.commit()
    if not due:
        click.echo("Không có đợt bình chọn nào cần chốt.")
