"""When the S3 server goes away, uploads fail quickly with StorageUnavailable and leave nothing behind; when it
comes back, the same store works again. These tests stop their own server, so the shared one is undisturbed."""

from __future__ import annotations

import io
import time

import pytest

from contest.storage import StorageUnavailable, missing_objects, store_from_url

MiB = 1024 * 1024
FAST = 10.0  # seconds; an outage must not hold a request worker for minutes


@pytest.fixture(scope="module")
def own_server(s3_server_factory):
    return s3_server_factory()


@pytest.fixture
def server(own_server):
    if not own_server.running:
        own_server.start()
    yield own_server
    if not own_server.running:
        own_server.start()


def test_upload_during_outage_fails_fast_and_succeeds_after_restart(server):
    store = store_from_url(server.new_bucket_url())
    before = store.put(io.BytesIO(b"before the outage"), content_type="text/plain", key_prefix="entries/")
    server.stop()

    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store.put(io.BytesIO(b"x" * (3 * MiB)), content_type="application/pdf", key_prefix="entries/")
    assert time.monotonic() - started < FAST
    # Reads must not pass an outage off as "the file is gone".
    for operation in (lambda: store.exists(before.key), lambda: store.stat(before.key), store.check):
        with pytest.raises(StorageUnavailable):
            operation()
    with pytest.raises(StorageUnavailable):
        list(store.iter_objects())

    server.start()
    after = store.put(io.BytesIO(b"after the outage"), content_type="text/plain", key_prefix="entries/")

    assert {info.key for info in store.iter_objects()} == {before.key, after.key}
    with store.open(after.key) as reader:
        assert reader.read() == b"after the outage"


class StopsServerMidway:
    """An upload stream that takes the server down after the first S3 part has been sent."""

    def __init__(self, server, total: int, stop_at: int) -> None:
        self.server, self.total, self.stop_at, self.position = server, total, stop_at, 0

    def read(self, n: int = -1) -> bytes:
        if self.position >= self.stop_at and self.server.running:
            self.server.stop(crash=True)
        n = min(n if n >= 0 else self.total, self.total - self.position)
        self.position += n
        return b"v" * n


def test_server_crash_during_multipart_upload_leaves_no_object(server):
    store = store_from_url(server.new_bucket_url())
    store.check()
    store.part_size = 5 * MiB
    stream = StopsServerMidway(server, total=16 * MiB, stop_at=7 * MiB)

    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store.put(stream, content_type="video/mp4", key_prefix="entries/")
    assert time.monotonic() - started < FAST + 5  # includes killing the server
    assert not server.running

    server.start()
    assert list(store.iter_objects()) == []
    retried = store.put(io.BytesIO(b"v" * (6 * MiB)), content_type="video/mp4", key_prefix="entries/")
    assert store.stat(retried.key).size == 6 * MiB


def test_download_of_a_stopped_server_is_unavailable_not_missing(server):
    store = store_from_url(server.new_bucket_url())
    stored = store.put(io.BytesIO(b"kept"), content_type="text/plain")
    server.stop(crash=True)

    with pytest.raises(StorageUnavailable):
        store.open(stored.key)
    # The maintenance check must stop rather than report every entry's file as lost.
    with pytest.raises(StorageUnavailable):
        missing_objects(store, [stored.key])
