"""Conflicts of interest rest on the organizations the organizers confirm (issue 19, findings 10 and 11).

A judge's own edit of their organization cannot lift a conflict; names that differ only in spelling are one
organization; names that merely look alike wait for an organizer before any assignment; a person named by an
applicant is a whole person; and a run that lacks judges says which declarations keep them away.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from contest.assignments import (
    AssignmentError,
    AssignmentImpossible,
    NearMatchesUndecided,
    add_pair,
    assignment_board,
    run_assignment,
)
from contest.conflicts import conflict_reasons
from contest.entries import EntryError, add_conflict_declaration
from contest.extensions import db
from contest.judges import (
    affiliations,
    confirm_judge_affiliation,
    pending_affiliations,
    reject_judge_affiliation,
    update_judge_profile,
)
from contest.models import (
    AffiliationStatus,
    Assignment,
    AssignmentState,
    AuditEvent,
    CriterionScore,
    EntryConflictDeclaration,
    EntryRound,
    NearMatchVerdict,
    Role,
    ScoreSheet,
    utcnow,
)
from contest.organizations import decide_near_match, merge_organization, register_organization_name
from tests.factories import make_edition, make_entry, make_user
from tests.judges.helpers import contest_with_entries, first_round, judge


@pytest.fixture
def in_request(app):
    with app.test_request_context("/quan-tri/"):
        yield


def actions(action_prefix: str) -> list[str]:
    return [a for a in db.session.scalars(select(AuditEvent.action)) if a.startswith(action_prefix)]


def _assigned_in_open_round(judge_organization: str, entry_organization: str):
    """A judge with an ACTIVE assignment (as if made before the conflict was known) in an OPEN round."""
    edition = make_edition()
    round_ = edition.rounds[0]
    round_.status = "open"
    round_.opens_at = utcnow() - timedelta(days=1)
    round_.closes_at = utcnow() + timedelta(days=10)
    entry = make_entry(make_user(), edition, status="eligible", organization=entry_organization)
    judge_user = make_user(Role.JUDGE, organization=judge_organization, full_name="Lê Thị Giám Khảo")
    db.session.add(EntryRound(entry=entry, round=round_))
    assignment = Assignment(round_id=round_.id, judge_id=judge_user.id, entry_id=entry.id,
                            state=AssignmentState.ACTIVE.value, published_at=utcnow())
    assignment.sheet = ScoreSheet(status="draft", scores=[
        CriterionScore(criterion_id=round_.criteria[0].id, value=Decimal("10"))])
    db.session.add(assignment)
    db.session.commit()
    return judge_user, entry, assignment


# ---------------------------------------------------------------- finding 10: the judge's own edit


def test_judge_who_renames_their_organization_still_cannot_open_the_dossier(client, auth):
    judge_user, entry, assignment = _assigned_in_open_round("Viện ABC", "Viện ABC")
    auth.as_(judge_user)
    assert client.get(f"/bai-du-thi/{entry.id}").status_code == 404

    saved = client.post("/giam-khao/ho-so", data={"organization": "Viện ABD", "max_load": "5"})
    assert saved.status_code == 302

    assert client.get(f"/bai-du-thi/{entry.id}").status_code == 404
    assert client.get(f"/giam-khao/cham/{assignment.id}").status_code == 404
    db.session.expire_all()
    assert judge_user.judge_profile.organization == "Viện ABC"  # what the organizers recorded stays
    assert [a.typed_name for a in pending_affiliations(judge_user)] == ["Viện ABD"]
    page = client.get("/giam-khao/ho-so").get_data(as_text=True)
    assert "Viện ABD" in page and "chờ Ban tổ chức xác nhận" in page


def test_judge_who_renames_their_organization_is_still_refused_by_the_assignment(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Viện ABC")
    round_ = first_round(entries[0].edition)
    renamed = judge(organization="Viện ABC", fields=["cntt"])

    update_judge_profile(renamed, organization="Viện ABD", title=None, categories=["cntt"], keywords=[],
                         max_load=5, actor=renamed)
    db.session.commit()

    with pytest.raises(AssignmentError) as refused:
        add_pair(round_, entries[0], renamed, reason="Thêm tay")
    assert "đơn vị" in refused.value.message.lower()
    assert actions("judge.organization_proposed") == ["judge.organization_proposed"]


def test_organizer_confirming_a_new_organization_keeps_the_old_one_for_this_edition(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Viện ABC")
    moved = judge(organization="Viện ABC", fields=["cntt"])
    organizer = make_user(Role.ORGANIZER)
    update_judge_profile(moved, organization="Viện ABD", title=None, categories=["cntt"], keywords=[],
                         max_load=5, actor=moved)
    proposal = pending_affiliations(moved)[0]

    confirm_judge_affiliation(proposal, actor=organizer)
    db.session.commit()

    assert moved.judge_profile.organization == "Viện ABD"
    history = {(a.typed_name, a.status, a.ended_at is not None) for a in affiliations(moved)}
    assert history == {("Viện ABD", "confirmed", False), ("Viện ABC", "confirmed", True)}
    # The edition opened while the judge was at Viện ABC: that conflict holds for its entries.
    assert "automatic:same_organization" in conflict_reasons(moved, entries[0])
    assert actions("judge.organization_confirmed") == ["judge.organization_confirmed"]


def test_organizer_rejecting_a_proposal_keeps_the_recorded_organization(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Viện Khác")
    proposer = judge(organization="Viện ABC", fields=["cntt"])
    update_judge_profile(proposer, organization="Viện Khác", title=None, categories=["cntt"], keywords=[],
                         max_load=5, actor=proposer)
    # While it waits, the proposed organization already counts.
    assert conflict_reasons(proposer, entries[0]) == ["automatic:same_organization"]

    reject_judge_affiliation(pending_affiliations(proposer)[0], reason="Không đúng", actor=make_user(Role.ORGANIZER))
    db.session.commit()

    assert conflict_reasons(proposer, entries[0]) == []
    assert proposer.judge_profile.organization == "Viện ABC"
    assert [a.status for a in affiliations(proposer)] == [AffiliationStatus.REJECTED.value]


# ---------------------------------------------------------------- finding 11: one organization, many spellings


def test_abbreviated_and_full_spellings_are_one_organization(app):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Trường ĐH Nông Lâm Thái Nguyên")
    colleague = judge(organization="trường đại học nông lâm thái nguyên")
    assert conflict_reasons(colleague, entries[0]) == ["automatic:same_organization"]


def test_a_proposed_name_merged_into_an_organization_counts_as_that_organization(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Viện Hàn lâm KH&CN VN")
    academy_judge = judge(organization="Viện Hàn lâm Khoa học và Công nghệ Việt Nam")
    kept = register_organization_name("Viện Hàn lâm Khoa học và Công nghệ Việt Nam", confirmed=True)
    proposed = register_organization_name("Viện Hàn lâm KH&CN VN")
    assert conflict_reasons(academy_judge, entries[0]) == []

    merge_organization(proposed, kept, actor=make_user(Role.ORGANIZER))
    db.session.commit()

    assert conflict_reasons(academy_judge, entries[0]) == ["automatic:same_organization"]
    assert actions("organization.merged") == ["organization.merged"]


def test_a_near_match_holds_the_run_until_an_organizer_decides_it(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 2})
    round_ = first_round(entries[0].edition)
    entries[0].conflict_declarations.append(
        EntryConflictDeclaration(organization="Trường Đại học Nông Lâm Thái Nguyên"))
    nong_lam = judge(organization="Trường Đại học Nông Lâm", fields=["cntt"], full_name="Hoàng Văn Nông")
    others = [judge(organization=f"Sở ban ngành {n}", fields=["cntt"]) for n in ("Một", "Hai")]
    db.session.commit()

    with pytest.raises(NearMatchesUndecided) as held:
        run_assignment(round_, per_entry=2)
    assert "Trường Đại học Nông Lâm Thái Nguyên" in held.value.message
    assert assignment_board(round_).undecided  # the page shows it too

    decide_near_match("Trường Đại học Nông Lâm", "Trường Đại học Nông Lâm Thái Nguyên",
                      verdict=NearMatchVerdict.CONFLICT, actor=make_user(Role.ORGANIZER))
    run_assignment(round_, per_entry=2)
    assigned = {(a.entry_id, a.judge_id) for a in db.session.scalars(select(Assignment))}
    assert (entries[0].id, nong_lam.id) not in assigned
    assert {(entries[0].id, j.id) for j in others} <= assigned
    assert actions("organization.near_match_decided") == ["organization.near_match_decided"]


def test_a_near_match_decided_as_different_organizations_lets_the_judge_take_the_entry(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1}, organization="Trường Đại học Nông Lâm Thái Nguyên")
    round_ = first_round(entries[0].edition)
    other_school = judge(organization="Đại học Nông Lâm", fields=["cntt"])
    assert conflict_reasons(other_school, entries[0]) == ["near:unconfirmed"]

    decide_near_match("Đại học Nông Lâm", "Trường Đại học Nông Lâm Thái Nguyên",
                      verdict=NearMatchVerdict.DISTINCT, actor=make_user(Role.ORGANIZER))

    assert conflict_reasons(other_school, entries[0]) == []
    assert add_pair(round_, entries[0], other_school, reason="Đúng chuyên môn").state == "proposed"


# ---------------------------------------------------------------- finding 11: a person is a whole name


def test_a_one_letter_person_name_is_refused(app, in_request):
    edition = make_edition()
    owner = make_user()
    entry = make_entry(owner, edition)
    with pytest.raises(EntryError) as refused:
        add_conflict_declaration(entry, actor=owner, organization=None, person_name="n", reason=None)
    assert "họ và tên" in refused.value.message
    assert entry.conflict_declarations == []


def test_a_person_name_conflict_matches_the_whole_name_only(app):
    _edition, entries = contest_with_entries({"cntt": 1})
    entries[0].conflict_declarations.append(EntryConflictDeclaration(person_name="Nguyễn Văn An"))
    db.session.commit()
    named = judge(full_name="PGS.TS. Nguyễn Văn An")
    namesake_prefix = judge(full_name="Nguyễn Văn Anh")
    assert conflict_reasons(named, entries[0]) == ["applicant:person"]
    assert conflict_reasons(namesake_prefix, entries[0]) == []


def test_a_run_that_lacks_judges_names_the_declarations_responsible(app, in_request):
    _edition, entries = contest_with_entries({"cntt": 1})
    round_ = first_round(entries[0].edition)
    entries[0].conflict_declarations.append(EntryConflictDeclaration(organization="Sở Y tế Thái Nguyên"))
    judge(organization="Sở Y tế Thái Nguyên", fields=["cntt"], full_name="Trần Văn Bình")
    judge(organization="Sở Y tế Thái Nguyên", fields=["cntt"], full_name="Phạm Thị Cúc")
    judge(organization="Viện Cơ khí", fields=["cntt"], full_name="Đỗ Văn Dũng")
    db.session.commit()

    with pytest.raises(AssignmentImpossible) as impossible:
        run_assignment(round_, per_entry=3)

    message = impossible.value.message
    assert "cần 3 giám khảo" in message
    assert "Trần Văn Bình" in message and "Phạm Thị Cúc" in message
    assert "Sở Y tế Thái Nguyên" in message
    assert "Đỗ Văn Dũng" not in message
