"""What a contestant may upload: file types decided by content, display names, and download headers."""

from __future__ import annotations

import io
import os
import struct
import unicodedata
import zipfile
import zlib
from urllib.parse import unquote

import pytest

from contest.storage import (
    ALLOWED_TYPES,
    SNIFF_BYTES,
    InvalidUpload,
    check_upload_type,
    content_disposition,
    sniff_content_type,
    validate_filename,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# --------------------------------------------------------------------------------------------------
# Small real samples of each type


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    idat = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def webp() -> bytes:
    body = b"WEBP" + b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def mp4() -> bytes:
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 0x200) + b"isom" + b"iso2" + b"avc1" + b"mp41"
    mdat = b"mdat" + b"\x00" * 16
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(mdat) + 4) + mdat


_MAIN_PARTS = {
    DOCX: ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    XLSX: ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    PPTX: (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def office(kind: str, *, order: str = "microsoft", seekable: bool = True, padding: int = 0) -> bytes:
    """A minimal OOXML package. Microsoft Office writes [Content_Types].xml first, LibreOffice last; a zip
    written to a pipe puts sizes after the data."""
    part, main_type = _MAIN_PARTS[kind]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type}"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'officeDocument" Target="{part}"/></Relationships>'
    )
    filler = "<x>" + os.urandom(padding // 2).hex() + "</x>"
    entries = [("[Content_Types].xml", content_types), ("_rels/.rels", rels), (part, filler)]
    if order == "libreoffice":
        entries = entries[1:] + entries[:1]

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.buffer.extend(data)
            return len(data)

    target = io.BytesIO() if seekable else Pipe()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return target.getvalue() if seekable else bytes(target.buffer)


def generic_zip() -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/readme.txt", "not an office document")
    return target.getvalue()


# --------------------------------------------------------------------------------------------------
# Sniffing


@pytest.mark.parametrize(
    "sample, expected",
    [
        (pdf(), "application/pdf"),
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (webp(), "image/webp"),
        (mp4(), "video/mp4"),
        (office(DOCX), DOCX),
        (office(XLSX), XLSX),
        (office(PPTX), PPTX),
        (office(DOCX, order="libreoffice"), DOCX),
        (office(XLSX, order="libreoffice"), XLSX),
        (office(PPTX, order="libreoffice"), PPTX),
        (office(DOCX, seekable=False), DOCX),
        (office(PPTX, order="libreoffice", seekable=False), PPTX),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_allowed_type_is_recognised_by_its_content(sample, expected):
    head = sample[:SNIFF_BYTES]

    assert sniff_content_type(head) == expected
    assert check_upload_type(head) == expected
    assert expected in ALLOWED_TYPES


def test_office_type_is_found_when_the_file_is_larger_than_the_sniffed_head():
    # A LibreOffice file whose [Content_Types].xml lies beyond the head: the part folders decide.
    sample = office(XLSX, order="libreoffice", padding=4 * SNIFF_BYTES)
    assert len(sample) > SNIFF_BYTES and b"[Content_Types].xml" not in sample[:SNIFF_BYTES]

    assert sniff_content_type(sample[:SNIFF_BYTES]) == XLSX


@pytest.mark.parametrize(
    "sample, detected",
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", None),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64, "application/x-msdownload"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        (generic_zip(), "application/zip"),
        (office("docm"), "application/vnd.ms-word.document.macroEnabled.12"),
        (b"plain text that happens to end in .pdf", None),
    ],
    ids=["html", "exe", "gif", "plain-zip", "macro-docm", "text"],
)
def test_other_content_is_refused_as_bad_type(sample, detected):
    with pytest.raises(InvalidUpload) as refused:
        check_upload_type(sample[:SNIFF_BYTES])

    assert refused.value.code == "bad_type"
    assert refused.value.params == {"detected": detected}


def test_a_zero_byte_file_is_refused_as_empty():
    with pytest.raises(InvalidUpload) as refused:
        check_upload_type(b"")

    assert refused.value.code == "empty"
    assert sniff_content_type(b"") is None


def test_the_allow_list_can_be_narrowed():
    with pytest.raises(InvalidUpload):
        check_upload_type(png(), allowed={"application/pdf"})
    assert check_upload_type(pdf(), allowed={"application/pdf"}) == "application/pdf"


# --------------------------------------------------------------------------------------------------
# Filenames


def test_a_vietnamese_filename_is_kept_and_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "  Báo cáo đề tài – Thái Nguyên.pdf ")

    cleaned = validate_filename(decomposed)

    assert cleaned == "Báo cáo đề tài – Thái Nguyên.pdf"
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        (".", "empty"),
        ("..", "empty"),
        ("../../etc/passwd", "path"),
        ("/etc/passwd", "path"),
        ("bai\\thi.pdf", "path"),
        ("C:\\Users\\a.pdf", "path"),
        ("bai\x00.pdf.exe", "path"),
        ("bai\nthi.pdf", "control"),
        ("bai\x1b[31m.pdf", "control"),
        ("hoso\u202efdp.exe", "control"),
        ("a" * 252 + ".pdf", "too_long"),
        ("đ" * 126 + ".pdf", "too_long"),  # 256 bytes in UTF-8, though only 130 characters
    ],
)
def test_bad_filenames_are_refused_with_a_reason(name, reason):
    with pytest.raises(InvalidUpload) as refused:
        validate_filename(name)

    assert refused.value.code == "bad_name"
    assert refused.value.params["reason"] == reason


