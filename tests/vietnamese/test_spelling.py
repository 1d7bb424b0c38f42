"""One spelling style everywhere: the new-style tone placement of current government documents ("hóa", "Ủy ban
nhân dân", "xóa", "hủy", "khỏe", "CỘNG HÒA").

In the diphthongs "oa", "oe" and "uy" ending a syllable the tone mark sits on the first vowel.  When a letter
follows ("hoàn", "toán", "ngoài", "thuyền", "khuỷu") the mark stays on the second vowel in both styles, and
"qu" + "y" ("quý", "quỹ") is not the diphthong "uy".  The old-style forms are built from combining marks below
so that this file holds none of them.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng


def _toned(bases: str) -> str:
    return "".join(unicodedata.normalize("NFC", base + tone) for base in bases for tone in TONES)


OLD_STYLE = re.compile(
    r"\w*(?:(?<![qQ])[uU][" + _toned("yY") + r"]|[oO][" + _toned("aAeE") + r"])(?![^\W\d_])"
)


def old(word: str) -> str:
    """A word typed letter by letter with a combining tone mark, composed as an editor would store it."""
    return unicodedata.normalize("NFC", word)


def test_the_rule_tells_old_style_from_new_style():
    acute, grave, hook = "\u0301", "\u0300", "\u0309"
    for word in (old("hoa" + acute), old("Xoa" + acute), old("thuy" + hook), old("U" + "y" + hook),
                 old("khoe" + hook), old("HOA" + grave), old("tuy" + grave)):
        assert OLD_STYLE.fullmatch(word), word
    for word in ("hóa", "Xóa", "thủy", "Ủy", "khỏe", "HÒA", "tùy", "hoàn", "toán", "ngoài", "thuyền", "khuỷu",
                 "quý", "quỹ", "Quỳnh", "khoảng"):
        assert not OLD_STYLE.search(word), word


def _old_style_in(text: str) -> list[str]:
    return sorted(set(OLD_STYLE.findall(unicodedata.normalize("NFC", text))))


def test_templates_and_sources_use_the_new_style():
    found = {}
    paths = [*(ROOT / "templates").rglob("*.*"), *(ROOT / "contest").rglob("*.py"), *(ROOT / "static").rglob("*.js")]
    for path in sorted(paths):
        words = _old_style_in(path.read_text(encoding="utf-8"))
        if words:
            found[str(path.relative_to(ROOT))] = words
    assert found == {}


def test_the_catalogue_msgids_use_the_new_style():
    with (ROOT / "contest" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        for part in message.id if isinstance(message.id, tuple) else (message.id,):
            found += _old_style_in(part)
    assert sorted(set(found)) == []
