"""The Vietnamese pass: what applicants read names places as people write them."""

from __future__ import annotations

from contest.extensions import db
from contest.models import Locality, Role
from tests.factories import make_edition, make_entry, make_user


def test_the_locality_list_says_phuong_gia_sang_once(app, auth):
    db.session.add_all([Locality(name="Phường Gia Sàng", kind="phường", province="Thái Nguyên"),
                        Locality(name="Đại Từ", kind="xã", province="Thái Nguyên")])
    db.session.commit()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(owner, make_edition(), category_code="cntt")
    page = auth.as_(owner).get(f"/bai-du-thi/{entry.id}/sua").get_data(as_text=True)
    assert ">Phường Gia Sàng<" in page and "phường Phường" not in page
    assert ">Xã Đại Từ<" in page


def test_emails_to_judges_and_committee_members_address_them_formally():
    """Judges and committee members are addressed as ông/bà in every email written to them."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates" / "mail"
    for name in ("judge_assignments", "judge_invitation", "reminder_pending", "reminder_sheet_reopened",
                 "recusal_notice", "award_approval_request"):
        text = (templates / f"{name}.txt").read_text(encoding="utf-8")
        assert " bạn " not in text.lower() and "bạn còn" not in text.lower(), name


def test_applicants_the_public_and_the_committee_read_one_term_for_the_expert_score():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for name in ("public/results/_list.html", "public/results/my_result.html", "pdf/awards.html",
                 "admin/approvals/result_set.html"):
        text = (root / name).read_text(encoding="utf-8")
        assert "Điểm chuyên gia" not in text and "Điểm chuyên môn" not in text, name
        assert "Điểm của Hội đồng giám khảo" in text, name
