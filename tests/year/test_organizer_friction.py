"""Issue 20 items 6 and 7, the organizer's side: friction met while running the year from the pages."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from contest.models import Role
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def test_statistics_chart_carries_no_style_the_site_policy_would_drop(app):
    from contest import reports

    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    for code in ("cntt", "cntt", "nong_nghiep"):
        make_entry(owner, edition, status="submitted", category_code=code)
    svg = reports.chart_svg(reports.entries_by_category(edition))
    assert not re.search(r"\sstyle=", svg) and "<style" not in svg
    ElementTree.fromstring(svg.encode())  # still well-formed XML
    assert 'fill="#1b6b4a"' in svg  # the bars keep their colour as an attribute


def test_judge_reads_the_assignment_subject_with_its_spaces_from_the_raw_message(app, mailbox):
    from contest import assignments
    from contest.extensions import db
    from tests.judges.helpers import contest_with_entries, first_round, judge

    edition, entries = contest_with_entries({"cntt": 3})
    panel = [judge(fields=["cntt"]) for _ in range(2)]
    round_ = first_round(edition)
    round_.status = "open"
    assignments.run_assignment(round_, per_entry=2)
    assignments.publish_assignment(round_)
    db.session.commit()

    import email
    import email.policy

    assert len(mailbox) == len(panel)
    raw = mailbox[0].as_bytes()
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    subject_lines = re.search(r"^Subject: .*?(?=^\S)", head + "\nEnd", re.M | re.S).group(0).splitlines()
    assert all(len(line) <= 78 for line in subject_lines)
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == f"Danh sách bài được phân công chấm – {round_.name}"


def _two_field_awards():
    """Field 1 holds a first prize and an encouragement prize, field 2 a first prize that outscores both."""
    from decimal import Decimal

    from contest import results
    from contest.extensions import db
    from tests.results.helpers import scored_contest

    edition = make_edition()
    for level in edition.award_levels:
        level.min_score = Decimal("50")
        level.quota = 1 if level.position in (1, 4) else 0
    db.session.commit()
    titles = {"A": "Máy sấy chè tiết kiệm điện dùng nhiệt thừa của lò đốt trấu cho hợp tác xã",
              "B": "Hệ thống tưới nhỏ giọt tự động theo độ ẩm đất cho vùng chè Tân Cương",
              "C": "Quy trình nhân giống lan kim tuyến bằng nuôi cấy mô tại hộ gia đình"}
    _, round_, first, _ = scored_contest({"A": {0: 70, 1: 71}, "B": {0: 64, 1: 66}}, titles=titles,
                                          category_code="cntt", edition=edition)
    _, _, second, _ = scored_contest({"C": {0: 75, 1: 76}}, titles=titles, category_code="nong_nghiep",
                                     edition=edition)
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    for award in rs.awards:  # the list as it reads once the public vote is counted: three score columns
        award.vote_score = Decimal("12.5")
    db.session.commit()
    return rs, {**first, **second}


def _pdf_words(pdf: bytes, tmp_path) -> list[tuple[float, float, float, str]]:
    """Every word of the PDF with its box: (x_min, x_max, y_min, text)."""
    import subprocess

    path = tmp_path / "danh-sach-giai.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [(float(x0), float(x1), float(y0), word) for x0, y0, x1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)]


def test_award_list_pdf_fits_a4_keeps_cells_whole_and_lists_first_prizes_first(app, tmp_path):
    from contest import exports

    rs, entries = _two_field_awards()
    levels = {a.entry_id: a.level.name for a in rs.awards if a.level is not None}
    assert sorted(levels.values()) == ["Giải Khuyến khích", "Giải Nhất", "Giải Nhất"]
    words = _pdf_words(exports.awards_pdf(rs), tmp_path)

    page_width, right_margin = 841.89, 15 / 25.4 * 72  # A4 landscape
    assert [w for w in words if w[1] > page_width - right_margin + 1] == []  # nothing runs off the page

    lines: dict[float, list[str]] = {}
    for _, _, y0, word in sorted(words):
        lines.setdefault(round(y0), []).append(word)
    text_lines = [" ".join(ws) for _, ws in sorted(lines.items())]
    assert any("Giải Khuyến khích" in line for line in text_lines)  # the award reads whole on one line
    head = next(w for w in words if w[3] == "Tên")  # the title column runs from its heading to the authors'
    title_column = (head[0] - 1, next(w[0] for w in words if w[3] == "Tác" and w[2] == head[2]))
    column: dict[int, list[str]] = {}
    for x0, _, y0, w in sorted(words, key=lambda w: (w[2], w[0])):
        if title_column[0] <= x0 < title_column[1] and y0 > head[2] + 5:
            column.setdefault(round(y0), []).append(w)
    cell_lines = [" ".join(ws) for _, ws in sorted(column.items())]
    for entry in entries.values():  # a title wraps over a few lines, never one word a line
        start = next(i for i, line in enumerate(cell_lines) if entry.title.startswith(line))
        spans = [n for n in range(1, 5) if " ".join(cell_lines[start:start + n]) == entry.title]
        assert spans and spans[0] <= 3, (entry.title, cell_lines)

    order = [w for _, _, _, w in sorted(words, key=lambda w: (w[2], w[0])) if w in ("Nhất", "khích")]
    assert order == ["Nhất", "Nhất", "khích"]  # by level first, then by final rank
    body = " ".join(text_lines)
    assert body.index(entries["C"].title.split()[0]) < body.index(entries["A"].title.split()[0])


def test_organizer_raising_an_award_below_its_minimum_must_say_so_and_the_list_shows_it(app, client, auth):
    from decimal import Decimal

    from contest import results
    from contest.extensions import db
    from contest.models import AuditEvent, Award
    from tests.results.helpers import scored_contest

    edition, round_, entries, _ = scored_contest({"A": {0: 74, 1: 76}, "B": {0: 64, 1: 62}})
    for level in edition.award_levels:
        level.min_score = Decimal("70")
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_, actor=organizer)
    db.session.commit()
    award_b = next(a for a in rs.awards if a.entry_id == entries["B"].id)
    assert award_b.level is None  # 63 points: below every level's minimum of 70
    first = next(lv for lv in edition.award_levels if lv.position == 1)
    auth.as_(organizer)
    url = f"/quan-tri/ket-qua/bo/{rs.id}/giai/{award_b.id}"

    refused = client.post(url, data={f"a{award_b.id}-level_id": first.id,
                                     f"a{award_b.id}-reason": "Hội đồng đánh giá cao tính ứng dụng"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "thấp hơn điểm tối thiểu 70,00 của Giải Nhất" in page and "Bảng kết quả" in page
    assert db.session.get(Award, award_b.id).level is None

    accepted = client.post(url, data={f"a{award_b.id}-level_id": first.id, f"a{award_b.id}-below_minimum": "y",
                                      f"a{award_b.id}-reason": "Hội đồng đánh giá cao tính ứng dụng"})
    assert accepted.status_code == 302
    assert db.session.get(Award, award_b.id).level.id == first.id
    event = db.session.query(AuditEvent).filter_by(action="results.override", object_id=award_b.id).one()
    assert event.after["below_minimum"] is True
    page = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "dưới điểm tối thiểu của mức" in page  # the flash after saving
    row = page[page.index(f'id="award-{award_b.id}"'):].split("</tr>")[0]
    assert 'data-test="below-minimum"' in row


def test_member_sending_a_decision_with_nothing_chosen_gets_the_page_back_with_a_clear_message(client, auth, app):
    from contest import approvals
    from contest.extensions import db
    from contest.models import AwardApproval
    from tests.approvals.helpers import result_set_with_awards

    rs, members, organizer = result_set_with_awards(2, 3)
    award = approvals.proposed_awards(rs)[0]
    auth.as_(members[0])
    response = client.post(f"/quan-tri/hoi-dong/giai/{award.id}/quyet-dinh",
                           data={f"a{award.id}-comment": "Cần xem thêm số liệu"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    alert = re.search(r'role="alert">(.*?)</p>', page, re.S).group(1)
    assert f"{award.level.name} – {award.entry.reference_code}" in alert and "vui lòng chọn" in alert
    assert "<h1>Phê duyệt danh sách giải</h1>" in page and page.count('data-test="award"') == 2
    assert "Cần xem thêm số liệu" in page  # what was typed is kept
    assert "Vui lòng nhập trường này." not in page  # nothing is typed into a choice
    assert db.session.scalar(db.select(db.func.count(AwardApproval.id))) == 0


@pytest.mark.parametrize("starts_in_days", [-1, 5])
def test_every_round_asks_before_opening_and_a_later_start_offers_to_start_now(client, auth, organizer,
                                                                                starts_in_days):
    from datetime import timedelta

    from contest.extensions import db
    from contest.models import utcnow

    edition = make_edition()
    auth.as_(organizer)
    for round_ in edition.rounds:  # the preliminary round as much as the final one
        round_.opens_at = utcnow() + timedelta(days=starts_in_days)
        round_.closes_at = utcnow() + timedelta(days=starts_in_days + 10)
        db.session.commit()
        page = client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)
        forms = re.findall(rf'<form method="post" action="/quan-tri/vong-cham/{round_.id}/mo"([^>]*)>', page)
        assert forms, round_.name
        assert all("data-confirm=" in attributes for attributes in forms), round_.name
        if starts_in_days > 0:
            assert "Mở và bắt đầu chấm ngay" in page and "cho giám khảo chấm ngay bây giờ?" in page


def test_organizer_cloning_the_year_gets_both_names_and_headings_without_nested_quotes(client, auth, organizer):
    from contest.extensions import db
    from contest.models import Edition

    source = make_edition(year=2025, name="Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm 2025",
                          name_en="“Innovation – For beloved Thái Nguyên” contest 2025")
    auth.as_(organizer)

    form = client.get(f"/quan-tri/cuoc-thi/{source.id}/nhan-ban").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", form, re.S).group(1)
    assert heading == "Nhân bản Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm 2025"
    assert 'value="“Innovation – For beloved Thái Nguyên” contest 2026"' in form.replace("&#34;", '"')

    response = client.post(f"/quan-tri/cuoc-thi/{source.id}/nhan-ban", data={
        "year": 2026, "name": "Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm 2026",
        "name_en": "“Innovation – For beloved Thái Nguyên” contest 2026"})
    assert response.status_code == 302
    clone = db.session.scalars(db.select(Edition).where(Edition.year == 2026)).one()
    assert clone.name_en == "“Innovation – For beloved Thái Nguyên” contest 2026"
    overview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhân bản cấu hình từ Cuộc thi “Đổi mới sáng tạo" in overview
    assert "““" not in overview and "””" not in overview


def test_after_cloning_the_entry_list_still_shows_the_edition_with_entries_and_says_which(client, auth, organizer):
    from contest.editions import clone_edition
    from contest.extensions import db

    source = make_edition(year=2025)
    owner = make_user(Role.APPLICANT)
    for _ in range(3):
        make_entry(owner, source, status="submitted")
    clone = clone_edition(source, 2026, "Cuộc thi Đổi mới sáng tạo 2026")
    db.session.commit()
    auth.as_(organizer)
    listing = client.get("/quan-tri/bai-du-thi").get_data(as_text=True)
    assert "3 bài" in listing  # this year's entries, not the new year's empty list
    shown = re.search(r'data-test="shown-edition">(.*?)</p>', listing, re.S).group(1)
    assert f"2025 – {source.name}" in shown
    assert "0 bài" in client.get(f"/quan-tri/bai-du-thi?edition={clone.id}").get_data(as_text=True)


def test_a_clone_without_an_english_name_given_derives_it_for_the_new_year(app):
    from contest.editions import clone_edition

    source = make_edition(year=2025, name_en="Innovation contest 2025")
    clone = clone_edition(source, 2026, "Cuộc thi Đổi mới sáng tạo 2026")
    assert clone.name_en == "Innovation contest 2026"


def test_reliability_of_a_round_without_scores_is_not_offered_nor_a_conflict(client, auth, organizer):
    edition = make_edition()
    round_ = edition.rounds[0]
    auth.as_(organizer)
    workspace = client.get(f"/quan-tri/ket-qua/vong/{round_.id}").get_data(as_text=True)
    assert "Chưa có phiếu chấm nào đã nộp trong vòng này." in workspace
    assert "/giam-khao" not in workspace.split('data-test="method-switch"')[1].split("</form>")[0]

    response = client.get(f"/quan-tri/ket-qua/vong/{round_.id}/giam-khao")  # an old bookmark
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa đánh giá được độ tin cậy của giám khảo: Chưa có phiếu chấm nào đã nộp" in page
    assert "Dữ liệu đã thay đổi" not in page


def test_preliminary_round_ranks_without_award_levels_nor_uncertain_levels(app, client, auth, organizer):
    from decimal import Decimal

    from contest import results
    from contest.extensions import db
    from tests.results.helpers import add_sheet, make_judges

    edition = make_edition()
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    preliminary = min(edition.rounds, key=lambda r: r.position)
    judges = make_judges(3)
    owner = make_user(Role.APPLICANT)
    # Close scores with judges that disagree: in a round that gave prizes some levels would be uncertain.
    for i, totals in enumerate([(70, 58, 66), (64, 69, 61), (60, 66, 70), (67, 61, 63), (62, 64, 65)]):
        entry = make_entry(owner, edition, status="eligible", title=f"Giải pháp sơ khảo {i}")
        for judge, total in zip(judges, totals, strict=True):
            add_sheet(preliminary, entry, judge, total)
    db.session.commit()

    payload = results.payload_of(results.run_inputs(results.build_inputs(preliminary)))
    assert all(row["level"] is None and "grey_zone" not in row["flags"] for row in payload["rows"])
    auth.as_(organizer)
    page = client.get(f"/quan-tri/ket-qua/vong/{preliminary.id}").get_data(as_text=True)
    assert "Mức giải chưa chắc chắn" not in page

    final = max(edition.rounds, key=lambda r: r.position)
    assert results.award_levels_of(final)[0]  # the final round keeps the edition's prizes


def _pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    import subprocess

    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def _approved_but_unpublished_set():
    """Two entries scored, the list frozen and approved by a one-member committee, not yet published."""
    from decimal import Decimal

    from tests.results.helpers import approved_result_set, committee, scored_contest

    edition, round_, _entries, _ = scored_contest({"A": {0: 74, 1: 76}, "B": {0: 72, 1: 73}})
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 1)
    rs = approved_result_set(round_, organizer, members, actor=organizer)
    return edition, rs, organizer, members


def test_every_page_and_export_of_an_unpublished_set_says_draft(app, client, auth, tmp_path):
    import io
    import zipfile

    from contest import results
    from contest.extensions import db

    edition, rs, organizer, members = _approved_but_unpublished_set()
    auth.as_(organizer)

    page = client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    assert 'data-test="draft-mark"' in page and "Dự thảo" in page
    pdf = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.pdf")
    assert "du-thao-" in pdf.headers["Content-Disposition"]
    assert "DỰ THẢO" in _pdf_text(pdf.data, tmp_path, "list.pdf")
    archive = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/chung-nhan.zip")
    assert "du-thao-" in archive.headers["Content-Disposition"]
    certificates = zipfile.ZipFile(io.BytesIO(archive.data))
    assert certificates.namelist()
    for name in certificates.namelist():
        assert "DỰ THẢO" in _pdf_text(certificates.read(name), tmp_path, "one.pdf")
    for name in ("danh-sach-giai.csv", "xep-hang.xlsx"):
        response = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/{name}")
        assert "du-thao-" in response.headers["Content-Disposition"], name
    auth.as_(members[0])
    assert 'data-test="draft-mark"' in client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").get_data(as_text=True)

    results.publish_results(rs, actor=organizer, notify=False)
    db.session.commit()
    auth.as_(organizer)
    assert 'data-test="draft-mark"' not in client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    pdf = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/danh-sach-giai.pdf")
    assert "du-thao-" not in pdf.headers["Content-Disposition"]
    assert "DỰ THẢO" not in _pdf_text(pdf.data, tmp_path, "list.pdf")


def test_preliminary_round_offers_no_certificates_and_an_old_link_says_why(app, client, auth, organizer):
    from contest import results
    from contest.extensions import db
    from tests.results.helpers import add_sheet, make_judges

    edition = make_edition()
    preliminary = min(edition.rounds, key=lambda r: r.position)
    judges = make_judges(2)
    owner = make_user(Role.APPLICANT)
    for totals in ((70, 72), (66, 64)):
        entry = make_entry(owner, edition, status="eligible")
        for judge, total in zip(judges, totals, strict=True):
            add_sheet(preliminary, entry, judge, total)
    rs = results.compute_result_set(preliminary, actor=organizer)
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    assert "chung-nhan.zip" not in page and 'data-test="no-certificates"' in page
    response = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/xuat/chung-nhan.zip")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vòng này chỉ xét bài vào vòng sau, không trao giải" in page


def test_publishing_while_submission_is_open_warns_first_and_the_home_page_then_links_the_results(
        app, client, auth, mailbox):

    from contest.models import utcnow

    edition, rs, organizer, members = _approved_but_unpublished_set()
    assert edition.registration_open(utcnow())
    auth.as_(organizer)

    page = client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    warning = re.search(r'data-test="submission-open-warning">(.*?)</p>', page, re.S).group(1)
    assert "Cuộc thi vẫn đang nhận bài" in warning and "kết thúc việc nhận bài" in warning
    publish_form = re.search(rf'<form method="post" action="/quan-tri/ket-qua/bo/{rs.id}/cong-bo"([^>]*)>', page)
    assert "data-confirm=" in publish_form.group(1)

    assert client.post(f"/quan-tri/ket-qua/bo/{rs.id}/cong-bo", data={}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'data-test="results-link"' in home and "Gửi bài dự thi" not in home


def _bare_committee_names(text: str) -> list[str]:
    """Each "Ban tổ chức" that names the approving body without saying it is its members who decide."""
    return [m.group(0) for m in re.finditer(r"(\S+\s+){0,2}Ban tổ chức", text)
            if not re.search(r"thành viên\s+Ban tổ chức$", m.group(0), re.I)]


def test_the_approving_members_and_the_secretariat_that_sends_to_them_are_never_called_the_same(
        app, client, auth, mailbox):
    from contest.approvals import send_for_approval
    from contest.extensions import db
    from tests.approvals.helpers import result_set_with_awards

    rs, members, organizer = result_set_with_awards(2, 3, sent=False)
    auth.as_(organizer)
    for url in ("/quan-tri/phe-duyet", f"/quan-tri/hoi-dong/ket-qua/{rs.id}"):
        page = client.get(url).get_data(as_text=True)
        main = page[page.index("<main"):page.index("</main>")]
        assert _bare_committee_names(main) == [], url
    page = client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").get_data(as_text=True)
    assert "Gửi các thành viên Ban tổ chức phê duyệt" in page

    with app.test_request_context("/"):
        send_for_approval(rs, actor=organizer)
    db.session.commit()
    letter = mailbox[0].body
    assert "Tổ thư ký cuộc thi đề nghị ông/bà, thành viên Ban tổ chức" in letter
    assert letter.rstrip().endswith("Tổ thư ký cuộc thi")
    assert _bare_committee_names(letter) == []

    auth.as_(members[0])
    home = client.get("/quan-tri/hoi-dong").get_data(as_text=True)
    assert _bare_committee_names(home[home.index("<main"):home.index("</main>")]) == []
