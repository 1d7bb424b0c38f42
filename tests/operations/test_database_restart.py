"""The database server restarts between two requests: the connection pool recovers, nothing is lost."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import User
from tests.factories import make_user

pytestmark = pytest.mark.postgres


def _restart_local_postgres() -> None:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split("\n")
    version, name = clusters[0].split()[:2]
    subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True, timeout=120)


def test_requests_succeed_after_the_database_restarts(app, client, auth):
    if db.engine.dialect.name != "postgresql" or shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs the local PostgreSQL server (TEST_DATABASE_URL) that this test may restart")
    if db.engine.url.host not in ("127.0.0.1", "localhost"):
        pytest.skip("only a local server is restarted")
    user = make_user(email="hoa@example.vn")
    auth.as_(user)
    assert client.get("/bai-du-thi/").status_code == 200
    db.session.remove()  # the test's own connection goes back to the pool, as at the end of a request

    _restart_local_postgres()

    # The pool's connections died with the server; pre-ping replaces them transparently.
    assert client.get("/bai-du-thi/").status_code == 200
    auth.logout()
    response = client.post("/tai-khoan/dang-ky", data={
        "full_name": "Lê Văn Nam", "email": "nam@example.vn", "applicant_type": "individual",
        "password": "Namnam2025ok", "confirm": "Namnam2025ok"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 2
