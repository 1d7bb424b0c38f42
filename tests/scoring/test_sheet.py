"""A judge scores an entry: the page, drafts, autosave, versions, submitting, and every refusal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    CriterionScore,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    utcnow,
)
from tests.scoring.helpers import FULL, build_world, sheet_form


@pytest.fixture
def world(app):
    return build_world()


def url(a: Assignment, suffix: str = "") -> str:
    return f"/giam-khao/cham/{a.id}{suffix}"


def sheets() -> list[ScoreSheet]:
    return list(db.session.scalars(select(ScoreSheet)))


def test_judge_sees_dossier_criteria_guidance_and_scale(world, auth):
    a = world.assignment(world.judges[0], world.entries[0])
    client = auth.as_(world.judges[0])
    page = client.get(url(a)).get_data(as_text=True)
    assert "Máy sấy chè số 1" in page
    assert "Tính đổi mới sáng tạo" in page and "Không trùng với giải pháp".lower() in page.lower()
    assert "từ 0 đến 20, bước 0,5" in page
    assert "Lê Văn Tác Giả 1" in page and "Hợp tác xã số 1" in page
    assert 'name="version" value="0"' in page
    assert "/ 80" in page


def test_blind_judging_hides_authors_members_and_organizations(app, auth):
    world = build_world(blind=True)
    a = world.assignment(world.judges[0], world.entries[0])
    page = auth.as_(world.judges[0]).get(url(a)).get_data(as_text=True)
    assert "Máy sấy chè số 1" in page
    assert "Lê Văn Tác Giả 1" not in page
    assert "Hợp tác xã số 1" not in page
    assert "Ẩn danh" in page


def test_entry_page_links_attachments_to_the_guarded_download(world, auth):
    from contest.models import Attachment

    entry = world.entries[0]
    kind = world.edition.attachment_kinds[1]
    att = Attachment(entry_id=entry.id, kind_id=kind.id, display_filename="thuyet-minh.pdf",
                     content_type="application/pdf", size=1234, sha256="0" * 64, storage_key="k/1")
    db.session.add(att)
    db.session.commit()
    a = world.assignment(world.judges[0], entry)
    page = auth.as_(world.judges[0]).get(url(a)).get_data(as_text=True)
    assert f'href="/bai-du-thi/tep/{att.id}"' in page
    assert "thuyet-minh.pdf" in page and "Xem" in page


@pytest.mark.parametrize("case", ["other_judge", "unassigned", "conflicted", "recused", "missing", "proposed"])
def test_judge_gets_404_for_entries_that_are_not_theirs(world, auth, case):
    judge, other = world.judges[0], world.judges[1]
    a = world.assignment(judge, world.entries[0])
    target = a.id
    if case == "other_judge":
        target = world.assignment(other, world.entries[0]).id
    elif case == "unassigned":
        db.session.delete(a)
        db.session.commit()
    elif case == "conflicted":
        db.session.add(ConflictOfInterest(judge_id=judge.id, entry_id=world.entries[0].id,
                                          source=ConflictSource.ORGANIZER.value, reason="Người thân"))
        db.session.commit()
    elif case == "recused":
        a.state = AssignmentState.RECUSED.value
        db.session.commit()
    elif case == "proposed":
        a.state = AssignmentState.PROPOSED.value
        db.session.commit()
    elif case == "missing":
        target = 987654
    client = auth.as_(judge)
    assert client.get(f"/giam-khao/cham/{target}").status_code == 404
    assert client.post(f"/giam-khao/cham/{target}/nhap",
                       data=sheet_form(world.round, {"doi_moi": "10"}, 0)).status_code == 404
    assert client.post(f"/giam-khao/cham/{target}",
                       data=sheet_form(world.round, FULL, 0, action="submit")).status_code == 404
    assert client.get(f"/giam-khao/cham/{target}/tu-choi").status_code == 404
    assert sheets() == []


def test_applicant_and_anonymous_cannot_reach_the_sheet(world, client, auth):
    a = world.assignment(world.judges[0], world.entries[0])
    assert client.get(url(a)).status_code == 302  # to the login page
    auth.as_(world.entries[0].owner)
    assert client.get(url(a)).status_code == 403


def test_judge_saves_a_partial_draft_without_script(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    response = client.post(url(a), data=sheet_form(world.round, {"doi_moi": "12,5"}, 0, action="save",
                                                   comment_to_applicant="Ý tưởng tốt", private_note="Cần kiểm tra"))
    assert response.status_code == 302
    sheet = sheets()[0]
    assert sheet.status == SheetStatus.DRAFT.value and sheet.version == 1
    doi_moi = next(c for c in world.round.criteria if c.key == "doi_moi")
    assert sheet.score_for(doi_moi.id).value == Decimal("12.5")
    assert sheet.comment_to_applicant == "Ý tưởng tốt" and sheet.private_note == "Cần kiểm tra"
    page = client.get(url(a)).get_data(as_text=True)
    assert 'value="12.5"' in page and 'name="version" value="1"' in page
    assert "Đang chấm (nháp)" in page


def test_autosave_answers_json_and_bumps_the_version(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    first = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10"}, 0))
    assert first.status_code == 200 and first.json["ok"] and first.json["version"] == 1
    assert "Đã lưu" in first.json["message"]
    assert first.json["total"] == pytest.approx(10)  # blank criteria add nothing yet
    second = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10", "hieu_qua": "30"}, 1))
    assert second.json["version"] == 2
    assert second.json["total"] == pytest.approx(10 + 30)
    assert len(sheets()) == 1
    assert db.session.scalar(select(func.count()).select_from(CriterionScore)) == 3


def test_older_version_is_refused_with_409_and_nothing_is_overwritten(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10"}, 0))
    client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "18"}, 1))  # tab A
    stale = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "2"}, 1))  # tab B, older
    assert stale.status_code == 409
    assert "mới hơn" in stale.json["message"] and stale.json["version"] == 2
    doi_moi = next(c for c in world.round.criteria if c.key == "doi_moi")
    assert sheets()[0].score_for(doi_moi.id).value == Decimal("18")
    # Without script the judge sees the newer sheet and, separately, what they had typed.
    page = client.post(url(a), data=sheet_form(world.round, {"doi_moi": "3"}, 1, action="save"))
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "chưa được lưu" in text and 'value="18"' in text and "<strong>3</strong>" in text


def test_a_second_first_save_conflicts_instead_of_duplicating(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    assert client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10"}, 0)).status_code == 200
    assert client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "11"}, 0)).status_code == 409
    assert len(sheets()) == 1


@pytest.mark.parametrize(
    "value, fragment",
    [("25", "phải từ 0 đến 20"), ("-1", "phải từ 0 đến 20"), ("7.3", "theo bước 0,5"),
     ("abc", "phải là một số"), ("nan", "phải là một số"), ("7.505", "theo bước")],
)
def test_invalid_values_are_refused_with_422_per_criterion_and_nothing_stored(world, auth, value, fragment):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    doi_moi = next(c for c in world.round.criteria if c.key == "doi_moi")
    response = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": value, "hieu_qua": "20"}, 0))
    assert response.status_code == 422
    assert fragment in response.json["errors"][f"score-{doi_moi.id}"]
    assert "Tính đổi mới sáng tạo" in response.json["errors"][f"score-{doi_moi.id}"]
    assert sheets() == []
    page = client.post(url(a), data=sheet_form(world.round, {"doi_moi": value}, 0, action="submit"))
    assert page.status_code == 422
    assert fragment in page.get_data(as_text=True)
    assert sheets() == []


def test_forged_criterion_or_version_fields_are_refused(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    other_round_criterion = world.final.criteria[0].id
    forged = sheet_form(world.round, {"doi_moi": "10"}, 0)
    forged[f"score-{other_round_criterion}"] = "5"
    assert client.post(url(a, "/nhap"), data=forged).status_code == 422
    for bad in ("", "-1", "abc", "1e3"):
        data = sheet_form(world.round, {"doi_moi": "10"}, 0)
        data["version"] = bad
        assert client.post(url(a, "/nhap"), data=data).status_code == 400
    assert sheets() == []


def test_submit_requires_every_criterion(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    response = client.post(url(a), data=sheet_form(world.round, {"doi_moi": "10", "hieu_qua": "20"}, 0,
                                                   action="submit"))
    assert response.status_code == 422
    assert "Vui lòng cho điểm tiêu chí “Khả năng áp dụng”" in response.get_data(as_text=True)
    assert sheets() == []


def test_submit_locks_the_sheet_and_is_audited(world, auth):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10"}, 0))
    response = client.post(url(a), data=sheet_form(world.round, FULL, 1, action="submit"))
    assert response.status_code == 302
    sheet = sheets()[0]
    assert sheet.status == SheetStatus.SUBMITTED.value and sheet.submitted_at is not None and sheet.version == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "score_sheet.submitted"))
    assert event.actor_id == judge.id and event.after["total"] == 61.5
    # Double click: the same submit again is harmless.
    again = client.post(url(a), data=sheet_form(world.round, FULL, 1, action="submit"), follow_redirects=True)
    assert again.status_code == 200 and "đã được nộp trước đó" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "score_sheet.submitted")) == 1
    # A draft save on a submitted sheet is refused; nothing changes.
    locked = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "1"}, 2))
    assert locked.status_code == 409 and "đã nộp" in locked.json["message"]
    assert sheets()[0].version == 2
    page = client.get(url(a)).get_data(as_text=True)
    assert "đã được khóa" in page and "readonly" in page


@pytest.mark.parametrize("state", ["after_deadline", "closed", "draft", "not_yet"])
def test_scoring_outside_the_window_is_refused_with_403(world, auth, state):
    judge = world.judges[0]
    a = world.assignment(judge, world.entries[0])
    client = auth.as_(judge)
    client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "10"}, 0))
    r = world.round
    if state == "after_deadline":
        r.scoring_deadline = utcnow() - timedelta(minutes=1)
    elif state == "closed":
        r.status = RoundStatus.CLOSED.value
    elif state == "draft":
        r.status = RoundStatus.DRAFT.value
    else:
        r.opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    save = client.post(url(a, "/nhap"), data=sheet_form(world.round, {"doi_moi": "12"}, 1))
    if state == "draft":
        # A round put back to draft shows its judges nothing, as the entry page does (one rule for both).
        assert save.status_code == 404
        assert client.post(url(a), data=sheet_form(world.round, FULL, 1, action="submit")).status_code == 404
        assert sheets()[0].version == 1
        return
    assert save.status_code == 403
    expected = {"after_deadline": "quá hạn chấm", "closed": "đã đóng", "draft": "chưa mở", "not_yet": "mở lúc"}
    assert expected[state] in save.json["message"]
    submit = client.post(url(a), data=sheet_form(world.round, FULL, 1, action="submit"))
    assert submit.status_code == 403
    sheet = sheets()[0]
    assert sheet.version == 1 and sheet.status == SheetStatus.DRAFT.value


def test_dashboard_lists_open_rounds_with_status_deadline_and_progress(world, auth):
    judge = world.judges[0]
    client = auth.as_(judge)
    a1 = world.assignment(judge, world.entries[0])
    client.post(url(a1), data=sheet_form(world.round, FULL, 0, action="submit"))
    a2 = world.assignment(judge, world.entries[1])
    page = client.get("/giam-khao/").get_data(as_text=True)
    assert "Vòng sơ khảo" in page
    assert "Đã nộp 1/2 phiếu" in page
    assert "Đã nộp phiếu" in page and "Chưa chấm" in page
    assert "còn 4 ngày 23 giờ" in page or "còn 5 ngày 0 giờ" in page
    assert f"/giam-khao/cham/{a2.id}" in page
    # A closed round disappears from the judge's work list.
    world.round.status = RoundStatus.CLOSED.value
    db.session.commit()
    assert "Vòng sơ khảo" not in client.get("/giam-khao/").get_data(as_text=True)


def test_recusal_ends_the_assignment_declares_a_conflict_and_tells_organizers(world, auth, mailbox):
    judge = world.judges[0]
    entry = world.entries[0]
    a = world.assignment(judge, entry)
    client = auth.as_(judge)
    assert client.post(url(a, "/tu-choi"), data={"reason": ""}).status_code == 422
    response = client.post(url(a, "/tu-choi"), data={"reason": "Tác giả là em họ của tôi"})
    assert response.status_code == 302
    a = db.session.get(Assignment, a.id)
    assert a.state == AssignmentState.RECUSED.value and a.end_reason == "Tác giả là em họ của tôi"
    conflict = db.session.scalar(select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id))
    assert conflict.entry_id == entry.id and conflict.source == ConflictSource.JUDGE.value
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"conflict.declared", "assignment.recused"} <= actions
    assert len(mailbox) == 1 and world.organizer.email in mailbox[0].recipients
    assert entry.reference_code in mailbox[0].subject and "em họ" in mailbox[0].body
    assert f"/quan-tri/vong-cham/{world.round.id}" in mailbox[0].body
    assert client.get(url(a)).status_code == 404
    # The organizer's progress page shows the hole.
    auth.logout()
    page = auth.as_(world.organizer).get(f"/quan-tri/vong-cham/{world.round.id}").get_data(as_text=True)
    assert "Bài thiếu giám khảo" in page and "thiếu 1 giám khảo" in page and "em họ" in page
    assert f'href="/quan-tri/phan-cong/vong/{world.round.id}"' in page  # where the hole is filled


def test_sheet_page_is_usable_on_a_phone(world, auth):
    a = world.assignment(world.judges[0], world.entries[0])
    page = auth.as_(world.judges[0]).get(url(a)).get_data(as_text=True)
    assert 'name="viewport"' in page
    assert 'inputmode="decimal"' in page
    assert "scoresheet.js" in page and "<script>" not in page
