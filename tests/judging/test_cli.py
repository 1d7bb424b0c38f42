"""The command line: exact columns, one-line errors with exit status 2."""

import csv
import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from judging.cli import main

ROOT = Path(__file__).resolve().parents[2]

CRITERIA = "criterion,weight,max_score\nnovel,20,20\nimpact,30,30\napply,30,30\n"
SCORES = (
    "entry_id,judge_id,criterion,score\n"
    "A,j1,novel,15\nA,j1,impact,20\nA,j1,apply,25\n"
    "B,j1,novel,10\nB,j1,impact,20\nB,j1,apply,20\n"
    "A,j2,novel,18\nA,j2,impact,22\nA,j2,apply,26\n"
    "B,j2,novel,12\nB,j2,impact,25\nB,j2,apply,21\n"
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "criteria.csv").write_text(CRITERIA, encoding="utf-8")
    (tmp_path / "scores.csv").write_text(SCORES, encoding="utf-8")
    return tmp_path


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_rank_prints_the_exact_columns_best_first_on_0_to_100(files):
    code, out, _ = run(["rank", "--scores", str(files / "scores.csv"), "--criteria", str(files / "criteria.csv"),
                        "--method", "raw"])
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["rank", "entry_id", "score", "stderr"]
    # A: 60/80 and 66/80 -> 75 and 82.5 -> 78.75; B: 50/80, 58/80 -> 62.5, 72.5 -> 67.5.
    assert [r[:3] for r in rows[1:]] == [["1", "A", "78.7500"], ["2", "B", "67.5000"]]


def test_rank_writes_the_file_with_out(files):
    out_file = files / "ranking.csv"
    code, out, _ = run(["rank", "--scores", str(files / "scores.csv"), "--criteria", str(files / "criteria.csv"),
                        "--out", str(out_file)])
    assert code == 0 and out == ""
    assert out_file.read_text(encoding="utf-8").startswith("rank,entry_id,score,stderr,")


@pytest.mark.parametrize(
    "scores,criteria,expected",
    [
        ("entry_id,judge_id,score\nA,j1,3\n", CRITERIA, "scores.csv: row 1: missing column(s): criterion"),
        (SCORES + "A,j3,novel,abc\n", CRITERIA, "scores.csv: row 14: column 'score' is not a number: 'abc'"),
        (SCORES + "A,j3,bogus,3\n", CRITERIA, "scores.csv: row 14: unknown criterion 'bogus'"),
        (SCORES + "A,j1,novel,16\n", CRITERIA,
         "scores.csv: row 14: duplicate row for entry 'A', judge 'j1', criterion 'novel' (first on row 2)"),
        (SCORES + "A,j3,novel,21\n", CRITERIA,
         "scores.csv: row 14: score 21 of criterion 'novel' is out of range (0..20)"),
        (SCORES, "criterion,weight\nnovel,1\n", "criteria.csv: row 1: missing column(s): max_score"),
        (SCORES, CRITERIA + "novel,1,5\n", "criteria.csv: row 5: duplicate criterion 'novel' (first on row 2)"),
        (SCORES, "criterion,weight,max_score\nnovel,x,20\n",
         "criteria.csv: row 2: column 'weight' is not a number: 'x'"),
    ],
)
def test_bad_files_give_one_line_naming_file_row_and_problem_and_exit_2(tmp_path, scores, criteria, expected):
    (tmp_path / "scores.csv").write_text(scores, encoding="utf-8")
    (tmp_path / "criteria.csv").write_text(criteria, encoding="utf-8")
    code, out, err = run(["rank", "--scores", str(tmp_path / "scores.csv"), "--criteria",
                          str(tmp_path / "criteria.csv")])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and err.rstrip().endswith(expected)


