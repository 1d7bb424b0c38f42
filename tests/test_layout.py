"""The house's one rule of direction: pages → domain → models, storage and the judging engine.

A blueprint (``contest/web/<audience>/``) may use any domain module but no other blueprint; a domain module
(``contest/*.py`` and ``contest/models/``) never reaches up into ``contest/web``; ``judging`` knows nothing of Flask
or the database. Operations live in ``contest/<area>.py``, so no ``operations*.py`` hides inside a blueprint.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTEST = ROOT / "contest"
WEB = CONTEST / "web"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, written out in full (relative imports resolved against the file's package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(filter(None, [*parts, base]))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _blueprint_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "contest" and parts[1] == "web":
        return parts[2]
    return None


def test_no_blueprint_imports_another_blueprint():
    crossings = []
    for path in WEB.rglob("*.py"):
        own = path.relative_to(WEB).parts[0]
        if own == "__init__.py":
            continue
        for module in _imported_modules(path):
            other = _blueprint_of(module)
            if other and other != own and (WEB / other).is_dir():
                crossings.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not crossings, crossings


def test_no_domain_module_imports_the_web_layer():
    domain = [p for p in CONTEST.rglob("*.py") if WEB not in p.parents and p.name != "__init__.py"]
    assert len(domain) > 20  # the domain modules were really read
    upward = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in domain
        for module in _imported_modules(path)
        if module == "contest.web" or module.startswith("contest.web.")
    ]
    assert not upward, upward


def test_operations_live_in_their_area_not_in_blueprints():
    hidden = [str(p.relative_to(ROOT)) for p in WEB.rglob("operations*.py")]
    assert not hidden, hidden


def test_the_judging_engine_knows_no_web_and_no_database():
    forbidden = ("flask", "sqlalchemy", "contest", "werkzeug")
    leaks = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "judging").rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in forbidden
    ]
    assert not leaks, leaks
