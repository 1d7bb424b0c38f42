"""Complaints (khiếu nại): filed by an author during the complaint period, settled by organizers with
reasons, an upheld one leading to the correction; a list with an unresolved complaint cannot be finalized."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest import complaints, results
from contest.extensions import db
from contest.models import AuditEvent, Complaint, ResultStatus, Role, utcnow
from contest.storage import get_store
from tests.complaints.helpers import published_contest
from tests.factories import make_user

TEXT = "Đề nghị Ban tổ chức xem lại điểm tiêu chí tính mới: giải pháp đã áp dụng tại ba hợp tác xã."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _actions(obj_type: str, obj_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == obj_type,
                                                                   AuditEvent.object_id == obj_id)))


def test_author_files_a_complaint_with_a_file_from_their_result_page_and_is_emailed(app, auth, mailbox):
    rs, entries, _ = published_contest()
    entry = entries["D"]
    client = auth.as_(entry.owner)
    page = client.get(f"/ket-qua/bai/{entry.id}").get_data(as_text=True)
    assert 'data-test="complaint-form"' in page
    response = client.post(f"/ket-qua/bai/{entry.id}/khieu-nai",
                           data={"body": TEXT, "file": (io.BytesIO(PDF), "bang-chung.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    complaint = db.session.scalar(select(Complaint))
    assert complaint.entry_id == entry.id and complaint.result_set_id == rs.id and complaint.status == "new"
    assert complaint.file_name == "bang-chung.pdf" and get_store().exists(complaint.file_key)
    assert "complaint.filed" in _actions("complaints", complaint.id)
    mail = next(m for m in mailbox if entry.owner.email in m.recipients and "khiếu nại" in m.subject)
    assert entry.reference_code in mail.subject and "đã nhận khiếu nại" in mail.body
    page = client.get(f"/ket-qua/bai/{entry.id}").get_data(as_text=True)
    assert "Đã nhận, chờ xem xét" in page and 'data-test="complaint-form"' not in page


def test_only_one_open_complaint_per_entry_and_a_second_after_it_is_settled(app):
    rs, entries, organizer = published_contest()
    entry = entries["E"]
    first = complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT)
    db.session.commit()
    with pytest.raises(complaints.ComplaintError, match="chưa được giải quyết"):
        complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT + " Bổ sung.")
    db.session.rollback()
    complaints.decide_complaint(first, actor=organizer, upheld=False, reason="Điểm đã được chấm đúng thang.")
    db.session.commit()
    second = complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT + " Lần hai.")
    db.session.commit()
    assert second.id != first.id and second.is_open


def test_the_database_refuses_two_open_complaints_for_one_entry(app):
    rs, entries, _ = published_contest()
    entry = entries["E"]
    db.session.add_all([Complaint(result_set_id=rs.id, entry_id=entry.id, body=TEXT, status="new"),
                        Complaint(result_set_id=rs.id, entry_id=entry.id, body=TEXT, status="reviewing")])
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_no_complaint_after_the_period_ends_nor_from_someone_else_nor_without_text(app, auth):
    rs, entries, _ = published_contest()
    entry = entries["C"]
    with pytest.raises(complaints.ComplaintError, match="thời hạn khiếu nại"):
        complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT,
                                  now=rs.complaint_ends_at + timedelta(seconds=1))
    stranger = make_user(Role.APPLICANT)
    with pytest.raises(complaints.ComplaintError, match="tác giả"):
        complaints.file_complaint(entry, rs, actor=stranger, body=TEXT)
    with pytest.raises(complaints.ComplaintError, match="nội dung khiếu nại"):
        complaints.file_complaint(entry, rs, actor=entry.owner, body="Sai.")
    db.session.rollback()
    assert db.session.scalar(select(Complaint)) is None
    # Past the period the result page no longer offers the form.
    rs.complaint_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = auth.as_(entry.owner).get(f"/ket-qua/bai/{entry.id}").get_data(as_text=True)
    assert 'data-test="complaint-form"' not in page and "không còn trong thời hạn khiếu nại" in page


def test_a_wrong_file_type_is_refused_and_nothing_is_kept(app, auth):
    _, entries, _ = published_contest()
    entry = entries["B"]
    client = auth.as_(entry.owner)
    response = client.post(f"/ket-qua/bai/{entry.id}/khieu-nai",
                           data={"body": TEXT, "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "x.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "PDF, JPEG hoặc PNG" in response.get_data(as_text=True)
    assert db.session.scalar(select(Complaint)) is None


def test_finalizing_with_an_unresolved_complaint_is_refused_with_a_clear_message(app):
    rs, entries, organizer = published_contest()
    entry = entries["F"]
    complaint = complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT)
    db.session.commit()
    after = rs.complaint_ends_at + timedelta(minutes=1)
    with pytest.raises(results.ResultError, match=entry.reference_code) as refused:
        results.finalize_results(rs, organizer, now=after)
    assert "chưa được giải quyết" in refused.value.message
    db.session.rollback()
    complaints.start_review(complaint, actor=organizer)
    complaints.decide_complaint(complaint, actor=organizer, upheld=False, reason="Không có căn cứ.")
    db.session.commit()
    results.finalize_results(rs, organizer, now=after)
    db.session.commit()
    assert rs.status == ResultStatus.FINALIZED


def test_an_upheld_complaint_opens_the_correction_and_the_applicant_reads_the_decision(app, auth, mailbox):
    rs, entries, organizer = published_contest()
    entry = entries["D"]
    complaint = complaints.file_complaint(entry, rs, actor=entry.owner, body=TEXT)
    db.session.commit()
    client = auth.as_(organizer)
    queue = client.get("/quan-tri/khieu-nai").get_data(as_text=True)
    assert entry.reference_code in queue
    response = client.post(f"/quan-tri/khieu-nai/{complaint.id}/quyet-dinh",
                           data={"decision": "upheld", "reason": "Điểm tiêu chí tính mới bị nhập nhầm."})
    assert response.status_code == 302
    db.session.expire_all()
    assert complaint.status == "upheld" and complaint.correction is not None
    assert complaint.correction.supersedes_id == rs.id and rs.status == ResultStatus.SUPERSEDED
    assert "complaint.decided" in _actions("complaints", complaint.id)
    decided = [m for m in mailbox if entry.owner.email in m.recipients and "giải quyết khiếu nại" in m.subject]
    assert decided and "được chấp nhận" in decided[-1].body and "nhập nhầm" in decided[-1].body
    auth.logout()
    page = auth.as_(entry.owner).get(f"/ket-qua/bai/{entry.id}").get_data(as_text=True)
    assert "Được chấp nhận" in page and "nhập nhầm" in page


def test_a_decision_needs_a_reason(app, auth):
    rs, entries, organizer = published_contest()
    complaint = complaints.file_complaint(entries["D"], rs, actor=entries["D"].owner, body=TEXT)
    db.session.commit()
    response = auth.as_(organizer).post(f"/quan-tri/khieu-nai/{complaint.id}/quyet-dinh",
                                        data={"decision": "rejected", "reason": "  "})
    assert response.status_code == 422 and "ghi rõ lý do" in response.get_data(as_text=True)
    db.session.expire_all()
    assert complaint.status == "new"


def test_dashboard_and_statistics_count_complaints_received_and_settled(app, auth):
    rs, entries, organizer = published_contest()
    settled = complaints.file_complaint(entries["D"], rs, actor=entries["D"].owner, body=TEXT)
    complaints.file_complaint(entries["E"], rs, actor=entries["E"].owner, body=TEXT)
    complaints.decide_complaint(settled, actor=organizer, upheld=False, reason="Không có căn cứ.")
    db.session.commit()
    client = auth.as_(organizer)
    dashboard = client.get("/quan-tri/").get_data(as_text=True)
    assert "đã nhận 2, đã giải quyết 1" in dashboard and "1 khiếu nại đang chờ" in dashboard
    report = client.get(f"/quan-tri/cuoc-thi/{rs.edition_id}/thong-ke").get_data(as_text=True)
    assert 'data-test="fig-complaints-received">2<' in report
    assert 'data-test="fig-complaints-settled">1<' in report
