"""Committee pages: organizers manage members and send lists; members decide on each award."""

from __future__ import annotations

from contest import approvals
from contest.extensions import db
from contest.models import AuditEvent, AwardApproval, Role
from tests.approvals.helpers import result_set_with_awards
from tests.factories import make_user


def test_organizer_adds_and_removes_a_member(client, auth, app) -> None:
    rs, people, organizer = result_set_with_awards(1, 0, sent=False)
    newcomer = make_user(Role.APPLICANT, email="pho.giam.doc@thainguyen.gov.vn")
    auth.as_(organizer)
    url = f"/quan-tri/phe-duyet/ban-to-chuc/{rs.edition_id}"
    response = client.post(url, data={"email": "PHO.GIAM.DOC@thainguyen.gov.vn", "title": "Phó Trưởng ban"})
    assert response.status_code == 302
    db.session.refresh(newcomer)
    assert newcomer.has_role(Role.COMMITTEE)
    again = client.post(url, data={"email": newcomer.email})
    assert again.status_code == 409 and "đã là thành viên" in again.get_data(as_text=True)
    unknown = client.post(url, data={"email": "khong.co@gmail.com"})
    assert unknown.status_code == 422
    (membership,) = approvals.committee(rs.edition)
    assert client.post(f"/quan-tri/phe-duyet/ban-to-chuc/thanh-vien/{membership.id}/xoa").status_code == 302
    db.session.refresh(newcomer)
    assert not newcomer.has_role(Role.COMMITTEE)


def test_organizer_sends_the_list_and_members_are_mailed(client, auth, mailbox, app) -> None:
    rs, people, organizer = result_set_with_awards(2, 3, sent=False)
    auth.as_(organizer)
    assert client.post(f"/quan-tri/phe-duyet/ket-qua/{rs.id}/gui").status_code == 302
    assert len(mailbox) == 3
    assert f"/quan-tri/hoi-dong/ket-qua/{rs.id}" in mailbox[0].body
    html = client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").get_data(as_text=True)
    assert "còn thiếu 2 phiếu phê duyệt" in html


def test_member_sees_parts_and_approves_an_award(client, auth, app) -> None:
    rs, people, organizer = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    auth.as_(people[0])
    home = client.get("/quan-tri/hoi-dong").get_data(as_text=True)
    assert f"/quan-tri/hoi-dong/ket-qua/{rs.id}" in home
    html = client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").get_data(as_text=True)
    assert "Điểm của Hội đồng giám khảo" in html and "Điểm bình chọn" in html and "12,3" in html
    assert "còn cần 2 phiếu phê duyệt" in html
    response = client.post(f"/quan-tri/hoi-dong/giai/{award.id}/quyet-dinh",
                           data={f"a{award.id}-decision": "approve", f"a{award.id}-comment": "Xứng đáng"})
    assert response.status_code == 302
    row = db.session.scalars(db.select(AwardApproval)).one()
    assert (row.member_id, row.decision, row.comment, row.revision) == (people[0].id, "approve", "Xứng đáng", 1)
    html = client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").get_data(as_text=True)
    assert "còn cần 1 phiếu phê duyệt" in html
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "award.approved"))


def test_decision_without_choice_is_422(client, auth, app) -> None:
    rs, people, organizer = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    auth.as_(people[1])
    response = client.post(f"/quan-tri/hoi-dong/giai/{award.id}/quyet-dinh", data={})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(AwardApproval.id))) == 0


def test_outsiders_cannot_see_or_decide(client, auth, app) -> None:
    rs, people, organizer = result_set_with_awards(1, 3)
    award = approvals.proposed_awards(rs)[0]
    outsider = make_user(Role.COMMITTEE)
    auth.as_(outsider)
    assert client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").status_code == 404
    assert client.post(f"/quan-tri/hoi-dong/giai/{award.id}/quyet-dinh",
                       data={f"a{award.id}-decision": "approve"}).status_code == 404
    auth.logout()
    auth.as_(organizer)  # an organizer sees the list but is not a member
    assert client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").status_code == 200
    assert client.post(f"/quan-tri/hoi-dong/giai/{award.id}/quyet-dinh",
                       data={f"a{award.id}-decision": "approve"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(AwardApproval.id))) == 0


def test_member_does_not_see_lists_before_they_are_sent(client, auth, app) -> None:
    rs, people, organizer = result_set_with_awards(1, 3, sent=False)
    auth.as_(people[0])
    assert client.get(f"/quan-tri/hoi-dong/ket-qua/{rs.id}").status_code == 404
