"""Organizers run a round: open, follow progress, remind, export, close (engine), advance, reopen sheets."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import (
    AuditEvent,
    EntryRound,
    EntryStatus,
    ReminderLog,
    ResultSet,
    ResultStatus,
    RoundOutcome,
    RoundStatus,
    ScoreSheet,
    SheetStatus,
    utcnow,
)
from contest.scoring import SheetInput, submit_score_sheet
from tests.scoring.helpers import build_world, sheet_form


def submit(world, judge, entry, doi_moi, hieu_qua, ap_dung, **extra):
    a = world.assignment(judge, entry)
    values = {"doi_moi": doi_moi, "hieu_qua": hieu_qua, "ap_dung": ap_dung}
    data = SheetInput(version=0, scores={c.id: str(values[c.key]) for c in world.round.criteria}, **extra)
    sheet, _new = submit_score_sheet(a, data)
    db.session.commit()
    return sheet


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_organizer_opens_a_round_and_it_is_audited(app, auth):
    world = build_world(status=RoundStatus.DRAFT.value)
    client = auth.as_(world.organizer)
    response = client.post(f"/quan-tri/vong-cham/{world.round.id}/mo")
    assert response.status_code == 302
    assert world.round.status == RoundStatus.OPEN.value and world.round.opened_at is not None
    assert "round.opened" in actions()
    # Opening again is harmless.
    client.post(f"/quan-tri/vong-cham/{world.round.id}/mo")
    assert actions().count("round.opened") == 1


def test_only_organizers_reach_round_pages(app, auth):
    world = build_world()
    client = auth.as_(world.judges[0])
    for path in (f"/quan-tri/vong-cham/{world.round.id}", "/quan-tri/vong-cham",
                 f"/quan-tri/vong-cham/{world.round.id}/diem-tho.csv"):
        assert client.get(path).status_code == 403
    assert client.post(f"/quan-tri/vong-cham/{world.round.id}/dong").status_code == 403
    assert world.round.status == RoundStatus.OPEN.value
    auth.logout()
    auth.as_(world.organizer)
    assert client.get("/quan-tri/vong-cham/999999").status_code == 404
    index = client.get("/quan-tri/vong-cham")
    assert index.status_code == 200 and f"/quan-tri/vong-cham/{world.round.id}" in index.get_data(as_text=True)
    early = client.get(f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau")
    assert early.status_code == 200 and "Cần đóng vòng chấm" in early.get_data(as_text=True)
    refused = client.post(f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau",
                          data={"rule": "top_n", "top_n": "1"})
    assert refused.status_code == 409


def test_progress_per_judge_and_per_entry_and_overdue_list(app, auth):
    world = build_world(judges=2, entries=2)
    j1, j2 = world.judges
    e1, e2 = world.entries
    submit(world, j1, e1, 10, 20, 20)
    submit(world, j1, e2, 10, 20, 20)
    submit(world, j2, e1, 12, 20, 20)
    client = auth.as_(world.organizer)
    page = client.get(f"/quan-tri/vong-cham/{world.round.id}").get_data(as_text=True)
    assert "Đã nộp 3/4 phiếu" in page
    assert "Phiếu quá hạn" not in page
    from contest.rounds import round_progress

    progress = round_progress(world.round)
    by_judge = {p.judge.id: (p.submitted, p.expected) for p in progress.judges}
    assert by_judge == {j1.id: (2, 2), j2.id: (1, 2)}
    by_entry = {p.entry.id: (p.submitted, p.expected) for p in progress.entries}
    assert by_entry == {e1.id: (2, 2), e2.id: (1, 2)}
    # After the deadline, the missing sheet is overdue.
    world.round.scoring_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    progress = round_progress(world.round)
    assert [(a.judge_id, a.entry_id) for a, _s in progress.overdue] == [(j2.id, e2.id)]
    page = client.get(f"/quan-tri/vong-cham/{world.round.id}").get_data(as_text=True)
    assert "Phiếu quá hạn chưa nộp (1)" in page


def test_reminders_go_once_a_day_to_judges_with_pending_sheets(app, auth, mailbox):
    world = build_world(judges=3, entries=1)
    j1, j2, j3 = world.judges
    submit(world, j1, world.entries[0], 10, 20, 20)
    client = auth.as_(world.organizer)
    response = client.post(f"/quan-tri/vong-cham/{world.round.id}/nhac-cham", follow_redirects=True)
    assert "tới 2 giám khảo" in response.get_data(as_text=True)
    assert sorted(m.recipients[0] for m in mailbox) == sorted([j2.email, j3.email])
    assert world.entries[0].reference_code in mailbox[0].body and "/giam-khao/" in mailbox[0].body
    again = client.post(f"/quan-tri/vong-cham/{world.round.id}/nhac-cham", follow_redirects=True)
    assert "không gửi lại" in again.get_data(as_text=True)
    assert len(mailbox) == 2
    assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 2
    assert "round.reminders_sent" in actions()


def test_send_reminders_command_is_idempotent_per_local_day(app, mailbox):
    world = build_world(judges=2, entries=1)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["contest", "send-reminders"])
    assert first.exit_code == 0, first.output
    assert "đã gửi 2" in first.output
    second = runner.invoke(args=["contest", "send-reminders"])
    assert "đã gửi 0" in second.output and "đã nhắc hôm nay 2" in second.output
    assert len(mailbox) == 2
    # A log from yesterday does not stop today's reminder.
    for log in db.session.scalars(select(ReminderLog)):
        log.period = "2000-01-01"
    db.session.commit()
    third = runner.invoke(args=["contest", "send-reminders", "--round-id", str(world.round.id)])
    assert "đã gửi 2" in third.output
    assert len(mailbox) == 4


def test_reminder_period_is_the_local_day():
    from datetime import UTC, datetime

    from contest.rounds import reminder_period

    assert reminder_period(datetime(2025, 6, 1, 16, 59, tzinfo=UTC)) == "2025-06-01"
    assert reminder_period(datetime(2025, 6, 1, 17, 0, tzinfo=UTC)) == "2025-06-02"  # 00:00 in Hà Nội


def test_raw_score_export_csv_is_excel_friendly_and_formula_safe(app, auth):
    world = build_world(judges=1, entries=1)
    judge = world.judges[0]
    submit(world, judge, world.entries[0], 10, 20.5, 20, comment_to_applicant="=HYPERLINK(\"x\")",
           private_note="+ghi chú")
    response = auth.as_(world.organizer).get(f"/quan-tri/vong-cham/{world.round.id}/diem-tho.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header[0] == "Mã bài" and "Điểm: Tính đổi mới sáng tạo" in header
    record = dict(zip(header, row, strict=True))
    assert record["Giám khảo"] == judge.full_name
    assert record["Điểm: Hiệu quả kinh tế – xã hội"] == "20.5"
    assert record["Tổng điểm (thang 80)"] == "50.5"
    assert record["Nhận xét chung gửi tác giả"].startswith("'=")
    assert record["Ghi chú riêng cho Ban tổ chức"].startswith("'+")


def test_raw_score_export_xlsx_has_vietnamese_headers_frozen_and_widths(app, auth):
    world = build_world(judges=2, entries=1)
    submit(world, world.judges[0], world.entries[0], 10, 20, 20)
    response = auth.as_(world.organizer).get(f"/quan-tri/vong-cham/{world.round.id}/diem-tho.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Mã bài" and sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width >= 10
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == 2  # both judges, the one without a sheet included
    statuses = sorted(v[6] for v in values)
    assert statuses == ["Chưa chấm", "Đã nộp phiếu"]
    assert auth.client.get(f"/quan-tri/vong-cham/{world.round.id}/diem-tho.pdf").status_code == 404


def _scored_world():
    world = build_world(judges=3, entries=4, categories=["cntt", "cntt", "cntt", "y_duoc"])
    scores = {0: (18, 27, 27), 1: (15, 22, 22), 2: (10, 15, 10), 3: (12, 20, 20)}
    for i, entry in enumerate(world.entries):
        for judge in world.judges:
            submit(world, judge, entry, *scores[i])
    return world


def test_closing_a_round_runs_the_engine_and_stores_a_computed_result(app, auth):
    world = _scored_world()
    client = auth.as_(world.organizer)
    response = client.post(f"/quan-tri/vong-cham/{world.round.id}/dong", follow_redirects=True)
    assert response.status_code == 200
    assert "4 bài được xếp hạng" in response.get_data(as_text=True)
    assert world.round.status == RoundStatus.CLOSED.value and world.round.closed_at is not None
    result = db.session.scalar(select(ResultSet))
    assert result.status == ResultStatus.COMPUTED.value and result.round_id == world.round.id
    assert len(result.input_hash) == 64
    ranking = result.payload["ranking"]
    assert [r["entry_id"] for r in ranking][0] == str(world.entries[0].id)
    assert ranking[0]["raw_mean"] == pytest.approx(72.0)
    assert "round.closed" in actions()
    assert result.payload["sheets_not_submitted"] == 0
    # Judges can no longer save.
    a = world.assignment(world.judges[0], world.entries[0])
    auth.logout()
    judge_client = auth.as_(world.judges[0])
    assert judge_client.post(f"/giam-khao/cham/{a.id}/nhap",
                             data=sheet_form(world.round, {"doi_moi": "1"}, 0)).status_code in (403, 409)
    # Closing twice is harmless: same computation.
    auth.logout()
    auth.as_(world.organizer).post(f"/quan-tri/vong-cham/{world.round.id}/dong")
    assert db.session.scalar(select(func.count()).select_from(ResultSet)) == 1


def test_closing_with_no_submitted_sheet_is_refused(app, auth):
    world = build_world()
    response = auth.as_(world.organizer).post(f"/quan-tri/vong-cham/{world.round.id}/dong")
    assert response.status_code == 409
    assert "Chưa có phiếu chấm nào" in response.get_data(as_text=True)
    assert world.round.status == RoundStatus.OPEN.value
    assert db.session.scalar(select(func.count()).select_from(ResultSet)) == 0


def _close(world):
    from contest.rounds import close_round

    close_round(world.round, actor=world.organizer)
    db.session.commit()


def test_top_n_per_category_with_round_rules(app, auth):
    world = _scored_world()
    world.round.normalization_method = "raw"
    db.session.commit()
    _close(world)
    e1, e2, e3, e4 = world.entries
    client = auth.as_(world.organizer)
    page = client.get(f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau")
    assert page.status_code == 200
    response = client.post(f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau",
                           data={"rule": "top_n", "top_n": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)
    # cntt: e1 (72) and e2 (59) are the best two; e3 (35) is below the 40-point minimum anyway. y_duoc: e4 (52).
    status = {e.id: e.status for e in world.entries}
    assert status == {e1.id: "advanced", e2.id: "advanced", e3.id: "eliminated", e4.id: "advanced"}
    outcomes = {r.entry_id: r.outcome for r in db.session.scalars(
        select(EntryRound).where(EntryRound.round_id == world.round.id))}
    assert outcomes[e3.id] == RoundOutcome.ELIMINATED.value and outcomes[e1.id] == RoundOutcome.ADVANCED.value
    seated = set(db.session.scalars(select(EntryRound.entry_id).where(EntryRound.round_id == world.final.id)))
    assert seated == {e1.id, e2.id, e4.id}
    assert "round.advancement_decided" in actions() and "entry.eliminated" in actions()
    # Deciding again (N = 1) replaces the decision and unseats e2.
    client.post(f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau", data={"rule": "top_n", "top_n": "1"})
    seated = set(db.session.scalars(select(EntryRound.entry_id).where(EntryRound.round_id == world.final.id)))
    assert seated == {e1.id, e4.id}
    assert db.session.get(type(e2), e2.id).status == EntryStatus.ELIMINATED.value


def test_threshold_and_zero_criterion_rules(app):
    from contest.rounds import advance_entries

    world = build_world(judges=2, entries=3)
    world.round.normalization_method = "raw"  # plain means: the threshold is checked against exact values
    db.session.commit()
    e1, e2, e3 = world.entries
    for judge in world.judges:
        submit(world, judge, e1, 18, 27, 27)  # 72
        submit(world, judge, e2, 0, 30, 30)  # 60 but a criterion at zero
        submit(world, judge, e3, 10, 20, 15)  # 45
    _close(world)
    outcome = advance_entries(world.round, "threshold", threshold=Decimal("45"), actor=world.organizer)
    db.session.commit()
    assert {e.id for e in outcome.advanced} == {e1.id, e3.id}
    assert db.session.scalar(select(EntryRound.reason).where(
        EntryRound.entry_id == e2.id, EntryRound.round_id == world.round.id)).startswith("Có tiêu chí bị 0 điểm")


def test_manual_choice_needs_a_reason_and_respects_the_rules(app, auth):
    world = _scored_world()
    _close(world)
    e1, e2, e3, e4 = world.entries
    client = auth.as_(world.organizer)
    path = f"/quan-tri/vong-cham/{world.round.id}/xet-vao-vong-sau"
    no_reason = client.post(path, data={"rule": "manual", "chosen": [str(e1.id)]})
    assert no_reason.status_code == 422 and "lý do" in no_reason.get_data(as_text=True)
    below = client.post(path, data={"rule": "manual", "chosen": [str(e3.id)], "reason": "Tiềm năng"})
    assert below.status_code == 422 and "Dưới điểm tối thiểu" in below.get_data(as_text=True)
    forged = client.post(path, data={"rule": "manual", "chosen": ["99999"], "reason": "x"})
    assert forged.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(EntryRound)) == 0
    ok = client.post(path, data={"rule": "manual", "chosen": [str(e1.id), str(e4.id)],
                                 "reason": "Hội đồng thống nhất chọn hai bài"})
    assert ok.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.advancement_decided"))
    assert event.reason == "Hội đồng thống nhất chọn hai bài" and event.after["rule"] == "manual"
    assert sorted(event.after["advanced"]) == sorted([e1.id, e4.id])


def test_advancement_before_closing_or_from_the_final_round_is_refused(app):
    from contest.rounds import RoundError, advance_entries

    world = _scored_world()
    with pytest.raises(RoundError) as info:
        advance_entries(world.round, "top_n", top_n=1)
    assert info.value.status == 409
    world.final.status = RoundStatus.CLOSED.value
    db.session.commit()
    with pytest.raises(RoundError):
        advance_entries(world.final, "top_n", top_n=1)


def test_organizer_reopens_a_submitted_sheet_with_a_reason(app, auth, mailbox):
    world = build_world(judges=1, entries=1)
    judge = world.judges[0]
    sheet = submit(world, judge, world.entries[0], 10, 20, 20)
    version = sheet.version
    client = auth.as_(world.organizer)
    page = client.get(f"/quan-tri/phieu-cham/{sheet.id}")
    assert page.status_code == 200 and "50,00" in page.get_data(as_text=True)
    assert client.post(f"/quan-tri/phieu-cham/{sheet.id}", data={"reason": ""}).status_code == 422
    response = client.post(f"/quan-tri/phieu-cham/{sheet.id}", data={"reason": "Nhập nhầm điểm tiêu chí 2"})
    assert response.status_code == 302
    sheet = db.session.get(ScoreSheet, sheet.id)
    assert sheet.status == SheetStatus.DRAFT.value and sheet.submitted_at is None
    assert sheet.reopened_at is not None and sheet.version == version + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "score_sheet.reopened"))
    assert event.reason == "Nhập nhầm điểm tiêu chí 2" and event.actor_id == world.organizer.id
    assert mailbox[-1].recipients == [judge.email] and "Nhập nhầm" in mailbox[-1].body
    # Reopening a draft again is refused.
    assert client.post(f"/quan-tri/phieu-cham/{sheet.id}", data={"reason": "lại"}).status_code == 409
    assert client.get("/quan-tri/phieu-cham/99999").status_code == 404
    # The judge edits and resubmits from the new version; a tab on the old version cannot.
    auth.logout()
    judge_client = auth.as_(judge)
    a = world.assignment(judge, world.entries[0])
    stale = judge_client.post(f"/giam-khao/cham/{a.id}/nhap",
                              data=sheet_form(world.round, {"doi_moi": "1"}, version))
    assert stale.status_code == 409
    fixed = judge_client.post(f"/giam-khao/cham/{a.id}",
                              data=sheet_form(world.round, {"doi_moi": "10", "hieu_qua": "25", "ap_dung": "20"},
                                              sheet.version, action="submit"))
    assert fixed.status_code == 302
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED.value


def test_drafts_are_not_counted_when_a_round_closes(app):
    from contest.rounds import close_round
    from contest.scoring import save_score_sheet

    world = build_world(judges=2, entries=1)
    j1, j2 = world.judges
    entry = world.entries[0]
    submit(world, j1, entry, 10, 20, 20)
    draft = SheetInput(version=0, scores={c.id: "1" for c in world.round.criteria})
    save_score_sheet(world.assignment(j2, entry), draft)
    db.session.commit()
    result = close_round(world.round, actor=world.organizer)
    db.session.commit()
    assert result.payload["sheets_not_submitted"] == 1
    (row,) = result.payload["ranking"]
    assert row["n_sheets"] == 1 and row["raw_mean"] == pytest.approx(50.0)


def test_a_full_panel_advances_on_the_councils_plain_mean_not_on_a_discarded_sheet(app):
    from contest.rounds import standings

    world = build_world(judges=5, entries=2)
    a, b = world.entries
    # A: 70, 71, 69, 70 and one judge's 40 (mean 64.00); B: 66, 67, 65, 66, 65 (mean 65.80).
    sheets = {a: [(18, 26, 26), (18, 27, 26), (17, 26, 26), (18, 26, 26), (10, 15, 15)],
              b: [(17, 25, 24), (17, 25, 25), (16, 25, 24), (17, 25, 24), (16, 25, 24)]}
    for entry, points in sheets.items():
        for judge, sheet in zip(world.judges, points, strict=True):
            submit(world, judge, entry, *sheet)
    _close(world)
    ranking = db.session.scalar(select(ResultSet)).payload["ranking"]
    assert [r["entry_id"] for r in ranking] == [str(b.id), str(a.id)]
    assert ranking[1]["plain_mean"] == pytest.approx(64.0 * world.round.scale / 80)
    assert ranking[1]["score"] == ranking[1]["plain_mean"]
    assert "outlying_sheet" in ranking[1]["flags"]
    assert [s.entry.id for s in standings(world.round)][:2] == [b.id, a.id]
