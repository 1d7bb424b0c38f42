"""The organizers' assignment page: run, preview the matrix, adjust by hand, publish, fill holes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest.conflicts import declare_conflict
from contest.extensions import db
from contest.models import Assignment, AuditEvent, ConflictSource, Role
from tests.factories import make_user
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER)


def count(state=None) -> int:
    query = select(func.count(Assignment.id))
    if state:
        query = query.where(Assignment.state == state)
    return db.session.scalar(query)


def test_run_preview_and_publish(client, auth, mailbox, organizer):
    edition, entries = contest_with_entries({"cntt": 3, "nong_nghiep": 3}, organization="HTX Chè Tân Cương")
    for _ in range(3):
        judge(fields=["cntt"], keywords="IoT")
    for _ in range(3):
        judge(fields=["nong_nghiep"])
    conflicted = judge(fields=["cntt"], organization="HTX chè Tân Cương")
    round_ = first_round(edition)
    auth.as_(organizer)
    assert client.get("/quan-tri/phan-cong").status_code == 200
    page = client.get(f"/quan-tri/phan-cong/vong/{round_.id}")
    assert page.status_code == 200
    response = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay",
                           data={"per_entry": "2", "k_nong_nghiep": "3", "seed": "7"})
    assert response.status_code == 302
    assert count("proposed") == 3 * 2 + 3 * 3
    body = client.get(f"/quan-tri/phan-cong/vong/{round_.id}").get_data(as_text=True)
    for entry in entries:
        assert f'data-test="row-{entry.reference_code}"' in body
    assert "cận trên LP" in body and "liên thông" in body.lower()
    assert "Cùng đơn vị công tác với tác giả (tự động)" in body  # the conflict is marked in its cells
    assert conflicted.id not in set(db.session.scalars(select(Assignment.judge_id)))
    publish = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/cong-bo")
    assert publish.status_code == 302
    assert count("active") == 15 and count("proposed") == 0
    assert len(mailbox) == len({a.judge_id for a in db.session.scalars(select(Assignment))})
    # A second click is harmless: nothing more to publish, no more mail.
    client.post(f"/quan-tri/phan-cong/vong/{round_.id}/cong-bo")
    assert count("active") == 15 and len(mailbox) == len({*db.session.scalars(select(Assignment.judge_id))})
    # Once published, a fresh run is refused with a reason.
    again = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay", data={"per_entry": "2"})
    assert again.status_code == 409 and "Bổ sung chỗ trống" in again.get_data(as_text=True)


def test_infeasible_run_is_explained_with_422(client, auth, organizer):
    edition, entries = contest_with_entries({"cntt": 2}, organization="Sở Y tế", across_fields=True)
    judge(organization="Sở Y tế")
    judge()
    round_ = first_round(edition)
    auth.as_(organizer)
    response = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay", data={"per_entry": "2"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Không đủ giám khảo hợp lệ" in body
    assert f'data-test="lacking-{entries[0].reference_code}"' in body
    assert "Traceback" not in body and count() == 0


def test_bad_run_numbers_are_400(client, auth, organizer):
    edition, _ = contest_with_entries({"cntt": 1})
    judge()
    round_ = first_round(edition)
    auth.as_(organizer)
    response = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay",
                           data={"per_entry": "0", "min_load": "5", "max_load": "2"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Giá trị phải từ 1 đến 50" in body and "không nhỏ hơn số bài tối thiểu" in body
    assert count() == 0


def test_adjust_by_hand_validates_and_audits(client, auth, organizer):
    edition, entries = contest_with_entries({"cntt": 2}, across_fields=True)
    a = judge(max_load=2)
    b = judge(max_load=2)
    c = judge(max_load=1)
    round_ = first_round(edition)
    auth.as_(organizer)
    client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay", data={"per_entry": "2"})
    url = f"/quan-tri/phan-cong/vong/{round_.id}/dieu-chinh"

    def in_force(judge_):
        return {x.entry_id for x in db.session.scalars(select(Assignment).where(
            Assignment.judge_id == judge_.id, Assignment.state.in_(("proposed", "active"))))}

    # c may take one entry and has it: a second one is refused with 409 and a clear message.
    assert len(in_force(c)) == 1
    other = next(e for e in entries if e.id not in in_force(c))
    response = client.post(url, data={"entry_id": other.id, "judge_id": c.id, "action": "add", "reason": "Thêm"})
    assert response.status_code == 409 and "số bài tối đa" in response.get_data(as_text=True)
    # A conflicted pair is refused with 409.
    declare_conflict(c, source=ConflictSource.ORGANIZER, entry=other, reason="Họ hàng")
    db.session.commit()
    response = client.post(url, data={"entry_id": other.id, "judge_id": c.id, "action": "add", "reason": "Thêm"})
    assert response.status_code == 409 and "xung đột lợi ích" in response.get_data(as_text=True)
    # No reason: 400; unknown ids: 404.
    response = client.post(url, data={"entry_id": entries[0].id, "judge_id": b.id, "action": "add", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, data={"entry_id": 999999, "judge_id": b.id, "action": "add", "reason": "x"})
    assert response.status_code == 404
    # Remove c's pair and give it to the judge missing from that entry, with reasons in the log.
    entry_id = in_force(c).pop()
    response = client.post(url, data={"entry_id": entry_id, "judge_id": c.id, "action": "remove",
                                      "reason": "Đổi sang người đúng chuyên môn hơn"})
    assert response.status_code == 302 and in_force(c) == set()
    replacement = next(j for j in (a, b) if entry_id not in in_force(j))
    response = client.post(url, data={"entry_id": entry_id, "judge_id": replacement.id, "action": "add",
                                      "reason": "Chuyên gia đầu ngành"})
    assert response.status_code == 302
    assert entry_id in in_force(replacement)
    row = db.session.scalar(select(Assignment).where(Assignment.entry_id == entry_id,
                                                     Assignment.judge_id == replacement.id))
    assert row.manual and row.state == "proposed"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.adjusted")
                                .order_by(AuditEvent.id)).all()
    assert [(e.after["action"], e.reason) for e in events] == [
        ("remove", "Đổi sang người đúng chuyên môn hơn"), ("add", "Chuyên gia đầu ngành")]
    # Removing a pair that does not exist is a 404.
    response = client.post(url, data={"entry_id": entry_id, "judge_id": c.id, "action": "remove", "reason": "x"})
    assert response.status_code == 404


def test_unknown_round_is_404(client, auth, organizer):
    auth.as_(organizer)
    assert client.get("/quan-tri/phan-cong/vong/999999").status_code == 404
    assert client.post("/quan-tri/phan-cong/vong/999999/chay", data={"per_entry": "2"}).status_code == 404


def test_full_panel_round_from_the_page(client, auth, organizer):
    from contest.models import EntryRound

    edition, entries = contest_with_entries({"cntt": 2})
    final = max(edition.rounds, key=lambda r: r.position)
    for entry in entries:
        db.session.add(EntryRound(entry_id=entry.id, round_id=final.id))
    judges = [judge() for _ in range(3)]
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/phan-cong/vong/{final.id}").get_data(as_text=True)
    assert "mọi giám khảo không xung đột lợi ích chấm mọi bài" in page
    response = client.post(f"/quan-tri/phan-cong/vong/{final.id}/chay", data={"per_entry": "3"})
    assert response.status_code == 302
    assert {(a.entry_id, a.judge_id) for a in db.session.scalars(select(Assignment))} == {
        (e.id, j.id) for e in entries for j in judges}
