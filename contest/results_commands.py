"""``flask contest finalize-results``: close the complaint period of published results.

Run it from cron or a systemd timer (e.g. hourly); it is idempotent: a set is finalized once,
and sets whose complaint period has not ended are left alone.
"""

from __future__ import annotations

import click

from contest import results
from contest.cli import contest_cli
from contest.extensions import db
from contest.i18n import format_datetime_local


@contest_cli.command("finalize-results")
def finalize_results_command() -> None:
    """Hoàn tất các kết quả đã công bố khi hết hạn khiếu nại."""
    done = results.finalize_due()
    db.session.commit()
    for rs in done:
        click.echo(f"Đã hoàn tất bảng kết quả #{rs.id} (hạn khiếu nại {format_datetime_local(rs.complaint_ends_at)}).")
    if not done:
        click.echo("Không có bảng kết quả nào đến hạn hoàn tất.")
