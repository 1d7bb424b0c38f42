"""Keep the English catalogue in step with the Vietnamese source strings.

    python scripts/i18n.py update    # extract msgids, merge into contest/translations/en
    python scripts/i18n.py compile   # build the .mo files (done by make run / make test)
    python scripts/i18n.py check     # list msgids that still lack an English translation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "contest" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def run(*args: str) -> None:
    done = subprocess.run([*PYBABEL, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(done.stdout + done.stderr)


def update() -> None:
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    run("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")
    if PO.exists():
        run("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en", "--no-fuzzy-matching")
    else:
        run("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en")


def compile_() -> None:
    run("compile", "-d", str(TRANSLATIONS), "--statistics")


def missing() -> list[str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_()
    elif command == "check":
        gaps = missing()
        for gap in gaps:
            print(gap)
        print(f"{len(gaps)} message(s) without an English translation", file=sys.stderr)
        sys.exit(1 if gaps else 0)
    else:
        sys.exit(__doc__)
