"""Object storage for entry files: one interface, an S3 and a local-directory implementation.

The web app never trusts a user's filename for storage: every object gets a random key, the display name is
kept in the database. Uploads are streamed through a reader that hashes, counts and enforces the size limit,
so a 500 MB video never sits in memory, and a failed or oversized upload leaves nothing behind.

Pick the implementation with a URL (``STORAGE_URL``):

* ``s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1`` — any S3 server (MinIO, SeaweedFS,
  AWS); TLS unless ``secure=false``; the bucket is created on first use.
* ``file:///srv/contest/objects`` — a local directory, for development and single-machine installs.
"""

from __future__ import annotations

import abc
import hashlib
import os
import re
import secrets
import struct
import tempfile
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import filetype
import urllib3
from flask import Flask, current_app

__all__ = [
    "ALLOWED_TYPES",
    "SNIFF_BYTES",
    "InvalidUpload",
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectReader",
    "ObjectStore",
    "ObjectTooLarge",
    "S3ObjectStore",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "check_upload_type",
    "content_disposition",
    "find_orphans",
    "get_store",
    "init_app",
    "missing_objects",
    "sniff_content_type",
    "store_from_url",
    "validate_filename",
]

# Bytes handed to the user's stream per read: small enough that memory stays flat, large enough that
# hashing and syscalls are not the bottleneck.
CHUNK_SIZE = 1024 * 1024
# S3 multipart part size. minio holds one part in memory while sending it, so this bounds upload memory.
S3_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum: memory per upload stays about one part
# How much of the start of a file the type sniffer looks at; enough for the first entries of an Office zip.
SNIFF_BYTES = 64 * 1024
MAX_FILENAME_BYTES = 255


# --------------------------------------------------------------------------------------------------
# Values and errors


@dataclass(frozen=True)
class StoredObject:
    """What ``put`` wrote: the random key, the byte count and SHA-256 of exactly what was stored."""

    key: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime  # aware, UTC


class StorageError(Exception):
    """Any failure of the object store (misconfiguration included)."""


class StorageUnavailable(StorageError):
    """The store cannot be reached right now (server down, timeout, full or unwritable disk)."""


class ObjectNotFound(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class InvalidUpload(ValueError):
    """A user's upload was refused. ``code`` is a machine code the web app translates; ``params`` fill it.

    Codes: ``empty`` (zero bytes), ``bad_name`` (params: ``reason`` in empty/path/control/too_long, ``max``),
    ``bad_type`` (params: ``detected``, the sniffed MIME type or None), ``too_large`` (params: ``max_size``).
    """

    def __init__(self, code: str, message_params: dict[str, Any] | None = None) -> None:
        self.code = code
        self.params: dict[str, Any] = dict(message_params or {})
        super().__init__(code, self.params)


class ObjectTooLarge(StorageError, InvalidUpload):
    """The stream passed ``max_size``; nothing was kept. Also an ``InvalidUpload`` with code ``too_large``,
    so the upload form can handle every refusal in one ``except``."""

    def __init__(self, max_size: int) -> None:
        InvalidUpload.__init__(self, "too_large", {"max_size": max_size})
        self.max_size = max_size


# --------------------------------------------------------------------------------------------------
# Streaming helpers


class _MeteredReader:
    """Wraps the user's stream: reads it CHUNK_SIZE at a time, hashes and counts on the way, and
    raises ObjectTooLarge as soon as the count passes max_size (so at most one chunk past the limit is read).

    Errors raised by the *source* (a client that disconnects mid-upload) are remembered, so ``put`` can
    re-raise them as they are instead of blaming the store.
    """

    def __init__(self, source: BinaryIO | Iterable[bytes], max_size: int | None) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError("max_size must be >= 0")
        self._read = _reader_of(source)
        self._max_size = max_size
        self._hash = hashlib.sha256()
        self.size = 0
        self.source_error: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        # Serve the whole request in one bytes object: minio assembles a part with repeated
        # ``part += read(...)``, so small answers would copy the growing part again and again.
        want = CHUNK_SIZE if n is None or n < 0 else n
        if want == 0:
            return b""
        buffer = bytearray()
        while len(buffer) < want:
            try:
                data = self._read(min(CHUNK_SIZE, want - len(buffer)))
            except BaseException as exc:
                self.source_error = exc
                raise
            if not data:
                break
            self.size += len(data)
            if self._max_size is not None and self.size > self._max_size:
                raise ObjectTooLarge(self._max_size)
            self._hash.update(data)
            buffer += data
        return bytes(buffer)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _reader_of(source: BinaryIO | Iterable[bytes]):
    """A ``read(n)`` function over a file-like object or an iterable of byte chunks."""
    read = getattr(source, "read", None)
    if callable(read):
        return read
    chunks = iter(source)
    pending = bytearray()

    def read_from_iterable(n: int) -> bytes:
        while len(pending) < n:
            chunk = next(chunks, None)
            if chunk is None:
                break
            pending.extend(chunk)
        out = bytes(pending[:n])
        del pending[:n]
        return out

    return read_from_iterable


class ObjectReader(abc.ABC):
    """A download in progress: iterate for chunks (Flask streams it and calls ``close``), or ``read``.

    Use it as a context manager or pass it as a response body; either way the underlying file or HTTP
    connection is released.
    """

    size: int | None

    @abc.abstractmethod
    def read(self, n: int = -1) -> bytes: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def readable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[bytes]:
        try:
            while chunk := self.read(64 * 1024):
                yield chunk
        finally:
            self.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _FileReader(ObjectReader):
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self._fh = fh
        self.size = size

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)

    def close(self) -> None:
        self._fh.close()


