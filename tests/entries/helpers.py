"""Small files of real formats, and helpers for the entries tests."""

from __future__ import annotations

import io
import struct
import zlib


def tiny_pdf(text: str = "Thuyet minh") -> bytes:
    """A small, valid one-page PDF."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def padded_pdf(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes (padding after %%EOF is ignored by readers)."""
    body = tiny_pdf()
    return body + b"\n" * (size - len(body))


def upload(client, entry, kind, data: bytes, filename: str = "thuyet-minh.pdf"):
    """POST a file the way the browser's form does: the CSRF token first, then the file."""
    return client.post(
        f"/bai-du-thi/{entry.id}/tep/loai/{kind.id}",
        data={"csrf_token": "", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def kind(edition, code: str):
    return next(k for k in edition.attachment_kinds if k.code == code)
