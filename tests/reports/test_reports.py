"""Edition statistics on a seeded dataset: exact counts, SVG charts, XLSX read back, the PDF's text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest import reports
from contest.extensions import db
from contest.models import (
    Assignment,
    Award,
    EligibilityResult,
    EntryRound,
    Locality,
    ResultSet,
    Role,
    ScoreSheet,
    Vote,
    Voter,
    VotingPeriod,
)
from tests.editions.helpers import ready_edition
from tests.factories import make_entry, make_user


def utc(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


@pytest.fixture
def seeded(app):
    edition = ready_edition()
    edition.status = "open"
    ward = Locality(name="Phường Gia Sàng", kind="phường")
    commune = Locality(name="Xã Đại Từ", kind="xã")
    db.session.add_all([ward, commune])
    db.session.commit()
    owner = make_user()
    e1 = make_entry(owner, edition, status="eligible", category_code="cntt", applicant_type="individual",
                    locality_id=ward.id, organization="Đại học Thái Nguyên")
    e2 = make_entry(owner, edition, status="submitted", category_code="cntt", applicant_type="student",
                    locality_id=ward.id, organization="Đại học Thái Nguyên")
    e3 = make_entry(owner, edition, status="ineligible", category_code="nong_nghiep", applicant_type="enterprise",
                    locality_id=commune.id, organization="Công ty Chè", ineligible_reason="Đã đoạt giải.")
    e4 = make_entry(owner, edition, status="awarded", category_code="y_duoc", applicant_type="group")
    make_entry(owner, edition, status="draft", category_code="cntt")
    withdrawn = make_entry(owner, edition, status="withdrawn", category_code="cntt", organization="Rút")
    # 20:00 and 23:59 local on 10/05; 00:30 local on 11/05 is still 10/05 in UTC; 12/05.
    e1.submitted_at = utc(2025, 5, 10, 13)
    e2.submitted_at = utc(2025, 5, 10, 16, 59)
    e3.submitted_at = utc(2025, 5, 10, 17, 30)
    e4.submitted_at = utc(2025, 5, 12, 2)
    withdrawn.submitted_at = utc(2025, 5, 12, 2)

    checks = edition.eligibility_checks
    db.session.add_all([EligibilityResult(entry_id=e1.id, check_id=checks[0].id, passed=True),
                        EligibilityResult(entry_id=e3.id, check_id=checks[0].id, passed=False),
                        EligibilityResult(entry_id=e1.id, check_id=checks[1].id, passed=True)])

    first = edition.rounds[0]
    judge_a, judge_b = make_user(Role.JUDGE), make_user(Role.JUDGE)
    db.session.add_all([EntryRound(entry_id=e1.id, round_id=first.id), EntryRound(entry_id=e4.id, round_id=first.id)])
    a1 = Assignment(round_id=first.id, judge_id=judge_a.id, entry_id=e1.id, state="active")
    a2 = Assignment(round_id=first.id, judge_id=judge_b.id, entry_id=e1.id, state="active")
    a3 = Assignment(round_id=first.id, judge_id=judge_a.id, entry_id=e4.id, state="active")
    a4 = Assignment(round_id=first.id, judge_id=judge_b.id, entry_id=e4.id, state="cancelled")
    db.session.add_all([a1, a2, a3, a4])
    db.session.flush()
    db.session.add_all([ScoreSheet(assignment_id=a1.id, status="submitted", submitted_at=utc(2025, 7, 2, 3)),
                        ScoreSheet(assignment_id=a2.id, status="draft"),
                        ScoreSheet(assignment_id=a4.id, status="submitted", submitted_at=utc(2025, 7, 2, 3))])

    period = VotingPeriod(round_id=first.id, opens_at=utc(2025, 6, 1, 0), closes_at=utc(2025, 6, 10, 0))
    db.session.add(period)
    voters = [Voter(email=f"v{i}@example.vn") for i in range(4)]
    db.session.add_all(voters)
    db.session.flush()
    for voter, entry, when, voided in [(voters[0], e1, utc(2025, 6, 1, 1), False),
                                       (voters[1], e1, utc(2025, 6, 1, 16, 59), False),
                                       (voters[2], e4, utc(2025, 6, 1, 17, 1), False),
                                       (voters[3], e4, utc(2025, 6, 1, 2), True)]:
        db.session.add(Vote(period_id=period.id, voter_id=voter.id, entry_id=entry.id, vote_day=date(2000, 1, 1),
                            created_at=when, voided_at=utc(2025, 6, 3, 0) if voided else None))

    levels = edition.award_levels
    published = ResultSet(edition_id=edition.id, method="raw", engine_version="1", status="published",
                          input_hash="x" * 64)
    published.awards = [Award(entry_id=e4.id, rank=1, computed_level_id=levels[0].id),
                        Award(entry_id=e1.id, rank=2, computed_level_id=levels[2].id),
                        Award(entry_id=e3.id, rank=3)]
    working = ResultSet(edition_id=edition.id, method="raw", engine_version="1", status="computed")
    working.awards = [Award(entry_id=e2.id, rank=1, computed_level_id=levels[0].id)]
    db.session.add_all([published, working])
    db.session.commit()
    return edition


def test_report_counts_on_the_seeded_dataset(seeded):
    t = reports.edition_report(seeded)
    assert t["linh-vuc"].rows == [
        ["Công nghệ thông tin – điện tử – viễn thông", 2], ["Cơ khí – tự động hóa – xây dựng – giao thông", 0],
        ["Vật liệu – hóa chất – năng lượng", 0], ["Nông – lâm – ngư nghiệp, tài nguyên và môi trường", 1],
        ["Y – dược", 1], ["Giáo dục và lĩnh vực khác", 0]]
    assert t["doi-tuong"].rows == [["Cá nhân", 1], ["Nhóm tác giả", 1], ["Doanh nghiệp / tổ chức", 1],
                                   ["Học sinh, sinh viên", 1]]
    assert t["dia-ban"].rows == [["Phường Gia Sàng", 2], ["Chưa khai báo", 1], ["Xã Đại Từ", 1]]
    assert t["don-vi"].rows == [["Đại học Thái Nguyên", 2], ["Công ty Chè", 1], ["Không ghi đơn vị", 1]]
    assert t["ngay-nop"].rows == [[date(2025, 5, 10), 2, 2], [date(2025, 5, 11), 1, 3], [date(2025, 5, 12), 1, 4]]
    assert t["hop-le"].rows == [["Hợp lệ", 2], ["Không hợp lệ", 1], ["Chưa xét", 1]]
    assert [r[1:] for r in t["dieu-kien"].rows] == [[1, 1], [1, 0], [0, 0]]
    assert t["tien-do-cham"].rows == [["Vòng sơ khảo", 2, 3, 1, 1, 1, Decimal("33.3")],
                                      ["Vòng chung khảo", 0, 0, 0, 0, 0, Decimal("0.0")]]
    assert t["binh-chon"].rows == [[date(2025, 6, 1), 2, 2], [date(2025, 6, 2), 1, 3]]
    assert t["giai-linh-vuc"].headers == ["Lĩnh vực", "Tổng số giải", "Giải Nhất", "Giải Nhì", "Giải Ba",
                                          "Giải Khuyến khích"]
    assert [r[:2] + r[2:] for r in t["giai-linh-vuc"].rows if r[1]] == [
        ["Công nghệ thông tin – điện tử – viễn thông", 1, 0, 0, 1, 0], ["Y – dược", 1, 1, 0, 0, 0]]
    assert t["giai-doi-tuong"].rows == [["Cá nhân", 1, 0, 0, 1, 0], ["Nhóm tác giả", 1, 1, 0, 0, 0],
                                        ["Doanh nghiệp / tổ chức", 0, 0, 0, 0, 0],
                                        ["Học sinh, sinh viên", 0, 0, 0, 0, 0]]
    assert reports.summary_figures(seeded) == {"submitted": 4, "drafts": 1, "votes": 3, "awards": 2, "categories": 6,
                                                "complaints_received": 0, "complaints_settled": 0}


def test_an_overridden_level_counts_and_a_later_result_set_wins(seeded):
    e4 = next(a.entry for a in reports.current_awards(seeded) if a.level.position == 1)
    # A correction replaces the published set of its scope: one public set per scope at any time.
    for earlier in db.session.scalars(select(ResultSet).where(ResultSet.edition_id == seeded.id,
                                                              ResultSet.status.in_(("published", "finalized")))):
        earlier.status = "superseded"
    db.session.flush()
    first_set = ResultSet(edition_id=seeded.id, method="raw", engine_version="1", status="finalized",
                          input_hash="y" * 64)
    first_set.awards = [Award(entry_id=e4.id, rank=1, computed_level_id=seeded.award_levels[0].id, overridden=True,
                              override_level_id=seeded.award_levels[1].id, override_reason="Hội đồng quyết định")]
    db.session.add(first_set)
    db.session.commit()
    rows = reports.awards_by_category(seeded).rows
    assert next(r for r in rows if r[0] == "Y – dược") == ["Y – dược", 1, 0, 1, 0, 0]


def test_charts_are_svg_with_real_vietnamese_text(seeded):
    svg = reports.chart_svg(reports.entries_by_category(seeded))
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "Bài dự thi theo lĩnh vực" in svg and "Y – dược" in svg
    assert "<path" in svg and "glyph" not in svg  # text stays text (svg.fonttype none)
    assert reports.chart_svg(reports.eligibility_checks(seeded)) is None  # a table without a chart
    assert "Phiếu bình chọn theo ngày" in reports.chart_svg(reports.votes_by_day(seeded))


def test_xlsx_reads_back_with_vietnamese_headers_frozen_and_sized(seeded):
    tables = reports.edition_report(seeded)
    workbook = load_workbook(io.BytesIO(reports.tables_xlsx(tables.values())))
    assert workbook.sheetnames[0] == "Bài dự thi theo lĩnh vực"
    assert len(workbook.sheetnames) == len(tables)
    sheet = workbook["Bài dự thi theo lĩnh vực"]
    assert [c.value for c in sheet[1]] == ["Lĩnh vực", "Số bài"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == tables["linh-vuc"].rows
    assert sheet.column_dimensions["A"].width >= len("Nông – lâm – ngư nghiệp, tài nguyên và môi trường")
    days = workbook["Bài dự thi theo ngày nộp"]
    assert days["A2"].value.date() == date(2025, 5, 10) and days["A2"].number_format == "DD/MM/YYYY"


def test_xlsx_keeps_formula_like_text_as_text(app):
    table = reports.Table("x", "Đơn vị", ["Đơn vị", "Số bài"], [["=HYPERLINK(\"http://x\")", 1], ["+84 Công ty", 2]])
    sheet = load_workbook(io.BytesIO(reports.tables_xlsx([table])))["Đơn vị"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"http://x\")"
    assert sheet["A3"].value == "+84 Công ty"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_summary_pdf_is_one_page_with_vietnamese_text(seeded, tmp_path):
    pdf = reports.summary_pdf(seeded)
    path = tmp_path / "tom-tat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Cuộc thi Đổi mới sáng tạo 2025", "Bài dự thi theo lĩnh vực", "Y – dược",
                     "Phường Gia Sàng", "Kết quả xét điều kiện dự thi", "Tiến độ chấm", "Giải thưởng theo lĩnh vực",
                     "Sở Khoa học và Công nghệ tỉnh Thái Nguyên"):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Sans" in fonts or "DejaVuSans" in fonts


def test_report_pages_and_downloads(seeded, client, auth):
    auth.as_(make_user(Role.ORGANIZER))
    base = f"/quan-tri/cuoc-thi/{seeded.id}/thong-ke"
    page = client.get(base)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-test="fig-submitted">4<' in body and "10/05/2025" in body
    assert "<td class=\"num\">33,3</td>" in body and "33.3" not in body  # Hoàn thành (%), decimal comma
    assert f'src="{base}/linh-vuc.svg"' in body
    chart = client.get(f"{base}/linh-vuc.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert client.get(f"{base}/khong-co.svg").status_code == 404
    assert client.get(f"{base}/dieu-kien.svg").status_code == 404  # no chart for that table
    one = client.get(f"{base}/dia-ban.xlsx")
    assert one.status_code == 200 and "attachment" in one.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(one.data)).sheetnames == ["Bài dự thi theo xã, phường"]
    everything = load_workbook(io.BytesIO(client.get(f"{base}/tat-ca.xlsx").data))
    assert len(everything.sheetnames) == 11
    assert client.get(f"{base}/khong-co.xlsx").status_code == 404
    pdf = client.get(f"{base}/tom-tat.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_reports_are_for_organizers_only(seeded, client, auth):
    base = f"/quan-tri/cuoc-thi/{seeded.id}/thong-ke"
    assert client.get(base).status_code == 302
    auth.as_(make_user(Role.JUDGE))
    for url in (base, f"{base}/linh-vuc.svg", f"{base}/linh-vuc.xlsx", f"{base}/tom-tat.pdf"):
        assert client.get(url).status_code == 403


def test_empty_edition_reports_without_errors(app, client, auth):
    edition = ready_edition()
    db.session.commit()
    auth.as_(make_user(Role.ORGANIZER))
    body = client.get(f"/quan-tri/cuoc-thi/{edition.id}/thong-ke").get_data(as_text=True)
    assert "Chưa có số liệu." in body
    assert client.get(f"/quan-tri/cuoc-thi/{edition.id}/thong-ke/tom-tat.pdf").status_code == 200


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils (pdfinfo) is not installed")
def test_summary_stays_on_one_page_for_a_large_edition(app, tmp_path):
    from contest.models import Category

    edition = ready_edition()
    for i in range(10):
        edition.categories.append(Category(code=f"lv{i}", name=f"Lĩnh vực mở rộng số {i} về khoa học, công nghệ và "
                                           "đổi mới sáng tạo trong sản xuất", sub_panel="Tiểu ban", position=10 + i))
    localities = [Locality(name=f"Xã Miền Núi Số {i}") for i in range(30)]
    db.session.add_all(localities)
    db.session.commit()
    owner = make_user()
    for i in range(60):
        entry = make_entry(owner, edition, status="submitted", category_code=edition.categories[i % 16].code,
                           locality_id=localities[i % 30].id, organization=f"Hợp tác xã số {i % 25}")
        entry.submitted_at = utc(2025, 4, 1 + i % 28, 3)
    db.session.commit()
    path = tmp_path / "lon.pdf"
    path.write_bytes(reports.summary_pdf(edition))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
