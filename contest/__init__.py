"""The contest web application.

``create_app`` builds a configured app: settings, extensions, blueprints, CLI
commands and error pages.  It does no other work — no schema changes, no
network calls — so importing and creating the app is always cheap and safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    from contest import access, i18n, labels, models, organizations, phases, storage, web
    from contest.config import load_config
    from contest.extensions import csrf, db, limiter, login_manager, mail, migrate
    from contest.mail import init_app as deliver_mail_after_commit

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    overrides = dict(config_overrides or {})
    if "INSTANCE_PATH" in overrides:
        app.instance_path = overrides.pop("INSTANCE_PATH")
    app.config.update(load_config(app.instance_path))
    app.config.update(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    deliver_mail_after_commit(app)
    limiter.init_app(app)
    i18n.init_app(app)
    access.init_login(app, login_manager)
    storage.init_app(app)
    web.init_app(app)
    labels.init_app(app)
    phases.init_app(app)
    organizations.init_app(app)
    del models  # imported for its side effect: every table is registered

    from contest import cli
    from contest.web.admin.routes import bp as admin_bp
    from contest.web.auth.routes import bp as auth_bp
    from contest.web.entries.routes import bp as entries_bp
    from contest.web.judge.routes import bp as judge_bp
    from contest.web.public.routes import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/tai-khoan")
    app.register_blueprint(entries_bp, url_prefix="/bai-du-thi")
    app.register_blueprint(judge_bp, url_prefix="/giam-khao")
    app.register_blueprint(admin_bp, url_prefix="/quan-tri")
    cli.init_app(app)
    return app
