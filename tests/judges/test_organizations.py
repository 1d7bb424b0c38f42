"""The one list of organizations the organizers keep: how names fold, the organizers' pages, and the migration
that seeds the list from the names already typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.judges import pending_affiliations, update_judge_profile
from contest.models import (
    AuditEvent,
    EntryConflictDeclaration,
    JudgeAffiliation,
    NearMatchDecision,
    Organization,
    OrganizationStatus,
    Role,
    utcnow,
)
from contest.organizations import (
    find_organization,
    near_match,
    organization_key,
    register_organization_name,
)
from tests.factories import make_edition, make_entry, make_user
from tests.judges.helpers import contest_with_entries, first_round, judge


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ---------------------------------------------------------------- how names fold


@pytest.mark.parametrize(("typed", "same_as"), [
    ("Trường ĐH Nông Lâm", "Trường Đại học Nông Lâm"),
    ("TRƯỜNG  ĐẠI HỌC  NÔNG LÂM", "trường đại học nông lâm"),
    ("Công ty TNHH Chè Tân Cương", "Công ty Trách nhiệm hữu hạn Chè Tân Cương"),
    ("Cty CP Gang thép Thái Nguyên", "Công ty Cổ phần Gang thép Thái Nguyên"),
    ("Viện KH&CN", "Viện KH và CN"),
    ("Đ.H. Thái Nguyên", "Đại học Thái Nguyên"),
])
def test_spellings_of_one_name_have_one_key(typed, same_as):
    assert organization_key(typed) == organization_key(same_as)


@pytest.mark.parametrize(("first", "second"), [
    ("Công ty TNHH ABC", "Công ty CP ABC"),
    ("Viện ABC", "Viện ABD"),
    ("Trường Đại học Nông Lâm", "Trường Đại học Nông Lâm Thái Nguyên"),
    ("Đại học Thái Nguyên", "Trường Đại học Thái Nguyên"),
])
def test_different_names_keep_different_keys(first, second):
    assert organization_key(first) != organization_key(second)


def test_names_that_look_alike_are_flagged_and_others_are_not():
    def looks_alike(a: str, b: str) -> bool:
        return near_match(organization_key(a), organization_key(b))

    assert looks_alike("Trường Đại học Nông Lâm Thái Nguyên", "Trường Đại học Nông Lâm")
    assert looks_alike("Đại học Thái Nguyên", "Trường Đại học Thái Nguyên")
    assert looks_alike("Viện Nghiên cứu Chè Phú Hộ", "Viện Nghiêm cứu Chè Phú Hộ")  # a typo
    assert not looks_alike("Viện ABC", "Viện ABD")
    assert not looks_alike("Sở Y tế", "Sở Tư pháp")
    assert not looks_alike("Trường THPT Chu Văn An", "Trường Đại học Nông Lâm")


# ---------------------------------------------------------------- the list grows from what people type


def test_an_applicants_new_name_is_a_proposal_and_a_known_spelling_finds_its_organization(app):
    kept = register_organization_name("Trường Đại học Nông Lâm Thái Nguyên", confirmed=True)
    owner = make_user()
    edition = make_edition()
    entry = make_entry(owner, edition)
    from contest.entries import add_member

    add_member(entry, actor=owner, full_name="Hà Thị Lan", organization="Trường ĐH Nông Lâm Thái Nguyên")
    add_member(entry, actor=owner, full_name="Vũ Văn Sơn", organization="Hợp tác xã Chè La Bằng")
    db.session.commit()

    assert find_organization("Trường ĐH Nông Lâm Thái Nguyên").id == kept.id
    proposal = find_organization("Hợp tác xã Chè La Bằng")
    assert proposal.status == OrganizationStatus.PROPOSED.value
    assert [m.organization for m in entry.members][-1] == "Hợp tác xã Chè La Bằng"  # the typed text stays
    assert "organization.proposed" in audit_actions()


# ---------------------------------------------------------------- the organizers' pages


def test_organizer_adds_renames_confirms_and_merges_organizations(client, auth):
    organizer = make_user(Role.ORGANIZER)
    proposal = register_organization_name("Viện Hàn lâm KHCN VN")
    db.session.commit()
    auth.as_(organizer)

    assert client.post("/quan-tri/don-vi/them", data={"name": "Viện Hàn lâm Khoa học Việt Nam"}).status_code == 302
    kept = find_organization("Viện Hàn lâm Khoa học Việt Nam")
    assert client.post(f"/quan-tri/don-vi/{kept.id}/doi-ten", data={
        "name": "Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "short_name": "VAST"}).status_code == 302
    page = client.get("/quan-tri/don-vi").get_data(as_text=True)
    assert "Viện Hàn lâm KHCN VN" in page and "Đề xuất, chờ xác nhận" in page

    assert client.post(f"/quan-tri/don-vi/{proposal.id}/gop", data={"target_id": kept.id}).status_code == 302

    db.session.expire_all()
    merged = db.session.get(Organization, proposal.id)
    assert merged.status == OrganizationStatus.MERGED.value and merged.merged_into_id == kept.id
    # Every spelling answers for the kept organization: the old name, the short name, the merged proposal.
    for name in ("Viện Hàn lâm Khoa học Việt Nam", "VAST", "Viện Hàn lâm KHCN VN"):
        assert find_organization(name).id == kept.id
    assert find_organization("VAST").name == "Viện Hàn lâm Khoa học và Công nghệ Việt Nam"
    other = register_organization_name("Sở Khoa học và Công nghệ Thái Nguyên")
    db.session.commit()
    assert client.post(f"/quan-tri/don-vi/{other.id}/xac-nhan").status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, other.id).status == OrganizationStatus.CONFIRMED.value
    assert {"organization.added", "organization.renamed", "organization.merged",
            "organization.confirmed"} <= set(audit_actions())


def test_organizer_cannot_give_an_organization_a_name_another_one_holds(client, auth):
    auth.as_(make_user(Role.ORGANIZER))
    register_organization_name("Sở Y tế Thái Nguyên", confirmed=True)
    second = register_organization_name("Sở Tư pháp Thái Nguyên", confirmed=True)
    db.session.commit()
    client.post(f"/quan-tri/don-vi/{second.id}/doi-ten", data={"name": "SỞ Y TẾ THÁI NGUYÊN"})
    db.session.expire_all()
    assert db.session.get(Organization, second.id).name == "Sở Tư pháp Thái Nguyên"


def test_organizer_decides_a_near_match_and_the_run_goes_ahead(client, auth):
    _edition, entries = contest_with_entries({"cntt": 1})
    round_ = first_round(entries[0].edition)
    entries[0].conflict_declarations.append(
        EntryConflictDeclaration(organization="Trường Đại học Nông Lâm Thái Nguyên"))
    judge(organization="Trường Đại học Nông Lâm", fields=["cntt"], full_name="Hoàng Văn Nông")
    judge(organization="Viện Cơ khí", fields=["cntt"])
    db.session.commit()
    auth.as_(make_user(Role.ORGANIZER))

    refused = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay", data={"per_entry": "1", "seed": "0"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Trường Đại học Nông Lâm Thái Nguyên" in body and 'href="/quan-tri/don-vi/gan-giong"' in body
    listed = client.get("/quan-tri/don-vi/gan-giong").get_data(as_text=True)
    assert "Hoàng Văn Nông" in listed and entries[0].reference_code in listed

    decided = client.post("/quan-tri/don-vi/gan-giong/quyet-dinh", data={
        "first_name": "Trường Đại học Nông Lâm", "second_name": "Trường Đại học Nông Lâm Thái Nguyên",
        "verdict": "conflict", "note": "Cùng một trường"})
    assert decided.status_code == 302
    assert db.session.scalar(select(func.count(NearMatchDecision.id))) == 1
    assert "Không còn cặp tên gần giống" in client.get("/quan-tri/don-vi/gan-giong").get_data(as_text=True)
    ran = client.post(f"/quan-tri/phan-cong/vong/{round_.id}/chay", data={"per_entry": "1", "seed": "0"})
    assert ran.status_code == 302


def test_organizer_confirms_a_judges_proposed_organization_from_the_judge_page(client, auth):
    proposer = judge(organization="Viện ABC")
    update_judge_profile(proposer, organization="Viện ABD", title=None, categories=[], keywords=[], max_load=5,
                         actor=proposer)
    db.session.commit()
    proposal = pending_affiliations(proposer)[0]
    auth.as_(make_user(Role.ORGANIZER))

    page = client.get(f"/quan-tri/giam-khao/{proposer.id}").get_data(as_text=True)
    assert "Viện ABD" in page and "chờ xác nhận" in page
    response = client.post(f"/quan-tri/giam-khao/{proposer.id}/don-vi/{proposal.id}/xac-nhan")
    assert response.status_code == 302

    db.session.expire_all()
    assert proposer.judge_profile.organization == "Viện ABD"
    assert db.session.get(JudgeAffiliation, proposal.id).decided_by_id is not None
    assert "judge.organization_confirmed" in audit_actions()


def test_an_affiliation_ended_before_the_edition_opened_no_longer_binds(app):
    edition, entries = contest_with_entries({"cntt": 1}, organization="Viện ABC")
    former = judge(organization="Viện Mới")
    db.session.add(JudgeAffiliation(judge_id=former.id, typed_name="Viện ABC", status="confirmed",
                                    ended_at=utcnow() - timedelta(days=400)))
    edition.registration_opens_at = utcnow() - timedelta(days=30)
    db.session.commit()
    from contest.conflicts import conflict_reasons

    assert conflict_reasons(former, entries[0]) == []
    edition.registration_opens_at = utcnow() - timedelta(days=500)
    assert conflict_reasons(former, entries[0]) == ["automatic:same_organization"]


# ---------------------------------------------------------------- the migration


def test_the_migration_seeds_the_list_from_names_already_stored(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_test_app

    application = make_test_app(f"sqlite:///{tmp_path / 'seed.db'}", tmp_path / "instance")
    with application.app_context():
        upgrade()
        edition = make_edition()
        owner = make_user(organization="Trường ĐH Nông Lâm")
        make_entry(owner, edition, status="submitted", organization="Trường Đại học Nông Lâm")
        make_entry(owner, edition, status="submitted", organization="trường đại học nông lâm")
        make_entry(owner, edition, status="submitted", organization="Trường Đại học Nông Lâm Thái Nguyên")
        recorded_id = make_user(Role.JUDGE, organization="Viện Cơ điện Nông nghiệp").id
        db.session.commit()
        db.session.remove()

        downgrade(revision="0011_chair_review")
        upgrade()

        organizations = db.session.scalars(select(Organization)).all()
        names = sorted(o.name for o in organizations)
        # Three spellings of one school fold to one organization named by the most used one; the longer name
        # that only looks alike stays apart (for an organizer to merge or not).
        assert names == ["Trường Đại học Nông Lâm", "Trường Đại học Nông Lâm Thái Nguyên",
                         "Viện Cơ điện Nông nghiệp"]
        statuses = {o.name: o.status for o in organizations}
        assert statuses["Viện Cơ điện Nông nghiệp"] == OrganizationStatus.CONFIRMED.value
        assert statuses["Trường Đại học Nông Lâm"] == OrganizationStatus.PROPOSED.value
        affiliation = db.session.scalar(select(JudgeAffiliation))
        assert (affiliation.judge_id, affiliation.typed_name, affiliation.status) == (
            recorded_id, "Viện Cơ điện Nông nghiệp", "confirmed")
        db.session.remove()
        downgrade(revision="0011_chair_review")
        db.engine.dispose()


def test_a_merge_that_another_organizer_just_reversed_is_refused_not_a_crash(app):
    """Two organizers merge A into B and B into A at the same moment: the second sees the first and refuses."""
    from sqlalchemy import update

    from contest import organizations

    first = organizations.add_organization("Viện Nghiên cứu Chè")
    second = organizations.add_organization("Viện Chè Phú Hộ")
    db.session.commit()
    # The other organizer's merge, committed while this request still holds its stale copies.
    db.session.execute(update(Organization).where(Organization.id == first.id)
                       .values(merged_into_id=second.id, status=OrganizationStatus.MERGED.value)
                       .execution_options(synchronize_session=False))
    with pytest.raises(organizations.OrganizationError):
        organizations.merge_organization(second, first)
    db.session.rollback()
    assert db.session.get(Organization, second.id).merged_into_id is None
