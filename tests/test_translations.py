"""Every Vietnamese string of the site has its English translation in the committed catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("contest/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def test_every_message_has_an_english_translation():
    with (ROOT / "contest/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = set()
    seen = 0
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.txt": {}, "templates/**.html": {}}
    ):
        key = message if isinstance(message, str) else message[0]
        seen += 1
        if key and key not in translated and (not isinstance(message, tuple) or message not in translated):
            missing.add(key)
    assert seen > 500  # the extraction really read the site's strings
    assert not missing, f"{len(missing)} string(s) lack English (run scripts/i18n.py update): {sorted(missing)[:10]}"
