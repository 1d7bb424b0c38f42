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


def init_app(app: Flask) -> None:
    app.cli.add_command(contest_cli)


__all__ = ["contest_cli", "init_app"]
