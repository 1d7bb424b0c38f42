"""The behaviour every object store must have, run against the local directory and a real S3 server."""

from __future__ import annotations

import hashlib
import io
import re
import tracemalloc
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from contest.storage import (
    CHUNK_SIZE,
    LocalObjectStore,
    ObjectNotFound,
    ObjectTooLarge,
    S3ObjectStore,
    StorageError,
    content_disposition,
    find_orphans,
    get_store,
    init_app,
    missing_objects,
    store_from_url,
)

MiB = 1024 * 1024


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return store_from_url((tmp_path / "objects").as_uri())
    return request.getfixturevalue("s3_store")


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class GeneratedStream:
    """A large deterministic stream that is produced on demand, recording how it is read."""

    def __init__(self, total: int, fail_after: int | None = None) -> None:
        self.total = total
        self.fail_after = fail_after
        self.position = 0
        self.largest_request = 0
        self.expected = hashlib.sha256()
        self._block = bytes(range(256)) * 256

    def read(self, n: int = -1) -> bytes:
        self.largest_request = max(self.largest_request, n if n >= 0 else self.total)
        if self.fail_after is not None and self.position >= self.fail_after:
            raise ConnectionResetError("client went away")
        n = min(n if n >= 0 else self.total, self.total - self.position, len(self._block))
        data = self._block[:n]
        self.position += n
        self.expected.update(data)
        return data


def read_all(store, key: str) -> bytes:
    with store.open(key) as reader:
        return b"".join(reader)


def test_put_then_open_returns_the_same_bytes_with_size_and_sha256(store):
    content = "Báo cáo đề tài — Thái Nguyên".encode() * 1000

    stored = store.put(io.BytesIO(content), content_type="application/pdf")

    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.content_type == "application/pdf"
    assert read_all(store, stored.key) == content
    with store.open(stored.key) as reader:
        assert reader.size == len(content)
        assert reader.read(5) == content[:5]


def test_same_content_twice_gets_two_random_keys_under_the_prefix(store):
    first = store.put(io.BytesIO(b"same"), content_type="text/plain", key_prefix="entries/2026/")
    second = store.put(io.BytesIO(b"same"), content_type="text/plain", key_prefix="entries/2026/")

    assert first.key != second.key
    assert re.fullmatch(r"entries/2026/[0-9a-f]{32}", first.key)
    assert read_all(store, first.key) == read_all(store, second.key) == b"same"


def test_put_accepts_an_iterable_of_chunks(store):
    stored = store.put(iter([b"ab", b"", b"cde"]), content_type="text/plain")

    assert (stored.size, read_all(store, stored.key)) == (5, b"abcde")


