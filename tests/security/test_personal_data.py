"""Personal data: applicants download what we hold and have it erased once the edition is finalized."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from contest.extensions import db
from contest.models import (
    AuditEvent,
    Award,
    DeletionRequest,
    Entry,
    EntryConflictDeclaration,
    ResultSet,
    Role,
    User,
    utcnow,
)
from contest.storage import get_store
from tests.entries.helpers import kind, tiny_pdf, upload
from tests.factories import TEST_PASSWORD, make_edition, make_entry, make_user


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _finalize(edition, awarded: Entry | None = None) -> None:
    """Close the edition, with a finalized public list giving ``awarded`` the first prize."""
    edition.status = "closed"
    if awarded is not None:
        level = min(edition.award_levels, key=lambda lv: lv.position)
        rs = ResultSet(edition_id=edition.id, round_id=edition.rounds[-1].id, method="mean", engine_version="1",
                       input_hash="0" * 64, status="finalized", published_at=utcnow(), finalized_at=utcnow())
        rs.awards = [Award(entry_id=awarded.id, rank=1, total_score=Decimal("88.5"), computed_level_id=level.id)]
        db.session.add(rs)
    db.session.commit()


def test_applicant_downloads_everything_held_about_them(client, auth):
    edition = make_edition()
    owner = make_user(Role.APPLICANT, full_name="Lê Thị Hoa", phone="0912345678", organization="HTX Chè Tân Cương")
    other = make_user(Role.APPLICANT, full_name="Người Khác")
    mine = make_entry(owner, edition, title="Máy sao chè tiết kiệm điện")
    make_entry(other, edition, title="Bài của người khác")
    auth.as_(owner)
    assert upload(client, mine, kind(edition, "phieu_dang_ky"), tiny_pdf()).status_code == 302

    response = client.get("/bai-du-thi/du-lieu-ca-nhan/tai-ve.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["account"]["email"] == owner.email
    assert document["account"]["phone"] == "0912345678"
    assert document["applicant_profile"]["organization"] == "HTX Chè Tân Cương"
    assert [e["title"] for e in document["entries"]] == ["Máy sao chè tiết kiệm điện"]
    assert document["entries"][0]["members"][0]["full_name"] == "Lê Thị Hoa"
    assert document["entries"][0]["attachments"][0]["filename"] == "thuyet-minh.pdf"
    assert document["entries"][0]["attachments"][0]["sha256"]
    assert document["votes"] == []
    assert "Bài của người khác" not in response.get_data(as_text=True)
    assert len(_events("personal_data.downloaded")) == 1


def test_deletion_refused_until_the_edition_is_finalized(client, auth):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    make_entry(owner, edition, status="submitted")
    auth.as_(owner)
    page = client.get("/bai-du-thi/du-lieu-ca-nhan").get_data(as_text=True)
    assert "chưa hoàn tất" in page
    response = client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"confirm": "y"})
    assert response.status_code == 409
    assert "chưa hoàn tất" in response.get_data(as_text=True)
    assert db.session.scalar(select(DeletionRequest)) is None


def test_deletion_needs_confirmation(client, auth):
    owner = make_user(Role.APPLICANT)
    auth.as_(owner)
    response = client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"reason": "Không tham gia nữa"})
    assert response.status_code == 422
    assert "xác nhận" in response.get_data(as_text=True)
    assert db.session.scalar(select(DeletionRequest)) is None


def test_erasure_keeps_only_what_the_published_list_shows(client, auth, app):
    edition = make_edition()
    owner = make_user(Role.APPLICANT, full_name="Lê Thị Hoa", phone="0912345678", organization="HTX Chè Tân Cương")
    winner = make_entry(owner, edition, title="Máy sao chè tiết kiệm điện", organization="HTX Chè Tân Cương")
    loser = make_entry(owner, edition, status="eligible", title="Giải pháp chưa đạt giải của Hoa")
    auth.as_(owner)
    assert upload(client, winner, kind(edition, "phieu_dang_ky"), tiny_pdf()).status_code == 302
    winner = db.session.get(Entry, winner.id)
    key = winner.attachments[0].storage_key
    winner.status = "eligible"
    db.session.add(EntryConflictDeclaration(entry_id=winner.id, person_name="Trần Văn Bình", reason="Đồng nghiệp"))
    db.session.commit()
    _finalize(edition, awarded=winner)

    response = client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"confirm": "y", "reason": "Hết nhu cầu"})
    assert response.status_code == 302
    again = client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"confirm": "y"})
    assert again.status_code in (302, 200)
    requests = db.session.scalars(select(DeletionRequest)).all()
    assert len(requests) == 1 and requests[0].status == "pending"
    assert len(_events("personal_data.deletion_requested")) == 1

    organizer = make_user(Role.ORGANIZER)
    auth.logout()
    auth.as_(organizer)
    listing = client.get("/bai-du-thi/yeu-cau-xoa-du-lieu")
    assert listing.status_code == 200 and "Lê Thị Hoa" in listing.get_data(as_text=True)
    assert client.post(f"/bai-du-thi/yeu-cau-xoa-du-lieu/{requests[0].id}/thuc-hien").status_code == 302
    assert client.post(f"/bai-du-thi/yeu-cau-xoa-du-lieu/{requests[0].id}/thuc-hien").status_code == 302

    user = db.session.get(User, owner.id)
    assert user.email.endswith(".invalid") and user.full_name != "Lê Thị Hoa"
    assert user.phone is None and user.password_hash is None and not user.active
    assert user.applicant_profile.organization is None
    won = db.session.get(Entry, winner.id)
    assert won.title == "Máy sao chè tiết kiệm điện"
    assert [m.full_name for m in won.members] == ["Lê Thị Hoa"]
    assert won.organization == "HTX Chè Tân Cương"
    assert won.summary is None and won.description is None
    assert all(m.email is None and m.phone is None and m.user_id is None for m in won.members)
    assert won.attachments == [] and won.conflict_declarations == []
    assert not get_store().exists(key)
    lost = db.session.get(Entry, loser.id)
    assert "của Hoa" not in lost.title and all(m.full_name != "Lê Thị Hoa" for m in lost.members)
    assert len(_events("personal_data.erased")) == 1
    assert db.session.get(DeletionRequest, requests[0].id).status == "completed"

    auth.logout()
    assert auth.login(owner.email, TEST_PASSWORD).status_code != 302


def test_organizer_rejects_with_a_reason_and_applicant_may_cancel(client, auth):
    owner = make_user(Role.APPLICANT)
    auth.as_(owner)
    assert client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"confirm": "y"}).status_code == 302
    req = db.session.scalar(select(DeletionRequest))
    assert client.post(f"/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa/{req.id}/huy").status_code == 302
    assert db.session.get(DeletionRequest, req.id).status == "cancelled"
    assert client.post("/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa", data={"confirm": "y"}).status_code == 302
    second = db.session.scalar(select(DeletionRequest).where(DeletionRequest.status == "pending"))

    intruder = make_user(Role.APPLICANT)
    auth.logout()
    auth.as_(intruder)
    assert client.post(f"/bai-du-thi/du-lieu-ca-nhan/yeu-cau-xoa/{second.id}/huy").status_code == 404
    assert client.post(f"/bai-du-thi/yeu-cau-xoa-du-lieu/{second.id}/thuc-hien").status_code == 403

    organizer = make_user(Role.ORGANIZER)
    auth.logout()
    auth.as_(organizer)
    assert client.post(f"/bai-du-thi/yeu-cau-xoa-du-lieu/{second.id}/tu-choi", data={"note": ""}).status_code == 422
    assert client.post(f"/bai-du-thi/yeu-cau-xoa-du-lieu/{second.id}/tu-choi",
                       data={"note": "Đang có khiếu nại liên quan"}).status_code == 302
    rejected = db.session.get(DeletionRequest, second.id)
    assert rejected.status == "rejected" and rejected.decision_note == "Đang có khiếu nại liên quan"
    assert db.session.get(User, owner.id).active
    assert len(_events("personal_data.deletion_rejected")) == 1


def test_organizer_access_to_personal_data_is_audited(client, auth):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(owner, edition, status="submitted")
    judge = make_user(Role.JUDGE)
    organizer = make_user(Role.ORGANIZER)
    auth.as_(organizer)
    assert client.get(f"/quan-tri/bai-du-thi/{entry.id}").status_code == 200
    assert client.get(f"/quan-tri/giam-khao/{judge.id}").status_code == 200
    assert client.get(f"/quan-tri/bai-du-thi/xuat.csv?edition={edition.id}").status_code == 200
    viewed = _events("personal_data.viewed")
    assert {(e.object_type, e.object_id) for e in viewed} == {("entries", entry.id), ("users", judge.id)}
    assert all(e.actor_id == organizer.id for e in viewed)
    exported = _events("personal_data.exported")
    assert len(exported) == 1 and exported[0].after["rows"] == 1 and exported[0].object_type == "entries"
    assert client.get("/quan-tri/bai-du-thi/999999").status_code == 404
    assert len(_events("personal_data.viewed")) == 2