def test_rank_runs_as_a_module_in_a_subprocess(files):
    proc = subprocess.run(
        [sys.executable, "-m", "judging", "rank", "--scores", str(files / "scores.csv"), "--criteria",
         str(files / "criteria.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("rank,entry_id,score,stderr")


def test_awards_from_a_ranking_and_a_quota_file(tmp_path):
    (tmp_path / "ranking.csv").write_text("rank,entry_id,score,stderr\n1,A,90,1\n2,B,80,1\n2,C,80,1\n4,D,40,1\n",
                                          encoding="utf-8")
    (tmp_path / "quotas.csv").write_text("level,quota,min_score\nNhất,1,85\nNhì,1,70\nBa,2,50\n", encoding="utf-8")
    code, out, _ = run(["awards", "--ranking", str(tmp_path / "ranking.csv"), "--quotas", str(tmp_path / "quotas.csv")])
    assert code == 0
    rows = {r["entry_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["A"]["level"] == "Nhất"
    assert rows["B"]["level"] == rows["C"]["level"] == "Nhì"
    assert rows["B"]["tie_at_boundary"] == rows["C"]["tie_at_boundary"] == "1"
    assert rows["D"]["level"] == ""


def test_awards_with_votes_use_the_80_plus_20_rule(tmp_path):
    (tmp_path / "ranking.csv").write_text("entry_id,score\nA,90\nB,85\n", encoding="utf-8")
    (tmp_path / "quotas.csv").write_text("level,quota,min_score\nNhất,1,0\nNhì,1,0\n", encoding="utf-8")
    (tmp_path / "votes.csv").write_text("entry_id,votes\nA,49\nB,80\n", encoding="utf-8")
    code, out, _ = run(["awards", "--ranking", str(tmp_path / "ranking.csv"), "--quotas", str(tmp_path / "quotas.csv"),
                        "--votes", str(tmp_path / "votes.csv")])
    assert code == 0
    rows = {r["entry_id"]: r for r in csv.DictReader(io.StringIO(out))}
    # A: 72 + 12.3 = 84.3; B: 68 + 20 = 88.
    assert rows["B"]["level"] == "Nhất" and rows["B"]["score"] == "88.0000"
    assert rows["A"]["vote_points"] == "12.3" and rows["A"]["score"] == "84.3000"


def test_awards_reject_a_bad_quota_file(tmp_path):
    (tmp_path / "ranking.csv").write_text("entry_id,score\nA,90\n", encoding="utf-8")
    (tmp_path / "quotas.csv").write_text("level,quota,min_score\nNhất,1.5,0\n", encoding="utf-8")
    code, _, err = run(["awards", "--ranking", str(tmp_path / "ranking.csv"), "--quotas", str(tmp_path / "quotas.csv")])
    assert code == 2 and "quotas.csv: row 2: quota must be a whole number" in err


def test_report_lists_every_judge(files):
    entries = files / "flags.csv"
    code, out, err = run(["report", "--scores", str(files / "scores.csv"), "--criteria", str(files / "criteria.csv"),
                          "--entries", str(entries)])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["judge_id"] for r in rows] == ["j1", "j2"] and rows[0]["n_sheets"] == "2"
    assert "ICC(1)" in err
    assert entries.read_text(encoding="utf-8").startswith("entry_id,n_sheets,flags")


def test_awards_per_category_from_files(tmp_path):
    (tmp_path / "ranking.csv").write_text("rank,entry_id,score\n1,A,90\n2,B,85\n3,C,60\n", encoding="utf-8")
    (tmp_path / "quotas.csv").write_text("level,quota,min_score,category\nNhất,1,80,\nNhất,1,50,Y tế\n",
                                         encoding="utf-8")
    (tmp_path / "cats.csv").write_text("entry_id,category\nA,CNTT\nB,CNTT\nC,Y tế\n", encoding="utf-8")
    code, out, _ = run(["awards", "--ranking", str(tmp_path / "ranking.csv"), "--quotas", str(tmp_path / "quotas.csv"),
                        "--categories", str(tmp_path / "cats.csv")])
    assert code == 0
    rows = {r["entry_id"]: (r["category"], r["level"]) for r in csv.DictReader(io.StringIO(out))}
    assert rows == {"A": ("CNTT", "Nhất"), "B": ("CNTT", ""), "C": ("Y tế", "Nhất")}
