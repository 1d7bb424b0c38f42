"""The Vietnamese pass, kept: judges and committee members are addressed as ông/bà in every page, email and
message written to them; technical words reach judges, committee members and applicants only with a plain
explanation beside them; the expert score has one name everywhere, exports included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Pages and emails a judge or a committee member reads (the shared frame, sign-in and error pages included).
JUDGE_AND_COMMITTEE_TEMPLATES = sorted({
    *TEMPLATES.glob("judge/**/*.html"), *TEMPLATES.glob("errors/*.html"),
    TEMPLATES / "base.html", TEMPLATES / "_macros.html",
    TEMPLATES / "admin/committee_home.html", TEMPLATES / "admin/approvals/result_set.html",
    *(TEMPLATES / "auth" / name for name in ("login.html", "change_password.html", "forgot_password.html",
                                             "reset_password.html", "token_problem.html")),
    *(TEMPLATES / "mail" / f"{name}.txt" for name in (
        "judge_assignments", "judge_invitation", "reminder_pending", "reminder_sheet_reopened", "recusal_notice",
        "award_approval_request", "chair_review_request", "reset_password")),
})
# The Python modules whose messages reach judges and committee members (flashes, refusals, error pages).
JUDGE_AND_COMMITTEE_MODULES = sorted({
    *ROOT.glob("contest/web/judge/*.py"), ROOT / "contest/web/admin/approvals.py", ROOT / "contest/approvals.py",
    ROOT / "contest/reviews.py", ROOT / "contest/scoring.py", ROOT / "contest/judges.py",
    ROOT / "contest/conflicts.py", ROOT / "contest/passwords.py", ROOT / "contest/web/__init__.py",
    ROOT / "contest/web/auth/routes.py",
})
# Pages and emails an applicant reads.
APPLICANT_TEMPLATES = sorted({
    *TEMPLATES.glob("entries/**/*.html"), *TEMPLATES.glob("public/**/*.html"), *TEMPLATES.glob("pdf/*.html"),
    *(TEMPLATES / "mail" / f"{name}.txt" for name in (
        "entry_submitted", "entry_screened", "entry_reopened", "entry_round_outcome", "entry_presentation",
        "results_published", "complaint_filed", "complaint_decided", "verify_email")),
})

INFORMAL = re.compile(r"\bbạn\b", re.IGNORECASE)
# Words of statisticians and programmers; written as they appear (``sha256`` in code is not read by anyone).
JARGON = re.compile(r"(?i:z-score)|\bLP\b|\bICC\b|SHA-256|(?i:bootstrap)|τ|\bKendall\b|\bJSON\b|\bCSV\b")
# An explanation beside a word: "(…)" right after it, with at least three words in it.
EXPLAINED_AFTER = re.compile(r"\s*\((?:[^()\s]+\s+){2,}[^()]*\)")
ABBR = re.compile(r"<abbr\s+title=\"([^\"]*)\"\s*>.*?</abbr>", re.DOTALL)


def visible_text(template: Path) -> str:
    """What a reader can see: text and the strings of the template's expressions, not its code or markup.

    An ``<abbr title="…">`` with a title is an explanation and drops out with what it explains.
    """
    source = template.read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.DOTALL)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.DOTALL)

    def strings_only(expression: re.Match) -> str:
        return " ".join(m.group(2) for m in re.finditer(r"(['\"])(.*?)\1", expression.group(1)))

    source = re.sub(r"\{\{(.*?)\}\}", strings_only, source, flags=re.DOTALL)
    source = ABBR.sub(lambda m: " " if m.group(1).strip() else m.group(0), source)
    return re.sub(r"<[^>]*>", " ", source)


def module_strings(module: Path) -> list[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def unexplained_jargon(text: str) -> list[str]:
    return [m.group(0) for m in JARGON.finditer(text) if not EXPLAINED_AFTER.match(text, m.end())]


def test_judges_and_committee_members_are_never_called_ban():
    informal = [f"{path.relative_to(ROOT)}: …{m.group(0)}…" for path in JUDGE_AND_COMMITTEE_TEMPLATES
                for m in INFORMAL.finditer(visible_text(path))]
    informal += [f"{path.relative_to(ROOT)}: {text}" for path in JUDGE_AND_COMMITTEE_MODULES
                 for text in module_strings(path) if INFORMAL.search(text)]
    assert informal == []


def test_the_checks_see_what_a_reader_sees(tmp_path):
    """The scanners catch an informal word and bare jargon, and leave explained words and code alone."""
    page = tmp_path / "sample.html"
    page.write_text(
        '<p>{{ _("Cảm ơn bạn.") }} {{ entry.sha256 }} <span class="json">JSON</span></p>\n'
        '<th><abbr title="{{ _(\'mã kiểm tra của tệp\') }}">SHA-256</abbr></th> '
        '{{ _("Tệp CSV (bảng dữ liệu dạng văn bản) và ICC") }}', encoding="utf-8")
    text = visible_text(page)
    assert INFORMAL.findall(text) == ["bạn"]
    assert unexplained_jargon(text) == ["JSON", "ICC"]


def test_no_technical_word_without_a_plain_explanation_for_judges_committee_or_applicants():
    bare = {str(path.relative_to(ROOT)): words for path in JUDGE_AND_COMMITTEE_TEMPLATES + APPLICANT_TEMPLATES
            if (words := unexplained_jargon(visible_text(path)))}
    assert bare == {}


def test_an_applicant_reads_what_a_files_check_code_is(app, auth):
    from contest.extensions import db
    from contest.models import Attachment, Role
    from tests.factories import make_edition, make_entry, make_user

    owner = make_user(Role.APPLICANT)
    entry = make_entry(owner, make_edition(), category_code="cntt")
    kind = entry.edition.attachment_kinds[0]
    db.session.add(Attachment(entry_id=entry.id, kind_id=kind.id, display_filename="thuyet-minh.pdf",
                              storage_key="k/1", content_type="application/pdf", size=1234, sha256="ab" * 32))
    db.session.commit()
    page = auth.as_(owner).get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    assert "Mã kiểm tra" in page and "tệp thay đổi dù chỉ một chút thì mã cũng khác" in page


EXPERT_SCORE_OTHER_NAMES = re.compile(r"[Đđ]iểm chuyên (gia|môn)|hội đồng chuyên môn|\"Chuyên gia\"")


def test_the_expert_score_has_one_name_in_every_page_and_export():
    others = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in sorted(TEMPLATES.rglob("*.*"))
              for m in EXPERT_SCORE_OTHER_NAMES.finditer(path.read_text(encoding="utf-8"))]
    others += [f"{path.relative_to(ROOT)}: {text}" for path in sorted((ROOT / "contest").rglob("*.py"))
               for text in module_strings(path) if EXPERT_SCORE_OTHER_NAMES.search(f'"{text}"')]
    assert others == []
