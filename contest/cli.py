"""Every ``flask contest …`` command: accounts, demo data, object storage, reminders, results and the public vote.

Each command calls its area's operations and commits once, as a request does.
"""

from __future__ import annotations

import getpass
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import String, select

from contest import results, votes
from contest.extensions import db
from contest.i18n import format_datetime_local, format_size
from contest.models import Attachment, Base, VotingPeriod, utcnow
from contest.storage import StorageError, find_orphans, get_store, missing_objects

# ---------------------------------------------------------------------------------------------- accounts and demo data
contest_cli = AppGroup("contest", help="Quản trị cuộc thi (contest administration).")


@contest_cli.command("create-organizer")
@click.argument("email")
@click.option("--name", default="Ban tổ chức", help="Họ và tên.")
@click.option("--password", default=None, help="Mật khẩu (hỏi nếu bỏ trống).")
def create_organizer_command(email: str, name: str, password: str | None) -> None:
    """Tạo (hoặc nâng quyền) một tài khoản Ban tổ chức."""
    from contest.accounts import create_organizer
    from contest.passwords import password_problems

    if password is None:
        password = getpass.getpass("Mật khẩu: ")
    problems = password_problems(password, email)
    if problems:
        raise click.ClickException(" ".join(problems))
    user = create_organizer(email, name, password)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản Ban tổ chức: {user.email}")


@contest_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Tạo lại kể cả khi đã có dữ liệu mẫu.")
def seed_demo_command(force: bool) -> None:
    """Tạo dữ liệu mẫu: cuộc thi 2024 đã trao giải, cuộc thi 2025 đang chấm và bình chọn, tài khoản mẫu."""
    from contest.demo import DEMO_SLUG, seed_demo
    from contest.models import Edition

    if not force and db.session.scalar(select(Edition).where(Edition.slug == DEMO_SLUG)):
        click.echo("Dữ liệu mẫu đã có sẵn; bỏ qua (dùng --force để tạo thêm).")
        return
    accounts = seed_demo()
    db.session.commit()
    click.echo("Đã tạo dữ liệu mẫu. Tài khoản đăng nhập:")
    for role, email, password in accounts:
        click.echo(f"  {role:<22} {email:<32} {password}")


@contest_cli.command("backup")
@click.argument("destination", type=click.Path(file_okay=False))
def backup_command(destination: str) -> None:
    """Sao lưu nhất quán: toàn bộ cơ sở dữ liệu và các tệp, kèm mã kiểm tra SHA-256."""
    from pathlib import Path

    from contest.backup import BackupError, make_backup
    from contest.storage import get_store

    try:
        manifest = make_backup(Path(destination), get_store())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"Đã sao lưu {rows} dòng dữ liệu và {len(manifest['objects'])} tệp vào {destination}")


@contest_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
def restore_command(source: str) -> None:
    """Khôi phục một bản sao lưu vào cơ sở dữ liệu trống (đã chạy flask db upgrade)."""
    from pathlib import Path

    from contest.backup import BackupError, restore_backup
    from contest.storage import get_store

    try:
        manifest = restore_backup(Path(source), get_store())
        db.session.commit()
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"Đã khôi phục {rows} dòng dữ liệu và {len(manifest['objects'])} tệp từ {source}")


def init_app(app: Flask) -> None:
    app.cli.add_command(contest_cli)


__all__ = ["contest_cli", "init_app"]


# ------------------------------------------------------------------------------------------------------ object storage
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
@click.option("--sweep", is_flag=True, help="Xóa các đối tượng không có bản ghi nào trỏ tới (đủ cũ).")
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
                click.echo(f"  không xóa được {info.key}: {exc}", err=True)
        removed += getattr(store, "sweep_temporaries", lambda _age: 0)(timedelta(hours=older_than))
        click.echo(f"Đã xóa {removed} đối tượng mồ côi.")
    if lost:
        raise SystemExit(1)


# --------------------------------------------------------------------------------------------------- judges' reminders
@contest_cli.command("send-reminders")
@click.option("--round-id", type=int, default=None, help="Chỉ nhắc cho một vòng chấm.")
def send_reminders_command(round_id: int | None) -> None:
    """Gửi email nhắc giám khảo còn phiếu chưa nộp (mỗi ngày một lần)."""
    from contest.models import Round, RoundStatus
    from contest.rounds import send_reminders

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


# ------------------------------------------------------------------------------------------------------------- results
@contest_cli.command("finalize-results")
def finalize_results_command() -> None:
    """Hoàn tất các kết quả đã công bố khi hết hạn khiếu nại."""
    done = results.finalize_due()
    db.session.commit()
    for rs in done:
        click.echo(f"Đã hoàn tất bảng kết quả #{rs.id} (hạn khiếu nại {format_datetime_local(rs.complaint_ends_at)}).")
    if not done:
        click.echo("Không có bảng kết quả nào đến hạn hoàn tất.")


# --------------------------------------------------------------------------------------------------------- public vote
@contest_cli.command("freeze-votes")
def freeze_votes_command() -> None:
    """Chốt kết quả của mọi đợt bình chọn đã đóng mà chưa chốt (kèm mã băm SHA-256 của các phiếu).

    Không có lịch chạy tự động (contest-daily.service không gọi lệnh này): ban tổ chức chốt từng đợt
    trên trang quản trị bình chọn sau khi xem xét các phiếu bị đánh dấu, hoặc chạy lệnh này bằng tay.
    """
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
