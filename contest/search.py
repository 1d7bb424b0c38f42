"""Diacritics-insensitive search text: "thai nguyen" finds "Thái Nguyên"."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics (đ → d included)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
