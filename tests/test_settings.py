"""Settings have one home: contest/config.py reads the environment, the README documents every variable,
and the code reads the app's config without defaults of its own."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from contest import config

ROOT = Path(__file__).resolve().parent.parent


class _RecordingEnvironment(dict):
    """An empty environment that remembers every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.asked.add(key)
        return super().__contains__(key)


@pytest.fixture
def variables_read(tmp_path, monkeypatch) -> set[str]:
    environment = _RecordingEnvironment()
    monkeypatch.setattr(os, "environ", environment)
    config.load_config(str(tmp_path))
    return environment.asked


def test_every_variable_the_settings_read_is_in_the_readme_table(variables_read) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = {name for line in readme.splitlines() if line.startswith("| `")
                  for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])}
    assert "JUDGE_INVITE_MAX_AGE_SECONDS" in variables_read
    assert variables_read - documented == set()


def test_every_setting_key_is_mentioned_in_the_readme(tmp_path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    keys = set(config.load_config(str(tmp_path)))
    # Keys fixed in code (cookie flags, the languages offered…) are named in the README like the others.
    assert {key for key in keys if key not in readme} == set()


def test_code_reads_settings_without_a_second_default(tmp_path) -> None:
    keys = set(config.load_config(str(tmp_path)))
    second_defaults = []
    for path in sorted((ROOT / "contest").rglob("*.py")):
        if path.name == "config.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for key in re.findall(r"config\.get\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']", line):
                if key in keys:
                    second_defaults.append(f"{path.relative_to(ROOT)}:{number} {key}")
    assert second_defaults == []


def test_a_renamed_vote_limit_stops_the_start_with_its_new_name(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VOTE_LIMIT_CODE_ADDRESS", "50 per 10 minutes")
    with pytest.raises(RuntimeError, match="VOTE_LIMIT_CODE_ADDRESS is now VOTE_LIMIT_CODE_DEVICE"):
        config.load_config(str(tmp_path))
