"""Throughput and server memory of a 200 MB upload streamed through the web app into S3.

    python -m bench.upload [--mb 200]

Starts a throwaway SeaweedFS (the tests' helper) and the app under gunicorn (one sync worker) on 127.0.0.1, logs
in as an applicant, and POSTs a generated MP4 through the real upload route
(/bai-du-thi/<id>/tep/loai/<kind>). The same file is then sent with a direct minio ``put_object`` for
comparison. The worker's peak RSS growth is read from /proc/<pid>/status (VmHWM after the upload minus VmHWM
after a warm-up upload). Targets: at least 50 % of the direct throughput and under 32 MB of RSS growth.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
# An ISO base media header (ftyp box) so the content sniffer sees an MP4; the rest is filler.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"


def make_file(path: Path, total: int) -> None:
    block = os.urandom(MiB)
    with path.open("wb") as fh:
        fh.write(MP4_HEAD)
        left = total - len(MP4_HEAD)
        while left > 0:
            n = min(left, MiB)
            fh.write(block[:n])
            left -= n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def worker_pid(master: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = []
        for task in Path(f"/proc/{master}/task").iterdir():
            children += (task / "children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def prepare_database(database_url: str, storage_url: str, instance: Path) -> tuple[str, str, int, int]:
    from flask_migrate import upgrade

    from contest import create_app
    from contest.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_URL": storage_url,
                      "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        upgrade()
        from tests.factories import TEST_PASSWORD, make_edition, make_entry, make_user

        edition = make_edition()
        edition.max_entry_bytes = 2048 * MiB
        video = next(k for k in edition.attachment_kinds if k.code == "video")
        video.max_size_bytes = 1024 * MiB
        video.multiple = True
        owner = make_user(email="bench@example.vn")
        entry = make_entry(owner, edition)
        db.session.commit()
        return owner.email, TEST_PASSWORD, entry.id, video.id


class Session:
    """Just enough of a browser: cookies, the login form and its CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        conn.close()
        return response, data

    def csrf(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/tai-khoan/dang-nhap")
        body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        response, _ = self.request("POST", "/tai-khoan/dang-nhap", body=body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        if response.status != 302:
            raise RuntimeError(f"login failed: {response.status}")

    def upload(self, entry_id: int, kind_id: int, path: Path) -> tuple[int, float]:
        token = self.csrf(f"/bai-du-thi/{entry_id}/sua")
        boundary = "----bench" + secrets.token_hex(8)
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"video-demo.mp4\"\r\n"
                f"Content-Type: video/mp4\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = path.stat().st_size

        def body():
            yield head
            with path.open("rb") as fh:
                while chunk := fh.read(MiB):
                    yield chunk
            yield tail

        started = time.perf_counter()
        response, data = self.request(
            "POST", f"/bai-du-thi/{entry_id}/tep/loai/{kind_id}", body=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Content-Length": str(len(head) + size + len(tail))},
        )
        elapsed = time.perf_counter() - started
        if response.status != 302:
            raise RuntimeError(f"upload failed: {response.status} {data[:300]!r}")
        return response.status, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the generated file in MiB")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.plugins.s3server import S3Server

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        tmp_path = Path(tmp)
        big = tmp_path / "video.mp4"
        make_file(big, args.mb * MiB)
        tiny = tmp_path / "tiny.mp4"
        make_file(tiny, MiB // 2)
        warm = tmp_path / "warm.mp4"
        make_file(warm, 24 * MiB)

        server = S3Server(tmp_path / "s3")
        server.start()
        gunicorn = None
        try:
            storage_url = server.new_bucket_url()
            database_url = f"sqlite:///{tmp_path / 'bench.db'}"
            email, password, entry_id, kind_id = prepare_database(database_url, storage_url, tmp_path / "instance")
            port = free_port()
            env = dict(os.environ, DATABASE_URL=database_url, STORAGE_URL=storage_url, SECRET_KEY="bench",
                       RATELIMIT_ENABLED="false", ARGON2_TIME_COST="1", ARGON2_MEMORY_COST="1024",
                       MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--timeout", "600",
                 "--bind", f"127.0.0.1:{port}", "contest:create_app()"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "wb"),
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline or gunicorn.poll() is not None:
                        raise RuntimeError((tmp_path / "gunicorn.log").read_text()[-2000:]) from None
                    time.sleep(0.2)
            pid = worker_pid(gunicorn.pid)

            session = Session(port)
            session.login(email, password)
            session.upload(entry_id, kind_id, tiny)  # imports, connection pools, bucket check (one S3 PUT)
            idle = memory_kib(pid)
            session.upload(entry_id, kind_id, warm)  # the first multipart upload: allocator arenas settle
            before = memory_kib(pid)
            _, through_app = session.upload(entry_id, kind_id, big)
            after = memory_kib(pid)

            client = server.client()
            bucket = urllib.parse.urlsplit(storage_url).path.strip("/")
            started = time.perf_counter()
            with big.open("rb") as fh:
                client.put_object(bucket, "direct/" + secrets.token_hex(8), fh, length=big.stat().st_size,
                                  content_type="video/mp4")
            direct = time.perf_counter() - started

            mb = args.mb
            app_rate, direct_rate = mb / through_app, mb / direct
            growth = (after["VmHWM"] - before["VmHWM"]) / 1024
            total_growth = (after["VmHWM"] - idle["VmRSS"]) / 1024
            print(f"file                   {mb} MiB")
            print(f"through the app        {through_app:6.2f} s  {app_rate:7.1f} MiB/s")
            print(f"direct minio put       {direct:6.2f} s  {direct_rate:7.1f} MiB/s")
            print(f"ratio                  {100 * app_rate / direct_rate:6.1f} %   (target >= 50 %)")
            print(f"worker RSS idle        {idle['VmRSS'] / 1024:6.1f} MiB (after a 0.5 MiB upload)")
            print(f"worker RSS before      {before['VmRSS'] / 1024:6.1f} MiB (peak {before['VmHWM'] / 1024:.1f}, "
                  f"after a 24 MiB upload)")
            print(f"worker RSS after       {after['VmRSS'] / 1024:6.1f} MiB (peak {after['VmHWM'] / 1024:.1f})")
            print(f"peak RSS growth, {mb} MiB upload      {growth:6.1f} MiB   (target < 32 MiB)")
            print(f"peak RSS growth over idle, all uploads {total_growth:6.1f} MiB")
        finally:
            if gunicorn is not None and gunicorn.poll() is None:
                gunicorn.send_signal(signal.SIGTERM)
                try:
                    gunicorn.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    gunicorn.kill()
                    gunicorn.wait()
            server.stop()


if __name__ == "__main__":
    main()
