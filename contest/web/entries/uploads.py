"""Reading a multipart/form-data upload straight off the request body, one part at a time.

Werkzeug's form parser writes every file to a temporary file before the view runs; for a 200 MB video that
is a full copy on disk and twice the time. Here the view pulls the body itself with werkzeug's sans-I/O
``MultipartDecoder``: small text fields (the CSRF token) are collected until the first file part, whose bytes
are then handed on as an iterator, chunk by chunk, to the object store. Nothing larger than one read stays in
memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from werkzeug.sansio.multipart import (
    NEED_DATA,
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
)

READ_SIZE = 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 20


class MalformedUpload(ValueError):
    """The body is not the multipart form it claims to be, or the client stopped sending it."""


class MultipartReader:
    def __init__(self, stream: BinaryIO, boundary: str | bytes, read_size: int = READ_SIZE) -> None:
        if not boundary:
            raise MalformedUpload("no boundary")
        self._stream = stream
        self._read_size = read_size
        boundary_bytes = boundary.encode("latin-1") if isinstance(boundary, str) else boundary
        self._decoder = MultipartDecoder(boundary_bytes, max_parts=MAX_PARTS)
        self._ended = False
        self.fields: dict[str, str] = {}

    def _event(self):
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError as exc:
                raise MalformedUpload(str(exc)) from exc
            if event is not NEED_DATA:
                return event
            if self._ended:
                raise MalformedUpload("body ended before the form did")
            chunk = self._stream.read(self._read_size)
            if not chunk:
                self._ended = True
                self._decoder.receive_data(None)
            else:
                self._decoder.receive_data(chunk)

    def _field_value(self) -> str:
        parts = []
        size = 0
        while True:
            event = self._event()
            if not isinstance(event, Data):
                raise MalformedUpload("unexpected part")
            size += len(event.data)
            if size > MAX_FIELD_BYTES:
                raise MalformedUpload("text field too large")
            parts.append(event.data)
            if not event.more_data:
                return b"".join(parts).decode("utf-8", "replace")

    def next_file(self) -> File | None:
        """Collect text fields up to the next file part and return its header (None when the form ends)."""
        while True:
            event = self._event()
            if isinstance(event, Field):
                self.fields[event.name] = self._field_value()
            elif isinstance(event, File):
                return event
            elif isinstance(event, Epilogue):
                return None

    def file_chunks(self) -> Iterator[bytes]:
        """The bytes of the file part ``next_file`` just returned, as they arrive."""
        while True:
            event = self._event()
            if not isinstance(event, Data):
                raise MalformedUpload("unexpected part")
            if event.data:
                yield bytes(event.data)
            if not event.more_data:
                return

    def drain(self, limit: int) -> None:
        """Read and drop up to ``limit`` more bytes, so a refused upload does not leave the body unread."""
        left = limit
        while left > 0 and not self._ended:
            chunk = self._stream.read(min(self._read_size, left))
            if not chunk:
                return
            left -= len(chunk)
