"""Organizers deactivate judges and manage conflicts; judges keep their own profile and declarations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.assignments import publish_assignment, run_assignment
from contest.extensions import db
from contest.models import (
    Assignment,
    AuditEvent,
    ConflictOfInterest,
    EntryConflictDeclaration,
    Role,
    RoundStatus,
    User,
)
from tests.factories import make_user
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER)


def published_round(entries_per_field=4, judges=4, k=2):
    edition, entries = contest_with_entries({"cntt": entries_per_field})
    panel = [judge(fields=["cntt"]) for _ in range(judges)]
    round_ = first_round(edition)
    run_assignment(round_, per_entry=k)
    publish_assignment(round_)
    db.session.commit()
    return edition, entries, panel, round_


def test_deactivating_a_judge_cancels_open_assignments_and_reports_holes(app, client, auth, mailbox, organizer):
    with app.test_request_context():
        edition, entries, panel, round_ = published_round()
    leaving = panel[0]
    theirs = {a.entry.reference_code for a in db.session.scalars(
        select(Assignment).where(Assignment.judge_id == leaving.id))}
    assert theirs
    auth.as_(organizer)
    response = client.post(f"/quan-tri/giam-khao/{leaving.id}/ngung", data={"reason": "Đi công tác dài ngày"},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "thiếu giám khảo" in body
    for code in theirs:
        assert code in body
    leaving = db.session.get(User, leaving.id)
    assert not leaving.active
    states = {a.state for a in db.session.scalars(select(Assignment).where(Assignment.judge_id == leaving.id))}
    assert states == {"cancelled"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judge.deactivated"))
    assert event.reason == "Đi công tác dài ngày"
    # The deactivated judge can no longer log in.
    auth.logout()
    assert auth.login(leaving.email).status_code == 401
    # Filling the holes gives the entries their judges back without touching the other pairs.
    auth.as_(organizer)
    kept = {(a.entry_id,
             a.judge_id) for a in db.session.scalars(select(Assignment).where(Assignment.state == "active"))}
    assert client.post(f"/quan-tri/phan-cong/vong/{round_.id}/bo-sung").status_code == 302
    now = {(a.entry_id, a.judge_id) for a in db.session.scalars(
        select(Assignment).where(Assignment.state.in_(("active", "proposed"))))}
    assert kept <= now and len(now) == len(entries) * 2
    assert leaving.id not in {j for _, j in now}


def test_deactivation_needs_a_reason(client, auth, organizer):
    j = judge()
    auth.as_(organizer)
    response = client.post(f"/quan-tri/giam-khao/{j.id}/ngung", data={"reason": ""})
    assert response.status_code == 400
    assert db.session.get(User, j.id).active


def test_deactivating_an_organizer_who_judges_only_removes_the_role(client, auth, organizer):
    both = make_user(Role.ORGANIZER, Role.JUDGE)
    auth.as_(organizer)
    client.post(f"/quan-tri/giam-khao/{both.id}/ngung", data={"reason": "Chỉ làm thư ký"})
    both = db.session.get(User, both.id)
    assert both.active and not both.has_role(Role.JUDGE) and both.has_role(Role.ORGANIZER)
    client.post(f"/quan-tri/giam-khao/{both.id}/kich-hoat")
    assert db.session.get(User, both.id).has_role(Role.JUDGE)


def test_organizer_adds_conflict_which_ends_the_pair_at_once(app, client, auth, mailbox, organizer):
    with app.test_request_context():
        edition, entries, panel, round_ = published_round()
    pair = db.session.scalars(select(Assignment)).first()
    code = pair.entry.reference_code
    auth.as_(organizer)
    response = client.post(f"/quan-tri/giam-khao/{pair.judge_id}/xung-dot",
                           data={"entry_code": code.lower(), "reason": "Là người hướng dẫn tác giả"})
    assert response.status_code == 302
    conflict = db.session.scalar(select(ConflictOfInterest))
    assert conflict.source == "organizer" and conflict.declared_by_id == organizer.id
    assert db.session.get(Assignment, pair.id).state == "cancelled"
    page = client.get(f"/quan-tri/giam-khao/{pair.judge_id}").get_data(as_text=True)
    assert "Ban tổ chức thêm" in page and "Là người hướng dẫn tác giả" in page
    listing = client.get("/quan-tri/giam-khao/xung-dot").get_data(as_text=True)
    assert code in listing and "Ban tổ chức ghi nhận với bài này" in listing
    assert "conflict.declared" in [e.action for e in db.session.scalars(select(AuditEvent))]
    # An unknown code is a clear 422, and nothing is recorded.
    bad = client.post(f"/quan-tri/giam-khao/{pair.judge_id}/xung-dot",
                      data={"entry_code": "TN1999-9999", "reason": "x"})
    assert bad.status_code == 422 and "Không tìm thấy bài dự thi" in bad.get_data(as_text=True)
    # Withdrawing needs a reason and is audited.
    client.post(f"/quan-tri/giam-khao/{pair.judge_id}/xung-dot/{conflict.id}/go", data={"reason": "Nhầm người"})
    assert db.session.scalar(select(ConflictOfInterest)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.withdrawn")).reason == "Nhầm người"


def test_conflict_list_shows_automatic_and_applicant_sources(client, auth, organizer):
    edition, entries = contest_with_entries({"cntt": 2}, organization="Công ty Cổ phần Chè Tân Cương")
    judge(organization="CÔNG TY CỔ PHẦN CHÈ TÂN CƯƠNG", full_name="Đỗ Minh Khôi")
    judge(full_name="Vũ Thị Lan")
    db.session.add(EntryConflictDeclaration(entry_id=entries[1].id, person_name="Vũ Thị Lan",
                                            reason="Từng tranh chấp"))
    db.session.commit()
    auth.as_(organizer)
    body = client.get("/quan-tri/giam-khao/xung-dot").get_data(as_text=True)
    assert "Cùng đơn vị công tác với tác giả (tự động)" in body
    assert "Người dự thi nêu tên giám khảo" in body
    assert "Đỗ Minh Khôi" in body and "Vũ Thị Lan" in body


def test_judge_declares_conflicts_on_own_profile(app, client, auth, mailbox):
    with app.test_request_context():
        edition, entries, panel, round_ = published_round()
    me = panel[1]
    mine = db.session.scalars(select(Assignment).where(Assignment.judge_id == me.id)).first()
    auth.as_(me)
    response = client.post("/giam-khao/ho-so/xung-dot",
                           data={"entry_code": mine.entry.reference_code, "reason": "Tác giả là em họ"})
    assert response.status_code == 302
    conflict = db.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == me.id))
    assert conflict.source == "judge" and conflict.entry_id == mine.entry_id
    assert db.session.get(Assignment, mine.id).state == "recused"
    response = client.post("/giam-khao/ho-so/xung-dot", data={"organization": "Hợp tác xã Chè La Bằng",
                                                               "reason": "Cố vấn của HTX"})
    assert response.status_code == 302
    assert db.session.scalar(select(ConflictOfInterest).where(
        ConflictOfInterest.organization == "Hợp tác xã Chè La Bằng")).source == "judge"
    empty = client.post("/giam-khao/ho-so/xung-dot", data={"reason": "Không rõ"})
    assert empty.status_code == 400 and "mã bài dự thi hoặc tên đơn vị" in empty.get_data(as_text=True)


def test_judge_edits_own_profile_and_a_new_organization_ends_conflicted_pairs(app, client, auth, mailbox):
    edition, entries = contest_with_entries({"cntt": 2}, organization="Viện Khoa học Sự sống")
    me = judge(fields=["cntt"])
    [judge(fields=["cntt"]) for _ in range(2)]
    round_ = first_round(edition)
    with app.test_request_context():
        run_assignment(round_, per_entry=3)
        publish_assignment(round_)
    db.session.commit()
    auth.as_(me)
    assert client.get("/giam-khao/ho-so").status_code == 200
    response = client.post("/giam-khao/ho-so", data={
        "organization": "Viện khoa học sự sống", "title": "TS.", "fields": ["cntt", "y_duoc"],
        "keywords": "sinh học; cntt", "max_load": "7"})
    assert response.status_code == 302
    me = db.session.get(User, me.id)
    assert me.judge_profile.expertise_categories == ["cntt", "y_duoc"]
    assert me.judge_profile.keywords == ["sinh học"]
    assert me.judge_profile.max_load == 7
    assert {a.state for a in db.session.scalars(select(Assignment).where(Assignment.judge_id == me.id))} == {"recused"}
    assert client.post("/giam-khao/ho-so", data={"max_load": "-3", "fields": ["khong_co"]}).status_code == 400


def test_closed_round_pairs_survive_deactivation(app, client, auth, mailbox, organizer):
    with app.test_request_context():
        edition, entries, panel, round_ = published_round()
    round_.status = RoundStatus.CLOSED.value
    db.session.commit()
    auth.as_(organizer)
    client.post(f"/quan-tri/giam-khao/{panel[0].id}/ngung", data={"reason": "Nghỉ hưu"})
    assert {a.state for a in db.session.scalars(select(Assignment).where(Assignment.judge_id == panel[0].id))} == {
        "active"}
