"""Organizers list, search, filter, screen, bulk-mark, reopen and export entries."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditEvent, EligibilityResult, Entry, EntryStatus, Role
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture
def setup(app, auth):
    edition = make_edition()
    applicant = make_user(full_name="Hoàng Văn Đức")
    entries = [
        make_entry(applicant, edition, status="submitted", title="Máy sấy chè Thái Nguyên",
                   organization="HTX Chè Tân Cương", category_code="nong_nghiep"),
        make_entry(applicant, edition, status="submitted", title="Ứng dụng số hóa hồ sơ", category_code="cntt"),
        make_entry(applicant, edition, status="draft", title="=HYPERLINK(\"http://x\")", category_code="cntt"),
    ]
    organizer = make_user(Role.ORGANIZER)
    auth.as_(organizer)
    return edition, applicant, entries, organizer


def test_search_without_diacritics_finds_vietnamese_titles(setup, client):
    edition, _, entries, _ = setup
    page = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&q=thai+nguyen").get_data(as_text=True)
    assert "Máy sấy chè Thái Nguyên" in page and "Ứng dụng số hóa" not in page
    page = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&q=TAN CUONG").get_data(as_text=True)
    assert "Máy sấy chè Thái Nguyên" in page
    page = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&q=so hoa").get_data(as_text=True)
    assert "Ứng dụng số hóa hồ sơ" in page and "Máy sấy" not in page
    page = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&q=100%25").get_data(as_text=True)
    assert "Không có bài dự thi nào phù hợp." in page


def test_filter_by_category_and_status(setup, client):
    edition, _, entries, _ = setup
    cntt = next(c for c in edition.categories if c.code == "cntt")
    page = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&category={cntt.id}&status=submitted")
    text = page.get_data(as_text=True)
    assert text.count('data-test="entry-row"') == 1 and "Ứng dụng số hóa hồ sơ" in text


def test_list_is_paginated(setup, client):
    edition, applicant, _, _ = setup
    for i in range(26):
        make_entry(applicant, edition, status="submitted", title=f"Bài số {i}")
    first = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}").get_data(as_text=True)
    second = client.get(f"/quan-tri/bai-du-thi?edition={edition.id}&page=2").get_data(as_text=True)
    assert first.count('data-test="entry-row"') == 25 and second.count('data-test="entry-row"') == 4
    assert "Trang 1 / 2" in first


def test_only_organizers_see_the_list(setup, client, auth):
    _, applicant, entries, _ = setup
    auth.logout()
    auth.as_(applicant)
    assert client.get("/quan-tri/bai-du-thi").status_code == 403
    assert client.get(f"/quan-tri/bai-du-thi/{entries[0].id}").status_code == 403
    assert client.post(f"/quan-tri/bai-du-thi/{entries[0].id}/tham-dinh",
                       data={"decision": "eligible"}).status_code == 403


def test_organizer_marks_an_entry_eligible_with_the_checklist(setup, client, mailbox):
    edition, _, entries, _ = setup
    entry = entries[0]
    data = {"decision": "eligible"} | {f"check-{c.id}": "y" for c in edition.eligibility_checks}
    assert client.post(f"/quan-tri/bai-du-thi/{entry.id}/tham-dinh", data=data).status_code == 302
    db.session.refresh(entry)
    assert entry.status == EntryStatus.ELIGIBLE and entry.screened_at is not None
    results = db.session.scalars(select(EligibilityResult).where(EligibilityResult.entry_id == entry.id)).all()
    assert len(results) == 3 and all(r.passed for r in results)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.screened")) is not None
    assert "hợp lệ" in mailbox[0].body


def test_eligible_with_a_failed_check_is_refused(setup, client):
    edition, _, entries, _ = setup
    first = edition.eligibility_checks[0]
    response = client.post(f"/quan-tri/bai-du-thi/{entries[0].id}/tham-dinh",
                           data={"decision": "eligible", f"check-{first.id}": "y"})
    assert response.status_code == 422
    db.session.refresh(entries[0])
    assert entries[0].status == EntryStatus.SUBMITTED


def test_ineligible_defaults_to_the_failed_checks_reasons_and_the_applicant_sees_it(setup, client, auth):
    edition, applicant, entries, _ = setup
    entry = entries[0]
    checks = edition.eligibility_checks
    data = {"decision": "ineligible", f"check-{checks[0].id}": "y", f"check-{checks[1].id}": "y"}
    assert client.post(f"/quan-tri/bai-du-thi/{entry.id}/tham-dinh", data=data).status_code == 302
    db.session.refresh(entry)
    assert entry.status == EntryStatus.INELIGIBLE
    assert entry.ineligible_reason == checks[2].failure_reason
    auth.logout()
    auth.as_(applicant)
    page = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    assert checks[2].failure_reason in page and "Ban tổ chức thẩm định hồ sơ" in page


def test_ineligible_with_every_check_passed_needs_a_reason(setup, client):
    edition, _, entries, _ = setup
    data = {"decision": "ineligible"} | {f"check-{c.id}": "y" for c in edition.eligibility_checks}
    response = client.post(f"/quan-tri/bai-du-thi/{entries[0].id}/tham-dinh", data=data)
    assert response.status_code == 422
    assert "Vui lòng nêu lý do" in response.get_data(as_text=True)
    data["reason"] = "Hồ sơ trùng với bài đã dự thi năm trước."
    assert client.post(f"/quan-tri/bai-du-thi/{entries[0].id}/tham-dinh", data=data).status_code == 302
    db.session.refresh(entries[0])
    assert entries[0].ineligible_reason == "Hồ sơ trùng với bài đã dự thi năm trước."


def test_draft_cannot_be_screened(setup, client):
    _, _, entries, _ = setup
    response = client.post(f"/quan-tri/bai-du-thi/{entries[2].id}/tham-dinh", data={"decision": "ineligible",
                                                                                     "reason": "x"})
    assert response.status_code == 409


def test_bulk_mark_eligible_skips_drafts(setup, client):
    _, _, entries, _ = setup
    response = client.post("/quan-tri/bai-du-thi/hang-loat",
                           data={"action": "eligible", "ids": [e.id for e in entries]})
    assert response.status_code == 302
    statuses = [db.session.get(Entry, e.id).status for e in entries]
    assert statuses == ["eligible", "eligible", "draft"]
    assert client.post("/quan-tri/bai-du-thi/hang-loat", data={"action": "ineligible",
                                                               "ids": [entries[0].id]}).status_code == 422
    assert client.post("/quan-tri/bai-du-thi/hang-loat", data={"action": "eligible"}).status_code == 422


def test_reopen_needs_a_reason_is_audited_and_lets_the_applicant_edit_after_the_deadline(setup, client, auth, mailbox):
    edition, applicant, entries, _ = setup
    entry = entries[0]
    assert client.post(f"/quan-tri/bai-du-thi/{entry.id}/mo-lai", data={"reason": ""}).status_code == 422
    from datetime import timedelta

    from contest.models import utcnow

    edition.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/quan-tri/bai-du-thi/{entry.id}/mo-lai",
                           data={"reason": "Bổ sung phiếu đăng ký có chữ ký."})
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.status == EntryStatus.DRAFT and entry.reopened_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.reopened")).one()
    assert event.reason == "Bổ sung phiếu đăng ký có chữ ký."
    assert "Bổ sung phiếu đăng ký có chữ ký." in mailbox[0].body
    auth.logout()
    auth.as_(applicant)
    assert client.get(f"/bai-du-thi/{entry.id}/sua").status_code == 200
    response = client.post(f"/bai-du-thi/{entry.id}/tac-gia", data={"full_name": "Người bổ sung"})
    assert response.status_code == 302  # editable again despite the deadline
    assert "Bổ sung phiếu đăng ký có chữ ký." in client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)


def test_export_csv_is_utf8_with_bom_and_formula_safe(setup, client):
    edition, _, entries, _ = setup
    response = client.get(f"/quan-tri/bai-du-thi/xuat.csv?edition={edition.id}")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã bài" and len(rows) == 4
    titles = {row[1] for row in rows[1:]}
    assert "Máy sấy chè Thái Nguyên" in titles and "'=HYPERLINK(\"http://x\")" in titles


def test_export_respects_the_filter(setup, client):
    edition, _, _, _ = setup
    response = client.get(f"/quan-tri/bai-du-thi/xuat.csv?edition={edition.id}&q=thai nguyen")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Máy sấy chè Thái Nguyên"]


def test_export_xlsx_has_vietnamese_headers_widths_and_a_frozen_header(setup, client):
    edition, _, entries, _ = setup
    response = client.get(f"/quan-tri/bai-du-thi/xuat.xlsx?edition={edition.id}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Mã bài", "Tên giải pháp", "Lĩnh vực"] and "Trạng thái" in headers
    assert sheet.column_dimensions["B"].width >= 20
    values = {sheet.cell(row=r, column=2).value for r in range(2, sheet.max_row + 1)}
    assert "Máy sấy chè Thái Nguyên" in values
    assert "'=HYPERLINK(\"http://x\")" in values
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_organizer_opens_any_entry(setup, client):
    _, _, entries, _ = setup
    page = client.get(f"/quan-tri/bai-du-thi/{entries[1].id}")
    assert page.status_code == 200 and "Thẩm định điều kiện dự thi" in page.get_data(as_text=True)
    assert client.get("/quan-tri/bai-du-thi/999999").status_code == 404
