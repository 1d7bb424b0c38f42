"""Write constraints.txt: every package that requirements*.txt pull in, pinned to the installed version.

Run after changing requirements (with the new versions installed in .venv):
    .venv/bin/python scripts/pin-constraints.py
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level() -> list[Requirement]:
    wanted = []
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                wanted.append(Requirement(line))
    return wanted


def closure() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    pending = [(req.name, set(req.extras)) for req in top_level()]
    while pending:
        name, extras = pending.pop()
        key = normalized(name)
        if key in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # an optional dependency for another platform
        found[key] = (dist.metadata["Name"], dist.version)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            pending.append((req.name, set(req.extras)))
    return found


def main() -> None:
    lines = [
        "# Every package the project installs, pinned (direct ones also in requirements*.txt).",
        "# Regenerate after changing requirements: .venv/bin/python scripts/pin-constraints.py",
    ]
    lines += [f"{name}=={version}" for _, (name, version) in sorted(closure().items())]
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
