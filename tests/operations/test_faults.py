"""Faults during uploads: the object store dies mid-upload, the local disk fills up, a worker is killed.

After each: no attachment row without its object, no object left behind that the sweep does not remove, the
draft unchanged.  (The store stopped *between* requests is tests/entries/test_s3_journey.py; the database
restarted between requests is tests/operations/test_database_restart.py.)
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import Attachment, Entry
from contest.storage import get_store
from tests.entries.helpers import kind, padded_pdf, tiny_pdf, upload
from tests.factories import TEST_PASSWORD, make_edition, make_entry, make_user

ROOT = Path(__file__).resolve().parents[2]
BOUNDARY = "----ranh-gioi-thu-nghiem"


def _multipart_head(filename: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{{token}}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


class _Tripwire:
    """A request body that runs ``action`` once ``after`` bytes have been read from it."""

    def __init__(self, body: bytes, after: int, action) -> None:
        self.body, self.pos, self.after, self.action, self.fired = body, 0, after, action, False

    def read(self, size: int = -1) -> bytes:
        if not self.fired and self.pos >= self.after:
            self.fired = True
            self.action()
        end = len(self.body) if size is None or size < 0 else min(len(self.body), self.pos + size)
        chunk = self.body[self.pos:end]
        self.pos = end
        return chunk

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else (self.pos + pos if whence == 1 else len(self.body) + pos)
        return self.pos

    def readline(self, size: int = -1) -> bytes:
        end = self.body.find(b"\n", self.pos)
        end = len(self.body) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, self.pos + size)
        chunk = self.body[self.pos:end]
        self.pos = end
        return chunk


def _draft_state(entry_id: int) -> tuple:
    db.session.expire_all()
    entry = db.session.get(Entry, entry_id)
    return (entry.status, entry.version, entry.title, [(a.id, a.storage_key) for a in entry.attachments])


def _all_keys() -> set[str]:
    return {info.key for info in get_store().iter_objects()}


# --------------------------------------------------------------------------------------------------
# The object store stops in the middle of an upload


class TestStoreStopsMidUpload:
    @pytest.fixture(scope="class")
    def own_server(self, s3_server_factory):
        return s3_server_factory()  # a private server: this test kills it

    @pytest.fixture
    def app_config(self, own_server):
        if not own_server.running:
            own_server.start()
        return {"STORAGE_URL": own_server.new_bucket_url()}

    def test_store_killed_mid_upload_then_restarted(self, app, client, auth, own_server):
        owner = make_user()
        edition = make_edition()
        draft = make_entry(owner, edition)
        auth.as_(owner)
        assert upload(client, draft, kind(edition, "phieu_dang_ky"), tiny_pdf("P"), "phieu.pdf").status_code == 302
        before = _draft_state(draft.id)
        keys_before = _all_keys()

        body = _multipart_head("thuyet-minh.pdf").replace(b"{token}", b"") + padded_pdf(12 * 1024 * 1024) + TAIL
        stream = _Tripwire(body, 6 * 1024 * 1024, lambda: own_server.stop(crash=True))
        response = client.post(f"/bai-du-thi/{draft.id}/tep/loai/{kind(edition, 'thuyet_minh').id}",
                               input_stream=stream, content_length=len(body),
                               content_type=f"multipart/form-data; boundary={BOUNDARY}")
        assert stream.fired
        assert response.status_code == 503
        assert "Kho lưu trữ tạm thời không truy cập được" in response.get_data(as_text=True)
        own_server.start()
        assert _draft_state(draft.id) == before  # no row, the draft as it was
        assert _all_keys() == keys_before  # no object (nor a completed partial one) left behind

        again = upload(client, draft, kind(edition, "thuyet_minh"), padded_pdf(6 * 1024 * 1024), "thuyet-minh.pdf")
        assert again.status_code == 302
        rows = {a.storage_key for a in db.session.scalars(select(Attachment))}
        assert _all_keys() == rows and len(rows) == 2


# --------------------------------------------------------------------------------------------------
# The local store's disk is full


@pytest.fixture
def small_disk(tmp_path: Path):
    target = tmp_path / "petit"
    target.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)


class TestDiskFull:
    @pytest.fixture
    def app_config(self, small_disk):
        return {"STORAGE_URL": f"file://{small_disk}"}

    def test_disk_full_refuses_cleanly_and_keeps_the_draft(self, app, client, auth, small_disk):
        owner = make_user()
        edition = make_edition()
        draft = make_entry(owner, edition)
        auth.as_(owner)
        assert upload(client, draft, kind(edition, "phieu_dang_ky"), tiny_pdf("P"), "phieu.pdf").status_code == 302
        before = _draft_state(draft.id)
        files_before = sorted(p.relative_to(small_disk) for p in small_disk.rglob("*") if p.is_file())

        response = upload(client, draft, kind(edition, "thuyet_minh"), padded_pdf(2 * 1024 * 1024), "lon.pdf")
        assert response.status_code == 503
        assert "Kho lưu trữ tạm thời không truy cập được" in response.get_data(as_text=True)
        assert _draft_state(draft.id) == before
        files_after = sorted(p.relative_to(small_disk) for p in small_disk.rglob("*") if p.is_file())
        assert files_after == files_before  # no partial object, no temporary file

        small = upload(client, draft, kind(edition, "thuyet_minh"), tiny_pdf("T"), "nho.pdf")
        assert small.status_code == 302  # the space the failed upload used was given back


# --------------------------------------------------------------------------------------------------
# A gunicorn worker is killed in the middle of a streaming upload


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _wait_http(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/tai-khoan/dang-nhap", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer")


def test_worker_killed_mid_upload_leaves_nothing_the_sweep_does_not_remove(app, database_url, tmp_path):
    owner = make_user()
    edition = make_edition()
    draft = make_entry(owner, edition)
    before = _draft_state(draft.id)
    thesis = kind(edition, "thuyet_minh").id
    storage = tmp_path / "objects"
    storage.mkdir()
    env = dict(os.environ, DATABASE_URL=database_url, STORAGE_URL=f"file://{storage}", SECRET_KEY="bi-mat-thu",
               RATELIMIT_ENABLED="0", CONTEST_ENV="development", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
               FLASK_APP="contest:create_app")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "contest:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_http(port)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"http://127.0.0.1:{port}/tai-khoan/dang-nhap").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"email": owner.email, "password": TEST_PASSWORD, "csrf_token": token})
        opener.open(f"http://127.0.0.1:{port}/tai-khoan/dang-nhap", data=data.encode()).read()
        edit = opener.open(f"http://127.0.0.1:{port}/bai-du-thi/{draft.id}/sua").read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', edit).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

        head = _multipart_head("thuyet-minh.pdf").replace(b"{token}", token.encode())
        total = len(head) + 40 * 1024 * 1024 + len(TAIL)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("POST", f"/bai-du-thi/{draft.id}/tep/loai/{thesis}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        conn.putheader("Content-Length", str(total))
        conn.putheader("Cookie", cookie)
        conn.endheaders()
        conn.send(head + padded_pdf(8 * 1024 * 1024))  # a fifth of the file, then the worker dies
        time.sleep(1.0)
        workers = _children(server.pid)
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        with pytest.raises(OSError):
            for _ in range(40):
                conn.send(b"\0" * 1024 * 1024)
            conn.getresponse().read()
        conn.close()

        assert _draft_state(draft.id) == before  # no attachment row, the draft as it was
        leftovers = [p for p in storage.rglob("*") if p.is_file()]
        check = subprocess.run([sys.executable, "-m", "flask", "contest", "storage-check", "--sweep",
                                "--older-than", "0"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert check.returncode in (0, 1), check.stderr
        remaining = [p for p in storage.rglob("*") if p.is_file()]
        assert remaining == [], f"left after the sweep: {remaining} (before it: {leftovers})"

        _wait_http(port)  # the master started a new worker, which serves
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