class _S3Reader(ObjectReader):
    def __init__(self, response: Any) -> None:
        self._response = response
        length = response.headers.get("Content-Length")
        self.size = int(length) if length is not None else None
        self._closed = False

    def read(self, n: int = -1) -> bytes:
        try:
            return self._response.read(None if n is None or n < 0 else n)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(f"download interrupted: {exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # close() drops a half-read connection instead of returning it dirty to the pool; release_conn()
        # then hands the (closed or fully read) connection back so the pool does not leak slots.
        self._response.close()
        self._response.release_conn()


# --------------------------------------------------------------------------------------------------
# The interface


_KEY_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_STRICT_KEY = re.compile(rf"(?:{_KEY_SEGMENT}/)*{_KEY_SEGMENT}")


def _new_key(prefix: str) -> str:
    # 128 random bits; never derived from anything the user sent.
    key = f"{prefix}{secrets.token_hex(16)}"
    if not _STRICT_KEY.fullmatch(key):
        raise ValueError(f"invalid key prefix {prefix!r}: use letters, digits, '.', '_', '-' and '/'")
    return key


def _restored_key(key: str) -> str:
    if len(key) > 1024 or not _STRICT_KEY.fullmatch(key):
        raise ValueError(f"invalid object key {key!r}")
    return key


class ObjectStore(abc.ABC):
    @abc.abstractmethod
    def put(
        self,
        stream: BinaryIO | Iterable[bytes],
        *,
        content_type: str,
        max_size: int | None = None,
        key_prefix: str = "",
        restore_key: str | None = None,
    ) -> StoredObject:
        """Store the stream under a new random key ``key_prefix + 32 hex digits``.

        Only restoring a backup passes ``restore_key``: restored objects keep the keys their rows name.

        Raises ObjectTooLarge past ``max_size`` bytes and StorageUnavailable when the store is down; in
        every failure nothing stays stored. Errors from the stream itself propagate unchanged.
        """

    @abc.abstractmethod
    def open(self, key: str) -> ObjectReader:
        """Start a download. Raises ObjectNotFound."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Raises ObjectNotFound."""

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    @abc.abstractmethod
    def iter_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every stored object whose key starts with ``prefix``."""

    @abc.abstractmethod
    def presigned_get_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires: timedelta = timedelta(minutes=5),
        inline: bool = False,
    ) -> str | None:
        """A short-lived URL the browser downloads from directly, with the display filename and type set;
        None when the store cannot make one and the app must stream the object itself."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable unless the store can be used now."""


# --------------------------------------------------------------------------------------------------
# Local directory


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; keys with '/' become subdirectories.

    Writes go to a hidden temporary file in the destination directory, are fsynced and then renamed into
    place, so a key either names a complete file or nothing. Keys never start a segment with '.', so the
    temporary files cannot be mistaken for objects.
    """

    _TMP_PREFIX = ".tmp-"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        root = Path(root)
        if not root.is_absolute():
            raise ValueError(f"local storage root must be absolute: {root}")
        self.root = root

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        # The strict pattern (no empty, '.' or '..' segments, no leading '/') keeps every key inside root.
        if not isinstance(key, str) or len(key) > 1024 or not _STRICT_KEY.fullmatch(key):
            raise ValueError(f"invalid object key {key!r}")
        return self.root / key

    def put(self, stream, *, content_type, max_size=None, key_prefix="", restore_key=None):
        key = _restored_key(restore_key) if restore_key is not None else _new_key(key_prefix)
        path = self._path(key)
        body = _MeteredReader(stream, max_size)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=self._TMP_PREFIX, dir=path.parent)
        except OSError as exc:
            raise StorageUnavailable(f"cannot write to {self.root}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                while chunk := body.read(CHUNK_SIZE):
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, path)
        except BaseException as exc:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError) and exc is not body.source_error:
                raise StorageUnavailable(f"cannot write to {self.root}: {exc}") from exc
            raise
        _fsync_dir(path.parent)
        return StoredObject(key=key, size=body.size, sha256=body.sha256, content_type=content_type)

    def open(self, key):
        path = self._path(key)
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return _FileReader(fh, os.fstat(fh.fileno()).st_size)

    def delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def stat(self, key):
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc
        return ObjectInfo(key=key, size=st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))

    def iter_objects(self, prefix=""):
        # Start at the deepest directory the prefix names, instead of walking the whole tree.
        start = self.root.joinpath(*prefix.split("/")[:-1]) if "/" in prefix else self.root
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath, name)
                key = full.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    st = full.stat()
                except FileNotFoundError:
                    continue  # deleted while we walked
                yield ObjectInfo(key=key, size=st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))

    def sweep_temporaries(self, older_than: timedelta) -> int:
        """Delete partial files left by a process killed mid-upload (``put`` removes its own otherwise).

        Only files last written before ``now - older_than`` go, so uploads in flight keep theirs.
        """
        cutoff = (datetime.now(UTC) - older_than).timestamp()
        removed = 0
        for path in self.root.rglob(f"{self._TMP_PREFIX}*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def presigned_get_url(self, key, *, filename, content_type, expires=timedelta(minutes=5), inline=False):
        return None

    def check(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=self._TMP_PREFIX, dir=self.root)
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise StorageUnavailable(f"cannot write to {self.root}: {exc}") from exc


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; some filesystems refuse fsync on directories, which is harmless.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# S3


def _http_client(secure: bool) -> urllib3.PoolManager:
    """A pool that gives up within seconds when the server is down.

    minio's default waits up to 5 minutes per connect and retries 5 times, which would hang a request worker
    through an outage. Here a refused connection fails at once, an unanswered connect after 3 × 2 s, a server
    that accepts but never answers after 2 × 10 s. One read retry stays because a pooled keep-alive connection
    the server has just closed fails that way, and that is not an outage.
    """
    kwargs: dict[str, Any] = {}
    if secure:
        import certifi  # minio's own dependency; only needed for TLS

        kwargs = {"cert_reqs": "CERT_REQUIRED", "ca_certs": os.environ.get("SSL_CERT_FILE") or certifi.where()}
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2.0, read=10.0),
        maxsize=10,
        retries=urllib3.Retry(
            total=2, connect=2, read=1, status=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
        ),
        **kwargs,
    )


_UNAVAILABLE_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed"}


class S3ObjectStore(ObjectStore):
    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        secure: bool = True,
        region: str | None = None,
        part_size: int = S3_PART_SIZE,
    ) -> None:
        from minio import Minio

        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        self.part_size = part_size
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=_http_client(secure),
        )
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def __repr__(self) -> str:
        # Never the credentials.
        return f"S3ObjectStore(endpoint={self.endpoint!r}, bucket={self.bucket!r}, secure={self.secure})"

    # Translating client errors -------------------------------------------------------------------

    def _translate(self, exc: BaseException, key: str | None = None) -> BaseException:
        from minio.error import InvalidResponseError, S3Error, ServerError

        if isinstance(exc, S3Error):
            if exc.code == "NoSuchBucket":
                # Someone removed the bucket behind our back: the next write creates it again.
                self._bucket_ready = False
            if exc.code in ("NoSuchKey", "NoSuchBucket") and key is not None:
                return ObjectNotFound(key)
            if exc.code in _UNAVAILABLE_CODES:
                return StorageUnavailable(f"{self!r}: {exc.code}")
            return StorageError(f"{self!r}: {exc.code}: {exc.message}")
        if isinstance(exc, (ServerError, InvalidResponseError)):
            return StorageUnavailable(f"{self!r}: {exc}")
        if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
            return StorageUnavailable(f"{self!r} unreachable: {exc}")
        return exc

    def _call(self, fn, *args, key: str | None = None, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StorageError:
            raise
        except Exception as exc:
            translated = self._translate(exc, key)
            if translated is exc:
                raise
            raise translated from exc

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        from minio.error import S3Error

        with self._bucket_lock:
            if self._bucket_ready:
                return
            if not self._call(self._client.bucket_exists, self.bucket):
                try:
                    self._call(self._client.make_bucket, self.bucket)
                except StorageError as exc:
                    # Another worker created it between our check and our create.
                    cause = exc.__cause__
                    if not (
                        isinstance(cause, S3Error)
                        and cause.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
                    ):
                        raise
            self._bucket_ready = True

    # The interface -------------------------------------------------------------------------------

    def put(self, stream, *, content_type, max_size=None, key_prefix="", restore_key=None):
        key = _restored_key(restore_key) if restore_key is not None else _new_key(key_prefix)
        body = _MeteredReader(stream, max_size)
        self._ensure_bucket()
        try:
            # length=-1 makes minio read part by part; one part at a time (no parallel uploads) keeps memory
            # at one part. On failure minio aborts the multipart upload itself.
            self._client.put_object(
                self.bucket,
                key,
                body,
                length=-1,
                part_size=self.part_size,
                content_type=content_type,
                num_parallel_uploads=1,
            )
        except BaseException as exc:
            self._discard(key)
            if exc is body.source_error or isinstance(exc, ObjectTooLarge):
                raise
            if isinstance(exc, Exception):
                translated = self._translate(exc, None)
                if translated is not exc:
                    raise translated from exc
            raise
        return StoredObject(key=key, size=body.size, sha256=body.sha256, content_type=content_type)

    def _discard(self, key: str) -> None:
        # A single PUT may have completed on the server even though we saw an error (lost response); removing
        # the key makes "nothing left behind" hold. If the server is down this fails too, and the orphan sweep
        # (find_orphans) is the safety net.
        try:
            self._client.remove_object(self.bucket, key)
        except Exception:
            pass

    def open(self, key):
        self._ensure_bucket()
        return _S3Reader(self._call(self._client.get_object, self.bucket, key, key=key))

    def delete(self, key):
        self._ensure_bucket()
        try:
            self._call(self._client.remove_object, self.bucket, key, key=key)
        except ObjectNotFound:
            pass

    def stat(self, key):
        self._ensure_bucket()
        obj = self._call(self._client.stat_object, self.bucket, key, key=key)
        return ObjectInfo(key=key, size=obj.size, last_modified=_as_utc(obj.last_modified))

    def iter_objects(self, prefix=""):
        self._ensure_bucket()
        listing = self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
        while True:
            obj = self._call(next, listing, None)
            if obj is None:
                return
            if obj.is_dir:
                continue
            yield ObjectInfo(key=obj.object_name, size=obj.size, last_modified=_as_utc(obj.last_modified))

    def presigned_get_url(self, key, *, filename, content_type, expires=timedelta(minutes=5), inline=False):
        self._ensure_bucket()
        return self._call(
            self._client.get_presigned_url,
            "GET",
            self.bucket,
            key,
            expires=expires,
            response_headers={
                "response-content-disposition": content_disposition(filename, inline=inline),
                "response-content-type": content_type,
            },
        )

    def check(self):
        self._bucket_ready = False
        self._ensure_bucket()


def _as_utc(value: datetime | None) -> datetime:
    if value is None:
        raise StorageError("server sent no Last-Modified")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --------------------------------------------------------------------------------------------------
# Choosing an implementation


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def store_from_url(url: str) -> ObjectStore:
    """Build the store a ``STORAGE_URL`` names. Does no I/O: the S3 bucket is checked and created on first
    use, the local directory on first write."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or query:
            raise ValueError("file URL must look like file:///absolute/path")
        return LocalObjectStore(unquote(parts.path))
    if parts.scheme != "s3":
        raise ValueError(f"unsupported storage URL scheme {parts.scheme!r}: use s3:// or file://")

    unknown = set(query) - {"secure", "region"}
    if unknown:
        raise ValueError(f"unknown storage URL option(s): {', '.join(sorted(unknown))}")
    secure_text = query.get("secure", "true").lower()
    if secure_text not in _TRUE | _FALSE:
        raise ValueError(f"secure must be true or false, not {secure_text!r}")
    bucket = parts.path.strip("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(f"invalid bucket name {bucket!r}")
    if not parts.hostname:
        raise ValueError("storage URL has no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    endpoint = f"{host}:{parts.port}" if parts.port else host
    # Secrets often contain '/' or '+', which must be percent-encoded in the URL; unquote (not unquote_plus)
    # so a literal '+' survives.
    access_key = unquote(parts.username) if parts.username else None
    secret_key = unquote(parts.password) if parts.password else None
    if (access_key is None) != (secret_key is None):
        raise ValueError("give both access key and secret key, or neither")
    return S3ObjectStore(
        endpoint,
        bucket,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure_text in _TRUE,
        region=query.get("region") or None,
    )


# --------------------------------------------------------------------------------------------------
# Maintenance helpers (used by the CLI)


def find_orphans(
    store: ObjectStore, known_keys: set[str], older_than: timedelta, now: datetime | None = None
) -> list[ObjectInfo]:
    """Stored objects no database row refers to, last written before ``now - older_than``.

    The age cutoff protects uploads in flight: their object exists a moment before their row is committed.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = now - older_than
    return [info for info in store.iter_objects() if info.key not in known_keys and info.last_modified < cutoff]


def missing_objects(store: ObjectStore, keys: Iterable[str]) -> list[str]:
    """The keys (in the given order, without repeats) whose object is gone."""
    seen: set[str] = set()
    missing = []
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        if not store.exists(key):
            missing.append(key)
    return missing


# --------------------------------------------------------------------------------------------------
# Filenames and download headers


_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def validate_filename(name: str) -> str:
    """The display name to keep for an uploaded file, NFC-normalised; raises InvalidUpload("bad_name").

    The name is only ever shown and put in Content-Disposition (the storage key is random), but a name that
    carries a path, a NUL or a right-to-left override is a trick, not a name, so it is refused.
    """
    if not isinstance(name, str):
        raise InvalidUpload("bad_name", {"reason": "empty"})
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned or cleaned in (".", ".."):
        raise InvalidUpload("bad_name", {"reason": "empty"})
    if any(c in "/\\" for c in cleaned) or "\0" in cleaned:
        raise InvalidUpload("bad_name", {"reason": "path"})
    for c in cleaned:
        if c in _BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise InvalidUpload("bad_name", {"reason": "control"})
    if len(cleaned.encode("utf-8")) > MAX_FILENAME_BYTES:
        raise InvalidUpload("bad_name", {"reason": "too_long", "max": MAX_FILENAME_BYTES})
    return cleaned


def _ascii_fallback(name: str) -> str:
    # "Báo cáo đề tài.pdf" -> "Bao cao de tai.pdf": strip accents, map đ (which has no decomposition).
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    out = []
    for c in decomposed:
        if unicodedata.combining(c) or c in "\"\\":
            continue
        if c.isascii() and c.isprintable() and c not in "/;%":
            out.append(c)
        else:
            out.append("_")
    text = re.sub(r"_+", "_", "".join(out)).strip(" .")
    return text if text.strip("_") else "download"


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment; filename="ASCII fallback"; filename*=UTF-8''…`` (RFC 6266 with RFC 5987 encoding), so
    browsers save the Vietnamese name and old clients get a readable ASCII one."""
    name = unicodedata.normalize("NFC", filename)
    name = "".join(
        "_" if c in "/\\" or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") else c for c in name
    ).strip()
    if not name:
        name = "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


# --------------------------------------------------------------------------------------------------
# Content type sniffing


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "video/mp4": "mp4",
}

# The main part's content type in [Content_Types].xml decides what an Office zip is; the macro-enabled and
# template variants are recognised so they are refused by name rather than slipping through as "docx".
_OOXML_MAIN_PARTS = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
    b"ms-word.document.macroEnabled.main+xml": "application/vnd.ms-word.document.macroEnabled.12",
    b"ms-excel.sheet.macroEnabled.main+xml": "application/vnd.ms-excel.sheet.macroEnabled.12",
    b"ms-powerpoint.presentation.macroEnabled.main+xml": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    b"wordprocessingml.template.main+xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    b"spreadsheetml.template.main+xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
    b"presentationml.template.main+xml": "application/vnd.openxmlformats-officedocument.presentationml.template",
    b"presentationml.slideshow.main+xml": "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
}
_OOXML_PART_DIRS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


def _zip_entries(head: bytes, limit: int = 32) -> Iterator[tuple[str, int, int, bytes]]:
    """(name, flags, method, data-from-here) for the zip local file headers found in ``head``."""
    pos = 0
    for _ in range(limit):
        if pos + _LOCAL_HEADER.size > len(head):
            return
        sig, _ver, flags, method, _t, _d, _crc, csize, _usize, nlen, xlen = _LOCAL_HEADER.unpack_from(head, pos)
        if sig != b"PK\x03\x04":
            return
        name = head[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        data_start = pos + 30 + nlen + xlen
        yield name, flags, method, head[data_start:]
        if csize and not flags & 0x08:
            pos = data_start + csize
        else:
            # Sizes come after the data (streamed zip): look for the next header instead.
            nxt = head.find(b"PK\x03\x04", data_start)
            if nxt < 0:
                return
            pos = nxt


def _inflate_prefix(method: int, data: bytes, limit: int = 256 * 1024) -> bytes:
    if method == 0:
        return data[:limit]
    if method == 8:
        try:
            return zlib.decompressobj(-15).decompress(data, limit)
        except zlib.error:
            return b""
    return b""


def _sniff_ooxml(head: bytes) -> str | None:
    names = []
    for name, _flags, method, data in _zip_entries(head):
        names.append(name)
        if name == "[Content_Types].xml":
            xml = _inflate_prefix(method, data)
            for marker, mime in _OOXML_MAIN_PARTS.items():
                if marker in xml:
                    return mime
    # LibreOffice writes [Content_Types].xml last, past the head; then the part folders decide, provided the
    # package relationships seen so far show it is an Office package at all.
    if "_rels/.rels" in names:
        for name in names:
            for folder, mime in _OOXML_PART_DIRS.items():
                if name.startswith(folder):
                    return mime
    return None


def sniff_content_type(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show (read ``SNIFF_BYTES`` of it), or None if unknown.

    Decided by content only. Zip files are opened up to tell DOCX, XLSX and PPTX apart, which the signature
    alone cannot do reliably.
    """
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(head) or "application/zip"
    kind = filetype.guess(head)
    return kind.mime if kind else None


def check_upload_type(head: bytes, allowed: Iterable[str] = ALLOWED_TYPES) -> str:
    """The sniffed MIME type if it is allowed; otherwise InvalidUpload("empty") or InvalidUpload("bad_type")."""
    if not head:
        raise InvalidUpload("empty")
    mime = sniff_content_type(head)
    if mime is None or mime not in set(allowed):
        raise InvalidUpload("bad_type", {"detected": mime})
    return mime


# --------------------------------------------------------------------------------------------------
# Flask glue


_EXTENSION_KEY = "object_store"


def init_app(app: Flask) -> None:
    """Build the store from ``STORAGE_URL`` (no network I/O) and keep it on the app."""
    app.extensions[_EXTENSION_KEY] = store_from_url(app.config["STORAGE_URL"])


def get_store() -> ObjectStore:
    try:
        return current_app.extensions[_EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("contest.storage.init_app(app) was not called") from None
