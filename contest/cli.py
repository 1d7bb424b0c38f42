"""``flask contest …`` commands: accounts, demo data and maintenance."""

from __future__ import annotations

import getpass

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from contest.extensions import db

contest_cli = AppGroup("contest", help="Quản trị cuộc thi (contest administration).")


@contest_cli.command("create-organizer")
@click.argument("email")
@click.option("--name", default="Ban tổ chức", help="Họ và tên.")
@click.option("--password", default=None, help="Mật khẩu (hỏi nếu bỏ trống).")
def create_organizer_command(email: str, name: str, password: str | None) -> None:
    """Tạo (hoặc nâng quyền) một tài khoản Ban tổ chức."""
    from contest.auth.operations import create_organizer
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
    """Tạo dữ liệu mẫu: cuộc thi 2025, tài khoản mẫu và các bài dự thi."""
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
    import contest.entries.commands  # noqa: F401 - storage-check
    import contest.judge.commands  # noqa: F401 - send-reminders
    import contest.results_commands  # noqa: F401 - finalize-results
    import contest.vote_commands  # noqa: F401 - freeze-votes
    app.cli.add_command(contest_cli)


__all__ = ["contest_cli", "init_app"]
