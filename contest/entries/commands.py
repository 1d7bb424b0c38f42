"""``flask contest storage-check``: objects without rows, rows without objects, and sweeping orphans."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import String, select

from contest.cli import contest_cli
from contest.extensions import db
from contest.i18n import format_datetime_local, format_size
from contest.models import Attachment, Base
from contest.storage import StorageError, find_orphans, get_store, missing_objects


def known_keys() -> set[str]:
    """Every object key any row refers to: attachments and any other ``*storage_key``/``*_document_key``
    column (an edition's rules document lives in the same store)."""
    keys: set[str] = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and (
                column.name == "storage_key" or column.name.endswith(("_storage_key", "_document_key"))
            ):
                keys.update(k for k in db.session.scalars(select(column).where(column.is_not(None))) if k)
    return keys


@contest_cli.command("storage-check")
@click.option("--sweep", is_flag=True, help="Xoá các đối tượng không có bản ghi nào trỏ tới (đủ cũ).")
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="Chỉ tính là mồ côi khi đã được ghi quá số giờ này (bảo vệ các tệp đang tải lên).")
def storage_check_command(sweep: bool, older_than: float) -> None:
    """Đối chiếu kho lưu trữ với cơ sở dữ liệu: tệp không có bản ghi và bản ghi mất tệp."""
    store = get_store()
    try:
        orphans = find_orphans(store, known_keys(), timedelta(hours=older_than))
        attachments = db.session.scalars(
            select(Attachment).where(Attachment.storage_key.is_not(None)).order_by(Attachment.id)
        ).all()
        missing = set(missing_objects(store, [a.storage_key for a in attachments]))
    except StorageError as exc:
        raise click.ClickException(f"Kho lưu trữ tạm thời không truy cập được: {exc}") from exc

    click.echo(f"Đối tượng không có bản ghi (cũ hơn {older_than:g} giờ): {len(orphans)}")
    for info in orphans:
        click.echo(f"  {info.key}  {format_size(info.size)}  {format_datetime_local(info.last_modified)}")
    lost = [a for a in attachments if a.storage_key in missing]
    click.echo(f"Bản ghi mất tệp: {len(lost)}")
    for a in lost:
        click.echo(f"  tệp #{a.id} bài {a.entry.reference_code}: {a.display_filename} ({a.storage_key})")
    if sweep:
        removed = 0
        for info in orphans:
            try:
                store.delete(info.key)
                removed += 1
            except StorageError as exc:
                click.echo(f"  không xoá được {info.key}: {exc}", err=True)
        removed += getattr(store, "sweep_temporaries", lambda _age: 0)(timedelta(hours=older_than))
        click.echo(f"Đã xoá {removed} đối tượng mồ côi.")
    if lost:
        raise SystemExit(1)
