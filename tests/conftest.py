"""Shared fixtures: an app on a migrated database, a client, and the people who use it.

The database is built once per run with the real migrations (``flask db
upgrade``), on SQLite by default or on PostgreSQL when ``TEST_DATABASE_URL``
is set, and emptied after every test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from contest import create_app
from contest.extensions import db
from contest.models import Base
from tests.factories import TEST_PASSWORD

pytest_plugins = ["tests.plugins.s3server", "tests.plugins.browser"]



def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@contextmanager
def _private_postgres_database(base_url: str) -> Iterator[str]:
    """A fresh database for this test run on the server named by ``base_url``.

    Several runs may share one PostgreSQL server (developers, CI, benchmarks):
    each gets its own database, dropped at the end.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"{url.database}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    # Pre-ping: a test may restart the server (the fault tests do), killing pooled connections.
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from flask_migrate import upgrade

    base = os.environ.get("TEST_DATABASE_URL")
    with ExitStack() as stack:
        if base and _is_postgres(base):
            url = stack.enter_context(_private_postgres_database(base))
        else:
            url = base or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
        with app.app_context():
            upgrade()  # the real migrations build the schema, never create_all()
            db.engine.dispose()
        yield url


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if _is_postgres(str(db.engine.url)):
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Otherwise requests would share the test's app context: its ``g`` (where the
    logged-in user is cached) and its database session would leak from one
    client to another.  After each request the test's own session is expired so
    that it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def make_test_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "STORAGE_URL": f"file://{instance / 'objects'}",
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheap hashing keeps the suite fast; production uses the library defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "PUBLIC_BASE_URL": "http://localhost",
        "PROXY_FIX_TRUSTED_HOPS": 0,
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture
def app_config() -> dict[str, object]:
    """Per-test overrides of the app's configuration (override this fixture in a module)."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, object]) -> Iterator[Flask]:
    application = make_test_app(database_url, tmp_path / "instance", **app_config)
    with application.app_context():
        yield application
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(app: Flask) -> Iterator[list]:
    from contest.extensions import mail

    with mail.record_messages() as outbox:
        yield outbox


class Auth:
    """Log people in and out through the real login form."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD, remember: bool = False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/tai-khoan/dang-nhap", data=data)

    def logout(self):
        return self.client.post("/tai-khoan/dang-xuat")

    def as_(self, user) -> FlaskClient:
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self.client


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)