def test_a_30_mb_stream_is_read_in_chunks_and_never_held_whole(store):
    if isinstance(store, S3ObjectStore):
        # The smallest part S3 allows, so "one part in memory" is far below the stream's size.
        store.part_size = 5 * MiB
        bound = 3.5 * store.part_size  # minio copies a part while assembling it
    else:
        bound = 4 * MiB
    stream = GeneratedStream(30_000_000)

    tracemalloc.start()
    try:
        stored = store.put(stream, content_type="video/mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stream.largest_request <= CHUNK_SIZE
    assert peak < bound < stream.total
    assert stored.size == 30_000_000
    assert stored.sha256 == stream.expected.hexdigest()
    downloaded = hashlib.sha256()
    with store.open(stored.key) as reader:
        for chunk in reader:
            downloaded.update(chunk)
    assert downloaded.hexdigest() == stored.sha256


def test_a_stream_of_exactly_max_size_is_accepted(store):
    stored = store.put(io.BytesIO(b"x" * 1000), content_type="text/plain", max_size=1000)

    assert stored.size == 1000


@pytest.mark.parametrize("total, max_size", [(3 * MiB, 1 * MiB), (14 * MiB, 12 * MiB)], ids=["small", "multipart"])
def test_a_stream_over_max_size_is_refused_and_leaves_nothing(store, total, max_size):
    # The "multipart" case passes one whole S3 part before the limit trips, so an upload must be aborted.
    if isinstance(store, S3ObjectStore):
        store.part_size = 5 * MiB
    stream = GeneratedStream(total)

    with pytest.raises(ObjectTooLarge) as refused:
        store.put(stream, content_type="video/mp4", max_size=max_size)

    assert refused.value.code == "too_large"
    assert refused.value.params == {"max_size": max_size}
    assert stream.position <= max_size + CHUNK_SIZE
    assert list(store.iter_objects()) == []
    if isinstance(store, LocalObjectStore):
        assert all_files(store.root) == []


def test_a_failing_source_stream_propagates_unchanged_and_leaves_nothing(store):
    stream = GeneratedStream(8 * MiB, fail_after=3 * MiB)

    with pytest.raises(ConnectionResetError):
        store.put(stream, content_type="video/mp4")

    assert list(store.iter_objects()) == []
    if isinstance(store, LocalObjectStore):
        # Not even the hidden temporary file survives.
        assert all_files(store.root) == []


def test_delete_is_idempotent(store):
    stored = store.put(io.BytesIO(b"bye"), content_type="text/plain")

    store.delete(stored.key)
    store.delete(stored.key)

    assert not store.exists(stored.key)
    with pytest.raises(ObjectNotFound):
        store.open(stored.key)


def test_exists_and_stat_describe_a_stored_object(store):
    before = datetime.now(UTC) - timedelta(seconds=5)
    stored = store.put(io.BytesIO(b"12345"), content_type="text/plain", key_prefix="e/")

    info = store.stat(stored.key)

    assert store.exists(stored.key)
    assert not store.exists("e/" + "0" * 32)
    assert (info.key, info.size) == (stored.key, 5)
    assert info.last_modified.tzinfo is not None and info.last_modified.utcoffset() == timedelta(0)
    assert before <= info.last_modified <= datetime.now(UTC) + timedelta(seconds=5)
    with pytest.raises(ObjectNotFound) as missing:
        store.stat("e/" + "0" * 32)
    assert missing.value.key == "e/" + "0" * 32


def test_iter_objects_lists_everything_or_one_prefix(store):
    a = store.put(io.BytesIO(b"a"), content_type="text/plain", key_prefix="entries/1/")
    b = store.put(io.BytesIO(b"bb"), content_type="text/plain", key_prefix="entries/2/")
    c = store.put(io.BytesIO(b"ccc"), content_type="text/plain", key_prefix="exports/")

    everything = {info.key: info.size for info in store.iter_objects()}
    entries = {info.key for info in store.iter_objects("entries/")}
    first_entry = {info.key for info in store.iter_objects("entries/1/")}

    assert everything == {a.key: 1, b.key: 2, c.key: 3}
    assert entries == {a.key, b.key}
    assert first_entry == {a.key}
    assert list(store.iter_objects("nothing-here/")) == []


def test_presigned_url_downloads_with_the_vietnamese_filename(store):
    content = b"%PDF-1.4 contest entry"
    stored = store.put(io.BytesIO(content), content_type="application/pdf")

    url = store.presigned_get_url(stored.key, filename="Báo cáo đề tài.pdf", content_type="application/pdf")

    if isinstance(store, LocalObjectStore):
        assert url is None  # the app streams local files itself
        return
    assert url.startswith("http://127.0.0.1:")
    # No proxy: the request must go straight to the loopback server.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        assert response.read() == content
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == content_disposition("Báo cáo đề tài.pdf")


def test_s3_presigned_url_cannot_be_altered(s3_store):
    store = s3_store
    stored = store.put(io.BytesIO(b"secret entry"), content_type="text/plain")
    url = store.presigned_get_url(stored.key, filename="a.txt", content_type="text/plain", inline=True)
    tampered = url.replace("inline", "attachment")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(tampered, timeout=10)

    assert refused.value.code == 403


def test_find_orphans_returns_old_objects_without_a_row(store):
    kept = store.put(io.BytesIO(b"kept"), content_type="text/plain")
    orphan = store.put(io.BytesIO(b"orphan"), content_type="text/plain")
    later = datetime.now(UTC) + timedelta(hours=2)

    old_orphans = find_orphans(store, {kept.key}, older_than=timedelta(hours=1), now=later)
    fresh_orphans = find_orphans(store, {kept.key}, older_than=timedelta(hours=1))

    assert [info.key for info in old_orphans] == [orphan.key]
    assert fresh_orphans == []  # an upload whose row is not committed yet is left alone
    with pytest.raises(ValueError):
        find_orphans(store, set(), older_than=timedelta(0), now=datetime(2026, 1, 1))


def test_missing_objects_returns_rows_whose_object_is_gone(store):
    present = store.put(io.BytesIO(b"here"), content_type="text/plain")
    gone = store.put(io.BytesIO(b"gone"), content_type="text/plain")
    store.delete(gone.key)

    assert missing_objects(store, [present.key, gone.key, gone.key]) == [gone.key]


def test_local_directory_is_created_on_first_use(tmp_path):
    local = store_from_url((tmp_path / "not" / "yet").as_uri())
    assert not (tmp_path / "not").exists()
    local.put(io.BytesIO(b"x"), content_type="text/plain")
    assert (tmp_path / "not" / "yet").is_dir()


def test_s3_bucket_is_created_on_first_use(s3_server):
    store = store_from_url(s3_server.new_bucket_url())
    client = s3_server.client()
    assert not client.bucket_exists(store.bucket)

    stored = store.put(io.BytesIO(b"first"), content_type="text/plain")

    assert client.bucket_exists(store.bucket)
    assert read_all(store, stored.key) == b"first"
    store.delete(stored.key)
    client.remove_bucket(store.bucket)


def test_s3_check_creates_a_missing_bucket_and_passes(s3_server):
    store = store_from_url(s3_server.new_bucket_url())

    store.check()

    assert s3_server.client().bucket_exists(store.bucket)
    s3_server.client().remove_bucket(store.bucket)


def test_s3_wrong_secret_is_a_storage_error(s3_server):
    store = S3ObjectStore(
        s3_server.endpoint, "t-wrong-secret", access_key=s3_server.access_key, secret_key="not-it", secure=False
    )

    with pytest.raises(StorageError) as failed:
        store.put(io.BytesIO(b"x"), content_type="text/plain")

    assert "not-it" not in str(failed.value)


def test_local_keys_cannot_escape_the_root(tmp_path):
    store = store_from_url((tmp_path / "objects").as_uri())
    (tmp_path / "secret.txt").write_text("x")

    for key in ["../secret.txt", "/etc/passwd", "a/../../secret.txt", ".tmp-x", "a//b", ""]:
        with pytest.raises(ValueError):
            store.open(key)
    with pytest.raises(ValueError):
        store.put(io.BytesIO(b"x"), content_type="text/plain", key_prefix="../")


def test_local_temporary_files_are_not_listed_as_objects(tmp_path):
    store = store_from_url((tmp_path / "objects").as_uri())
    stored = store.put(io.BytesIO(b"x"), content_type="text/plain", key_prefix="e/")
    (store.root / "e" / ".tmp-leftover").write_bytes(b"half")

    assert [info.key for info in store.iter_objects()] == [stored.key]


@pytest.mark.parametrize(
    "url, kind, attrs",
    [
        ("file:///srv/contest/objects", LocalObjectStore, {"root": Path("/srv/contest/objects")}),
        (
            "s3://AK%2Fid:se%2Fcr%2Bet+x@minio.internal:9000/entries",
            S3ObjectStore,
            {"endpoint": "minio.internal:9000", "bucket": "entries", "secure": True},
        ),
        (
            "s3://ak:sk@127.0.0.1:8333/entries-2026?secure=false&region=us-east-1",
            S3ObjectStore,
            {"endpoint": "127.0.0.1:8333", "bucket": "entries-2026", "secure": False},
        ),
    ],
)
def test_store_from_url_picks_the_implementation(url, kind, attrs):
    store = store_from_url(url)

    assert isinstance(store, kind)
    assert {name: getattr(store, name) for name in attrs} == attrs
    assert "cr" not in repr(store)  # credentials never show in logs


def test_store_from_url_decodes_credentials():
    store = store_from_url("s3://AK%2Fid:se%2Fcr%2Bet+x@minio.internal:9000/entries")

    credentials = store._client._provider.retrieve()
    assert (credentials.access_key, credentials.secret_key) == ("AK/id", "se/cr+et+x")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/bucket",
        "file://relative/path",
        "file:///srv/x?mode=1",
        "s3://ak:sk@host/",
        "s3://ak:sk@host/Bad_Bucket",
        "s3://ak:sk@host/bucket?secure=maybe",
        "s3://ak:sk@host/bucket?tls=false",
        "s3://ak@host/bucket",
    ],
)
def test_store_from_url_rejects_bad_urls(url):
    with pytest.raises(ValueError):
        store_from_url(url)


def test_init_app_puts_the_store_on_the_app(tmp_path):
    app = Flask(__name__)
    app.config["STORAGE_URL"] = (tmp_path / "objects").as_uri()

    init_app(app)

    with app.app_context():
        assert get_store() is app.extensions["object_store"]
        assert isinstance(get_store(), LocalObjectStore)
    with Flask(__name__).app_context(), pytest.raises(RuntimeError):
        get_store()


def test_s3_bucket_removed_behind_the_stores_back_is_recreated(s3_server):
    store = store_from_url(s3_server.new_bucket_url())
    stored = store.put(io.BytesIO(b"one"), content_type="text/plain")
    client = s3_server.client()
    client.remove_object(store.bucket, stored.key)
    client.remove_bucket(store.bucket)

    store.delete(stored.key)  # still idempotent
    with pytest.raises(ObjectNotFound):
        store.open(stored.key)
    again = store.put(io.BytesIO(b"two"), content_type="text/plain")

    assert read_all(store, again.key) == b"two"
    store.delete(again.key)
    client.remove_bucket(store.bucket)
