"""The organizers' audit trail: who did what, when, from where; filters, pages and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditEvent, Role, utcnow
from tests.factories import make_user


def _event(action: str, actor=None, *, object_type: str = "entries", object_id: int | None = 1,
           ip: str | None = "203.0.113.7", days_ago: int = 0, after: dict | None = None) -> AuditEvent:
    event = AuditEvent(actor_id=actor.id if actor else None, action=action, object_type=object_type,
                       object_id=object_id, ip=ip, after=after, created_at=utcnow() - timedelta(days=days_ago))
    db.session.add(event)
    db.session.commit()
    return event


def test_only_organizers_read_the_trail(client, auth):
    for role in (Role.APPLICANT, Role.JUDGE, Role.COMMITTEE):
        auth.as_(make_user(role))
        assert client.get("/quan-tri/nhat-ky").status_code == 403
        assert client.get("/quan-tri/nhat-ky/xuat.csv").status_code == 403
        auth.logout()
    response = client.get("/quan-tri/nhat-ky")
    assert response.status_code == 302 and "/tai-khoan/dang-nhap" in response.headers["Location"]


def test_organizer_filters_by_actor_action_object_and_dates(client, auth):
    organizer = make_user(Role.ORGANIZER, full_name="Phạm Quản Trị")
    clerk = make_user(Role.ORGANIZER, full_name="Đỗ Thư Ký", email="thuky@example.vn")
    _event("entry.submit", clerk, object_id=5, ip="198.51.100.4")
    _event("results.publish", organizer, object_type="result_sets", object_id=9)
    _event("results.freeze", organizer, object_type="result_sets", object_id=9, days_ago=10)
    _event("system.cleanup", None, object_type="system", object_id=None, ip=None)
    auth.as_(organizer)

    page = client.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert "Đỗ Thư Ký" in page and "198.51.100.4" in page and "results.publish" in page and "Hệ thống" in page

    def shown(**args) -> list[str]:
        response = client.get("/quan-tri/nhat-ky", query_string=args)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        return [a for a in ("entry.submit", "results.publish", "results.freeze", "system.cleanup")
                if f"<code>{a}</code>" in text]

    assert shown(actor="thuky") == ["entry.submit"]
    assert shown(actor=str(clerk.id)) == ["entry.submit"]
    assert shown(action="results") == ["results.publish", "results.freeze"]
    assert shown(action="results.freeze") == ["results.freeze"]
    assert shown(object_type="result_sets", object_id="9") == ["results.publish", "results.freeze"]
    today = utcnow().date()
    assert "results.freeze" not in shown(**{"from": (today - timedelta(days=2)).isoformat()})
    assert shown(to=(today - timedelta(days=5)).strftime("%d/%m/%Y")) == ["results.freeze"]
    assert shown(ip="198.51") == ["entry.submit"]

    bad = client.get("/quan-tri/nhat-ky", query_string={"from": "31/02/2025", "object_id": "abc"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in bad.get_data(as_text=True)


def test_pages_of_fifty(client, auth):
    organizer = make_user(Role.ORGANIZER)
    for i in range(60):
        db.session.add(AuditEvent(actor_id=organizer.id, action="entry.update", object_type="entries", object_id=i,
                                  created_at=utcnow() - timedelta(seconds=i)))
    db.session.commit()
    auth.as_(organizer)
    first = client.get("/quan-tri/nhat-ky?action=entry.update").get_data(as_text=True)
    second = client.get("/quan-tri/nhat-ky?action=entry.update&page=2").get_data(as_text=True)
    assert first.count('data-test="audit-event"') == 50 and second.count('data-test="audit-event"') == 10
    assert "Trang 1 / 2" in first


def test_exports_are_recorded_and_neutralise_formulas(client, auth):
    organizer = make_user(Role.ORGANIZER, full_name="Phạm Quản Trị")
    _event("entry.update", organizer, after={"title": "=HYPERLINK(\"http://x\")"})
    _event("=cmd|' /C calc'!A0", organizer)
    auth.as_(organizer)

    response = client.get("/quan-tri/nhat-ky/xuat.csv?actor=Phạm")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "Mã" and {"entry.update", "'=cmd|' /C calc'!A0"} <= {row[4] for row in rows}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any("Phạm Quản Trị" in row for row in rows)

    xlsx = client.get("/quan-tri/nhat-ky/xuat.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(not v.startswith("=") for v in values)
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported")).all()
    assert len(exported) == 2 and exported[0].actor_id == organizer.id