def test_a_filename_of_exactly_255_bytes_is_accepted():
    name = "đ" * 125 + ".pdf"  # 250 + 4 bytes
    assert len(validate_filename(name + "x").encode()) == 255


def test_invalid_upload_carries_a_code_not_a_sentence():
    error = InvalidUpload("too_large", {"max_size": 10})

    assert (error.code, error.params) == ("too_large", {"max_size": 10})
    assert isinstance(error, ValueError)


# --------------------------------------------------------------------------------------------------
# Content-Disposition


def parse_filename(header: str) -> str:
    """The name a browser saves under: filename* (RFC 6266 prefers it) when present, else filename."""
    params = dict(part.strip().split("=", 1) for part in header.split(";")[1:])
    if "filename*" in params:
        charset, _language, encoded = params["filename*"].split("'", 2)
        assert charset == "UTF-8"
        return unquote(encoded, encoding="utf-8", errors="strict")
    return params["filename"].strip('"')


def test_content_disposition_keeps_the_vietnamese_name_with_an_ascii_fallback():
    header = content_disposition("Báo cáo đề tài.pdf")

    assert header == (
        "attachment; filename=\"Bao cao de tai.pdf\"; "
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%91%E1%BB%81%20t%C3%A0i.pdf"
    )
    assert header.isascii()
    assert parse_filename(header) == "Báo cáo đề tài.pdf"


def test_content_disposition_inline():
    header = content_disposition("Ảnh minh họa.png", inline=True)

    assert header.startswith('inline; filename="Anh minh hoa.png"; ')
    assert parse_filename(header) == "Ảnh minh họa.png"


@pytest.mark.parametrize("name", ['bao "cao".pdf', "a\\b/c.pdf", "x\r\nSet-Cookie: a=b.pdf", "tab\there.pdf"])
def test_content_disposition_fallback_has_no_quotes_separators_or_controls(name):
    header = content_disposition(name)

    fallback = header.split('filename="', 1)[1].split('"; filename*=', 1)[0]
    assert not set(fallback) & set('"\\/\r\n\t')
    assert all(32 <= ord(c) < 127 for c in header)
    assert header.count('"') == 2
    assert "/" not in parse_filename(header) and "\\" not in parse_filename(header)


def test_content_disposition_of_a_name_with_no_latin_letters_still_has_a_fallback():
    header = content_disposition("报告")

    assert 'filename="download"' in header
    assert parse_filename(header) == "报告"
