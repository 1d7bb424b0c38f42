"""``python -m judging assign``: files in, pairs out, exit status 0 / 2 / 3."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from judging import cli

ROOT = Path(__file__).resolve().parents[2]

ENTRIES = """entry_id,category,keywords
E1,Nông nghiệp,lúa;phân bón
E2,Công nghệ thông tin,AI
E3,Công nghệ thông tin,
E4,Y tế,thiết bị
E5,Nông nghiệp,chè
E6,Y tế,
"""
JUDGES = """judge_id,expertise,max_load
J1,Nông nghiệp;chè,
J2,Công nghệ thông tin;AI,4
J3,Y tế;thiết bị,
J4,Nông nghiệp;Y tế,
"""


@pytest.fixture
def only_assign(monkeypatch):
    """Run the real ``cli.main`` with just this command registered.

    The other sub-commands are developed separately; this keeps these tests
    about ``assign`` alone.
    """
    monkeypatch.setattr(cli, "COMMANDS", ("assign",))


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run(args, capsys):
    status = cli.main(["assign", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_organiser_gets_one_row_per_pair_and_a_summary(only_assign, files, capsys, tmp_path):
    out_path = tmp_path / "assignment.csv"
    status, out, err = run(
        ["--entries", files("e.csv", ENTRIES), "--judges", files("j.csv", JUDGES),
         "--conflicts", files("c.csv", "judge_id,entry_id\nJ1,E1\n"), "--per-entry", "2", "--out", str(out_path)],
        capsys,
    )
    assert status == 0, err
    with open(out_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert {tuple(r.values()) for r in rows}.isdisjoint({("E1", "J1")})
    per_entry = {}
    for r in rows:
        per_entry.setdefault(r["entry_id"], set()).add(r["judge_id"])
    assert all(len(judges) == 2 for judges in per_entry.values()) and len(per_entry) == 6
    assert sum(r["judge_id"] == "J2" for r in rows) <= 4
    for figure in ("loads: min", "total affinity", "LP bound", "gap", "connected", "overlap"):
        assert figure in err


def test_without_out_the_pairs_go_to_stdout(only_assign, files, capsys):
    status, out, _ = run(
        ["--entries", files("e.csv", ENTRIES), "--judges", files("j.csv", JUDGES), "--per-entry", "1"], capsys
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "entry_id,judge_id" and len(lines) == 7


def test_same_seed_prints_the_same_assignment(only_assign, files, capsys):
    args = ["--entries", files("e.csv", ENTRIES), "--judges", files("j.csv", JUDGES), "--per-entry", "2",
            "--seed", "7"]
    first = run(args, capsys)[1]
    assert run(args, capsys)[1] == first


def test_impossible_request_exits_3_with_an_explanation_not_a_traceback(only_assign, files, capsys):
    status, out, err = run(
        ["--entries", files("e.csv", ENTRIES), "--judges", files("j.csv", JUDGES), "--per-entry", "5"], capsys
    )
    assert status == 3
    assert out == ""
    assert err.startswith("infeasible: ") and "needs 5" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("which", "text", "row", "problem"),
    [
        ("entries", "entry_id,category\nE1,IT\n", 1, "missing column(s): keywords"),
        ("entries", ENTRIES + "E3,IT,\n", 8, "duplicate entry_id 'E3'"),
        ("judges", "judge_id,expertise,max_load\nJ1,IT,abc\n", 2, "not a number"),
        ("judges", "judge_id,expertise,max_load\nJ1,IT,-1\n", 2, "whole number"),
        ("judges", "judge_id,expertise,max_load\nJ1,IT,2.5\n", 2, "whole number"),
        ("judges", "judge_id,expertise,max_load\nJ1,IT,\nJ1,AI,\n", 3, "duplicate judge_id 'J1'"),
        ("conflicts", "judge_id,entry_id\nJ9,E1\n", 2, "unknown judge_id 'J9'"),
        ("conflicts", "judge_id,entry_id\nJ1,E1\nJ1,E99\n", 3, "unknown entry_id 'E99'"),
    ],
)
def test_bad_file_exits_2_naming_file_row_and_problem(only_assign, files, capsys, which, text, row, problem):
    paths = {"entries": ENTRIES, "judges": JUDGES, "conflicts": "judge_id,entry_id\n"}
    paths[which] = text
    args = ["--entries", files("e.csv", paths["entries"]), "--judges", files("j.csv", paths["judges"]),
            "--conflicts", files("c.csv", paths["conflicts"]), "--per-entry", "1"]
    status, out, err = run(args, capsys)
    assert status == 2
    assert out == ""
    bad = {"entries": "e.csv", "judges": "j.csv", "conflicts": "c.csv"}[which]
    assert f"{bad}: row {row}: " in err and problem in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_exits_2(only_assign, files, capsys, tmp_path):
    status, _, err = run(
        ["--entries", str(tmp_path / "none.csv"), "--judges", files("j.csv", JUDGES), "--per-entry", "1"], capsys
    )
    assert status == 2 and "none.csv" in err


def _all_commands_present() -> bool:
    return all(importlib.util.find_spec(f"judging.commands.{name}") for name in cli.COMMANDS)


@pytest.mark.skipif(not _all_commands_present(), reason="other judging sub-commands not written yet")
def test_module_entry_point_runs_the_command(files):
    done = subprocess.run(
        [sys.executable, "-m", "judging", "assign", "--entries", files("e.csv", ENTRIES),
         "--judges", files("j.csv", JUDGES), "--per-entry", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "entry_id,judge_id"
