"""The assignment operations other areas rely on: run, adjust, publish, fill holes, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from contest.assignments import (
    AssignmentError,
    AssignmentImpossible,
    add_pair,
    assignment_board,
    cancel_assignment,
    fill_holes,
    last_settings,
    last_summary,
    publish_assignment,
    remove_pair,
    round_entries,
    run_assignment,
)
from contest.conflicts import declare_conflict
from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    AuditEvent,
    ConflictSource,
    EntryRound,
    Role,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    utcnow,
)
from tests.factories import make_user
from tests.judges.helpers import contest_with_entries, final_round, first_round, judge


@pytest.fixture(autouse=True)
def in_request(app):
    # Operations run inside a request (mail templates read the request's path and language).
    with app.test_request_context("/quan-tri/"):
        yield


def pairs(round_, *states):
    states = states or (AssignmentState.PROPOSED.value, AssignmentState.ACTIVE.value)
    rows = db.session.scalars(
        select(Assignment).where(Assignment.round_id == round_.id, Assignment.state.in_(states))
    ).all()
    return {(a.entry_id, a.judge_id) for a in rows}


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_run_gives_every_entry_exactly_k_judges_within_loads(app):
    edition, entries = contest_with_entries({"cntt": 6, "co_khi": 6})
    judges = [judge(fields=["cntt"], max_load=6) for _ in range(4)] + [judge(fields=["co_khi"], max_load=6)
                                                                       for _ in range(4)]
    round_ = first_round(edition)
    report = run_assignment(round_, per_entry=3)
    db.session.commit()
    got = pairs(round_)
    assert report.created == len(got) == 12 * 3
    for entry in entries:
        assert sum(1 for e, _ in got if e == entry.id) == 3
    for j in judges:
        load = sum(1 for _, jid in got if jid == j.id)
        assert load <= 6
        assert 4 <= load <= 5  # 36 places over 8 judges: the even share ±1
    # Expertise counts: most pairs match the judge's field.
    matched = sum(
        1 for e, jid in got
        if db.session.get(Assignment, db.session.scalar(select(Assignment.id).where(
            Assignment.entry_id == e, Assignment.judge_id == jid))).affinity >= 1
    )
    assert matched >= 30
    assert {a.state for a in db.session.scalars(select(Assignment))} == {"proposed"}
    # The first run puts the eligible entries into the round.
    assert db.session.scalar(select(db.func.count(EntryRound.id))) == 12
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.run"))
    assert event.object_id == round_.id
    assert event.after["settings"]["per_entry"] == 3
    assert event.after["summary"]["lp_bound"] >= event.after["summary"]["total_affinity"] - 1e-6


def test_the_last_run_is_kept_on_the_round_not_read_back_from_the_audit(app):
    edition, _entries = contest_with_entries({"cntt": 4})
    [judge(fields=["cntt"], max_load=4) for _ in range(3)]
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2)
    db.session.commit()
    assert last_settings(round_).per_entry == 2 and last_summary(round_) == round_.assignment_summary is not None
    db.session.execute(delete(AuditEvent))  # the history may be trimmed; the state stays
    db.session.commit()
    assert last_settings(round_).per_entry == 2 and last_summary(round_) is not None


def test_per_category_override_sets_k_for_that_field(app):
    edition, entries = contest_with_entries({"cntt": 3, "co_khi": 3})
    for _ in range(6):
        judge(fields=["cntt", "co_khi"])
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2, per_category={"co_khi": 4})
    got = pairs(round_)
    for entry in entries:
        expected = 4 if entry.category.code == "co_khi" else 2
        assert sum(1 for e, _ in got if e == entry.id) == expected


def test_automatic_organization_conflict_is_never_assigned(app):
    edition, entries = contest_with_entries({"cntt": 5}, organization="Trường Đại học Kỹ thuật Công nghiệp")
    same_org = judge(fields=["cntt"], organization="Truong Dai hoc Ky thuat Cong nghiep")  # folded match
    others = [judge(fields=["cntt"]) for _ in range(3)]
    round_ = first_round(edition)
    run_assignment(round_, per_entry=3)
    got = pairs(round_)
    assert not any(jid == same_org.id for _, jid in got)
    assert len(got) == 15
    board = assignment_board(round_)
    assert board.cells[(entries[0].id, same_org.id)].conflicts == ["automatic:same_organization"]
    assert all(board.loads[j.id] == 5 for j in others)


def test_judge_and_organizer_declarations_are_respected(app):
    edition, entries = contest_with_entries({"cntt": 4})
    organizer = make_user(Role.ORGANIZER)
    a, b, c, d = (judge(fields=["cntt"]) for _ in range(4))
    declare_conflict(a, source=ConflictSource.JUDGE, entry=entries[0], reason="Người quen", declared_by=a)
    declare_conflict(b, source=ConflictSource.ORGANIZER, entry=entries[1], reason="Cùng dự án", declared_by=organizer)
    db.session.commit()
    round_ = first_round(edition)
    run_assignment(round_, per_entry=3)
    got = pairs(round_)
    assert (entries[0].id, a.id) not in got
    assert (entries[1].id, b.id) not in got
    assert all(sum(1 for e, _ in got if e == entry.id) == 3 for entry in entries)


def test_infeasible_run_names_entries_and_binding_constraint_in_vietnamese(app):
    edition, entries = contest_with_entries({"cntt": 2}, organization="Sở Y tế Thái Nguyên", across_fields=True)
    judge(organization="Sở Y tế Thái Nguyên")
    judge()
    round_ = first_round(edition)
    with pytest.raises(AssignmentImpossible) as caught:
        run_assignment(round_, per_entry=2)
    problem = caught.value
    assert problem.status == 422
    assert problem.code == "entry_lacks_judges"
    assert entries[0].reference_code in problem.message
    assert "xung đột lợi ích" in problem.message
    assert pairs(round_) == set()


def test_capacity_shortfall_is_explained(app):
    edition, _ = contest_with_entries({"cntt": 5}, across_fields=True)
    for _ in range(3):
        judge(max_load=2)
    with pytest.raises(AssignmentImpossible) as caught:
        run_assignment(first_round(edition), per_entry=2)
    assert caught.value.code == "total_capacity"
    assert "số bài tối đa" in caught.value.message


def test_rerun_replaces_proposal_but_not_a_published_one(app):
    edition, _ = contest_with_entries({"cntt": 3}, across_fields=True)
    for _ in range(4):
        judge()
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2, seed=1)
    run_assignment(round_, per_entry=3, seed=2)
    assert len(pairs(round_)) == 9
    publish_assignment(round_)
    with pytest.raises(AssignmentError) as caught:
        run_assignment(round_, per_entry=2)
    assert caught.value.status == 409


def test_publish_activates_and_emails_each_judge_once(app, mailbox):
    edition, entries = contest_with_entries({"cntt": 4})
    judges = [judge(fields=["cntt"]) for _ in range(4)]
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2)
    report = publish_assignment(round_)
    db.session.commit()
    assert report.published == 8
    assert {a.state for a in db.session.scalars(select(Assignment))} == {"active"}
    recipients = sorted(m.recipients[0] for m in mailbox)
    assert recipients == sorted(j.email for j in judges)
    first = next(m for m in mailbox if m.recipients[0] == judges[0].email)
    mine = db.session.scalars(select(Assignment).where(Assignment.judge_id == judges[0].id)).all()
    for assignment in mine:
        assert assignment.entry.reference_code in first.body
    assert "/giam-khao/" in first.body
    assert "assignment.published" in actions()
    # Publishing again has nothing to do and sends nothing.
    with pytest.raises(AssignmentError):
        publish_assignment(round_)
    assert len(mailbox) == 4


def test_publish_drops_pairs_that_became_conflicted(app, mailbox):
    edition, entries = contest_with_entries({"cntt": 2}, across_fields=True)
    a, b, c = (judge() for _ in range(3))
    round_ = first_round(edition)
    run_assignment(round_, per_entry=3)
    declare_conflict(a, source=ConflictSource.ORGANIZER, entry=entries[0], reason="Họ hàng")
    report = publish_assignment(round_)
    assert report.dropped == 1
    assert (entries[0].id, a.id) in pairs(round_, "cancelled")
    assert (entries[0].id, a.id) not in pairs(round_)


def test_fill_holes_after_recusal_keeps_everyone_elses_pairs(app, mailbox):
    edition, entries = contest_with_entries({"cntt": 6})
    judges = [judge(fields=["cntt"], max_load=6) for _ in range(5)]
    round_ = first_round(edition)
    run_assignment(round_, per_entry=3)
    publish_assignment(round_)
    db.session.commit()
    before = pairs(round_)
    leaving = db.session.scalars(select(Assignment).where(Assignment.judge_id == judges[0].id)).first()
    declare_conflict(judges[0], source=ConflictSource.JUDGE, entry=leaving.entry, reason="Biết tác giả",
                     declared_by=judges[0])
    cancel_assignment(leaving, reason="Biết tác giả", actor=judges[0], state=AssignmentState.RECUSED)
    db.session.commit()
    assert leaving.state == "recused" and leaving.ended_at is not None
    assert "assignment.recused" in actions()
    report = fill_holes(round_)
    db.session.commit()
    after = pairs(round_)
    assert report.created == 1
    assert before - {(leaving.entry_id, leaving.judge_id)} <= after
    assert (leaving.entry_id, leaving.judge_id) not in after
    assert sum(1 for e, _ in after if e == leaving.entry_id) == 3
    new = db.session.scalar(select(Assignment).where(Assignment.state == "proposed"))
    assert new.entry_id == leaving.entry_id
    # The kept pairs stayed active; only the new one awaits publication.
    assert len(pairs(round_, "active")) == len(before) - 1
    mailbox.clear()
    publish_assignment(round_)
    db.session.commit()
    assert [m.recipients[0] for m in mailbox] == [new.judge.email]


def test_cancel_twice_is_harmless_and_state_is_checked(app):
    edition, _ = contest_with_entries({"cntt": 1}, across_fields=True)
    judge()
    round_ = first_round(edition)
    run_assignment(round_, per_entry=1)
    assignment = db.session.scalar(select(Assignment))
    cancel_assignment(assignment, reason="Thử", actor=None)
    cancel_assignment(assignment, reason="Lần hai", actor=None)
    assert assignment.end_reason == "Thử"
    assert actions().count("assignment.cancelled") == 1
    with pytest.raises(ValueError):
        cancel_assignment(assignment, reason="x", state=AssignmentState.ACTIVE)


def test_full_panel_gives_every_unconflicted_judge_every_entry(app):
    edition, entries = contest_with_entries({"cntt": 2, "co_khi": 1}, organization="Công ty Gang thép")
    round_ = final_round(edition)
    assert round_.mode == RoundMode.FULL_PANEL
    for entry in entries:
        db.session.add(EntryRound(entry_id=entry.id, round_id=round_.id))
    judges = [judge() for _ in range(3)]
    conflicted = judge(organization="Công ty Gang thép")
    db.session.commit()
    run_assignment(round_, per_entry=2)
    got = pairs(round_)
    assert got == {(e.id, j.id) for e in entries for j in judges}
    # A judge who joins later is added by filling holes, without touching the rest.
    publish_assignment(round_)
    newcomer = judge()
    fill_holes(round_)
    assert pairs(round_, "proposed") == {(e.id, newcomer.id) for e in entries}
    assert conflicted.id not in {j for _, j in pairs(round_)}


def test_later_round_without_entries_is_refused(app):
    edition, _ = contest_with_entries({"cntt": 2})
    judge()
    with pytest.raises(AssignmentError) as caught:
        run_assignment(final_round(edition))
    assert caught.value.status == 422
    assert round_entries(final_round(edition)) == []


def test_add_pair_by_hand_is_validated_against_conflicts_and_loads(app):
    edition, entries = contest_with_entries({"cntt": 3}, organization="Đại học Thái Nguyên")
    busy = judge(max_load=1)
    conflicted = judge(organization="Đại học Thái Nguyên")
    round_ = first_round(edition)
    first = add_pair(round_, entries[0], busy, reason="Chuyên gia đầu ngành")
    assert first.manual and first.state == "proposed"
    assert add_pair(round_, entries[0], busy, reason="Bấm hai lần") is first  # double submit
    with pytest.raises(AssignmentError) as caught:
        add_pair(round_, entries[1], busy, reason="Thêm")
    assert caught.value.status == 409 and "tối đa" in caught.value.message
    with pytest.raises(AssignmentError) as caught:
        add_pair(round_, entries[1], conflicted, reason="Thêm")
    assert caught.value.status == 409 and "xung đột" in caught.value.message
    with pytest.raises(AssignmentError) as caught:
        add_pair(round_, entries[1], judge(), reason="  ")
    assert caught.value.status == 422
    applicant = make_user(Role.APPLICANT)
    with pytest.raises(AssignmentError):
        add_pair(round_, entries[1], applicant, reason="Thêm")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.adjusted")).one()
    assert event.reason == "Chuyên gia đầu ngành" and event.after["action"] == "add"


def test_remove_pair_by_hand_refuses_submitted_sheet(app):
    edition, entries = contest_with_entries({"cntt": 2})
    a = judge()
    round_ = first_round(edition)
    one = add_pair(round_, entries[0], a, reason="Thêm")
    two = add_pair(round_, entries[1], a, reason="Thêm")
    two.sheet = ScoreSheet(status=SheetStatus.SUBMITTED.value, submitted_at=utcnow())
    db.session.flush()
    remove_pair(one, reason="Đổi người")
    assert one.state == "cancelled"
    with pytest.raises(AssignmentError) as caught:
        remove_pair(two, reason="Đổi người")
    assert caught.value.status == 409
    # A cancelled pair may be re-added by hand: the same row comes back.
    again = add_pair(round_, entries[0], a, reason="Nhầm")
    assert again.id == one.id and again.state == "proposed" and again.ended_at is None


def test_expertise_only_option_leaves_out_unrelated_judges(app):
    edition, _ = contest_with_entries({"cntt": 2})
    expert = [judge(fields=["cntt"]) for _ in range(2)]
    outsider = judge(fields=["y_duoc"])
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2, expertise_only=True)
    assert {j for _, j in pairs(round_)} == {x.id for x in expert}
    assert outsider.id not in {j for _, j in pairs(round_)}


def test_entry_screened_late_is_picked_up_by_fill_holes(app):
    edition, entries = contest_with_entries({"cntt": 3}, across_fields=True)
    for _ in range(3):
        judge()
    round_ = first_round(edition)
    run_assignment(round_, per_entry=2)
    publish_assignment(round_)
    late = make_entry_like(entries[0], edition)
    report = fill_holes(round_)
    assert report.created == 2 and report.new_entry_rounds == 1
    assert sum(1 for e, _ in pairs(round_) if e == late.id) == 2
    assert len(pairs(round_, "active")) == 6  # the published pairs are untouched


def make_entry_like(entry, edition):
    from tests.factories import make_entry

    return make_entry(entry.owner, edition, status="eligible", category_code="cntt")
