"""Verifiable certificates: issued at finalization with an unguessable code and a QR code, checked by anyone
at /xac-minh/<code>, revoked when a correction changes the award; printed in administrative style."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from contest import approvals, certificates, exports, results
from contest.extensions import db
from contest.models import Certificate, ResultStatus
from tests.complaints.helpers import published_contest
from tests.results.helpers import approve_all


def _finalized():
    rs, entries, organizer = published_contest()
    results.finalize_results(rs, organizer, now=rs.complaint_ends_at + timedelta(minutes=1))
    db.session.commit()
    return rs, entries, organizer


def _certificate(entry) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.entry_id == entry.id))


def test_finalizing_issues_one_certificate_per_winner_with_an_unguessable_code(app):
    rs, entries, _ = _finalized()
    winners = [a for a in rs.awards if a.level is not None]
    issued = db.session.scalars(select(Certificate)).all()
    assert sorted(c.entry_id for c in issued) == sorted(a.entry_id for a in winners)
    codes = {c.code for c in issued}
    assert len(codes) == len(issued)
    for code in codes:
        raw = code.replace("-", "")
        assert len(raw) == certificates.CODE_LENGTH and set(raw) <= set(certificates.CODE_ALPHABET)
    # Finalizing again (a double click) issues nothing new.
    results.finalize_results(rs)
    assert db.session.scalar(select(db.func.count(Certificate.id))) == len(issued)


def test_a_visitor_verifies_a_certificate_and_learns_nothing_from_a_wrong_code(app, client):
    rs, entries, _ = _finalized()
    certificate = _certificate(entries["A"])
    html = client.get(f"/xac-minh/{certificate.code}").get_data(as_text=True)
    assert "Giấy chứng nhận hợp lệ" in html
    assert certificate.level_name in html and entries["A"].title in html and entries["A"].owner.full_name in html
    assert rs.edition.name in html
    # Typed by hand from paper: lower case, without dashes.
    assert client.get(f"/xac-minh/{certificate.code.replace('-', '').lower()}").status_code == 200
    wrong = client.get("/xac-minh/AAAA-BBBB-CCCC")
    assert wrong.status_code == 404 and "Không tìm thấy giấy chứng nhận" in wrong.get_data(as_text=True)
    assert entries["A"].title not in wrong.get_data(as_text=True)


def test_a_correction_that_changes_an_award_revokes_its_certificate_and_keeps_the_others(app, client):
    rs, entries, organizer = _finalized()
    changed, kept = _certificate(entries["B"]), _certificate(entries["A"])
    correction = results.create_correction(rs, "Khiếu nại của bài B được chấp nhận", organizer)
    award_b = next(a for a in correction.awards if a.entry_id == entries["B"].id)
    third = next(lv for lv in rs.edition.award_levels if lv.position == 3)
    results.override_award_level(award_b, third, "Hội đồng chấm lại tiêu chí khả năng áp dụng", organizer)
    results.freeze_result_set(correction, organizer)
    db.session.commit()
    approve_all(correction, [m.user for m in approvals.committee(rs.edition)])
    results.publish_results(correction, rs.complaint_ends_at + timedelta(days=1), actor=organizer, notify=False)
    results.finalize_results(correction, organizer, now=rs.complaint_ends_at + timedelta(days=2))
    db.session.commit()
    assert correction.status == ResultStatus.FINALIZED
    db.session.expire_all()
    assert changed.revoked_at is not None and kept.revoked_at is None
    html = client.get(f"/xac-minh/{changed.code}").get_data(as_text=True)
    assert "đã bị thu hồi" in html and "đính chính" in html
    assert "Giấy chứng nhận hợp lệ" in client.get(f"/xac-minh/{kept.code}").get_data(as_text=True)
    new_b = _certificates_of(entries["B"])
    assert [c.level_name for c in new_b if c.valid] == [third.name]


def _certificates_of(entry) -> list[Certificate]:
    return db.session.scalars(select(Certificate).where(Certificate.entry_id == entry.id)).all()


def test_the_verification_page_is_rate_limited(app, client):
    rs, entries, _ = _finalized()
    app.config["RATELIMIT_ENABLED"] = True
    app.config["VERIFY_LIMIT_ADDRESS"] = "3 per minute"
    from contest.extensions import limiter

    limiter.enabled = True
    try:
        statuses = [client.get(f"/xac-minh/AAAA-BBBB-CCC{i}").status_code for i in range(5)]
    finally:
        limiter.enabled = False
        limiter.reset()
    assert statuses[:3] == [404, 404, 404] and statuses[-1] == 429


def test_the_certificate_is_in_administrative_style_with_the_signer_and_its_code(app, tmp_path: Path):
    rs, entries, organizer = _finalized()
    certificates.update_settings(rs.edition, place="Thái Nguyên", signed_on=date(2026, 12, 5),
                                 signer_title="KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC", signer_name="Nguyễn Văn Minh",
                                 actor=organizer)
    db.session.commit()
    award = next(a for a in rs.awards if a.entry_id == entries["A"].id)
    pdf = exports.certificate_pdf(award)
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    assert "Thái Nguyên, ngày 05 tháng 12 năm 2026" in text
    assert "KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC" in text and "Nguyễn Văn Minh" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text.upper() and "Độc lập – Tự do – Hạnh phúc" in text
    code = _certificate(entries["A"]).code
    assert code in text and f"/xac-minh/{code}" in text


@pytest.mark.parametrize("day,expected", [(date(2026, 1, 9), "Thái Nguyên, ngày 09 tháng 01 năm 2026")])
def test_the_date_line_reads_like_an_administrative_document(day, expected):
    assert certificates.administrative_date("Thái Nguyên", day) == expected
