"""Someone who registers another person's address without owning the mailbox gains nothing from it."""

from __future__ import annotations

import re

from sqlalchemy import select

from contest import entries, personal_data
from contest.extensions import db
from contest.models import Entry, Role, User
from tests.editions.helpers import add_judging_work, ready_edition
from tests.factories import TEST_PASSWORD, make_edition, make_entry, make_user

JUDGE_ADDRESS = "chuyen.gia@tnu.edu.vn"


def _invitation_path(message) -> str:
    return re.search(r"http://localhost(/giam-khao/loi-moi/\S+)", message.body).group(1)


def test_squatter_of_a_future_judges_address_does_not_become_judge(app, client, auth, mailbox):
    make_edition()
    organizer = make_user(Role.ORGANIZER)
    squatter = make_user(email=JUDGE_ADDRESS, verified=False)
    squatters_browser = app.test_client()
    assert squatters_browser.post("/tai-khoan/dang-nhap", data={
        "email": JUDGE_ADDRESS, "password": TEST_PASSWORD}).status_code == 302

    auth.as_(organizer)
    assert client.post("/quan-tri/giam-khao/moi", data={
        "email": JUDGE_ADDRESS, "full_name": "PGS.TS. Lê Thị Hoa", "organization": "Đại học Thái Nguyên",
        "fields": ["cntt"], "max_load": "12"}).status_code == 302
    auth.logout()

    # The squatter's open session ended and their password no longer opens the account.
    assert squatters_browser.get("/giam-khao/").status_code == 302
    relogin = squatters_browser.post("/tai-khoan/dang-nhap", data={"email": JUDGE_ADDRESS, "password": TEST_PASSWORD})
    assert relogin.status_code == 401

    # Whoever holds the mailbox follows the invitation and becomes the judge.
    path = _invitation_path(mailbox[-1])
    accepted = client.post(path, data={
        "full_name": "PGS.TS. Lê Thị Hoa", "organization": "Đại học Thái Nguyên", "fields": ["cntt"],
        "keywords": "IoT", "max_load": "12", "password": "Giamkhao2025xyz", "confirm": "Giamkhao2025xyz"})
    assert accepted.status_code == 302
    judge = db.session.get(User, squatter.id)
    assert judge.email_verified and judge.has_role(Role.JUDGE)
    assert auth.login(JUDGE_ADDRESS, "Giamkhao2025xyz").status_code == 302


def test_unverified_account_cannot_be_added_to_the_committee(client, auth):
    edition = make_edition()
    organizer = make_user(Role.ORGANIZER)
    squatter = make_user(email="uy.vien@thainguyen.gov.vn", verified=False)
    auth.as_(organizer)
    response = client.post(f"/quan-tri/phe-duyet/ban-to-chuc/{edition.id}",
                           data={"email": "uy.vien@thainguyen.gov.vn", "title": "Ủy viên"})
    assert response.status_code == 422
    assert "chưa xác minh email" in response.get_data(as_text=True)
    assert not db.session.get(User, squatter.id).has_role(Role.COMMITTEE)


def test_unverified_account_named_as_coauthor_cannot_read_the_draft(app):
    edition = make_edition()
    owner = make_user()
    squatter = make_user(email="dong.tac.gia@example.vn", verified=False)
    entry = make_entry(owner, edition)
    member = entries.add_member(entry, actor=owner, full_name="Trần Văn Bình", email="dong.tac.gia@example.vn")
    db.session.flush()
    assert member.user_id is None
    assert not entries.can_view_entry(_signed_in(squatter), entry)


def test_coauthor_reaches_the_draft_once_the_address_is_verified(app, client, mailbox):
    edition = make_edition()
    owner = make_user()
    coauthor = make_user(email="dong.tac.gia@example.vn", verified=False)
    entry = make_entry(owner, edition)
    member = entries.add_member(entry, actor=owner, full_name="Trần Văn Bình", email="dong.tac.gia@example.vn")
    db.session.flush()
    from contest.accounts import send_verification_email

    send_verification_email(coauthor)
    db.session.commit()
    link = re.search(r"http://localhost(\S+)", mailbox[-1].body).group(1)
    assert client.get(link).status_code == 302
    assert db.session.get(type(member), member.id).user_id == coauthor.id
    assert entries.can_view_entry(_signed_in(db.session.get(User, coauthor.id)), db.session.get(Entry, entry.id))


def _a_vote_cast_from(address: str) -> User:
    """A submitted entry judged by a judge (returned) and voted for from ``address``."""
    edition = ready_edition()
    judge = make_user(Role.JUDGE)
    add_judging_work(edition, make_entry(make_user(), edition, status="submitted"), judge, voter_email=address)
    return judge


def test_personal_data_of_an_unverified_account_holds_no_votes_cast_from_its_address(app):
    judge = _a_vote_cast_from("dan@example.vn")
    squatter = make_user(email="dan@example.vn", verified=False)
    assert personal_data.export_data(squatter)["votes"] == []
    squatter.email_verified_at = judge.email_verified_at
    assert len(personal_data.export_data(squatter)["votes"]) == 1


def test_applicant_must_verify_before_filing_but_may_keep_a_draft(client, auth):
    edition = make_edition()
    applicant = make_user(verified=False)
    entry = make_entry(applicant, edition)
    auth.as_(applicant)
    response = client.post(f"/bai-du-thi/{entry.id}/nop")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "chưa được xác minh" in body
    assert "/tai-khoan/gui-lai-xac-minh" in body  # the resend link is on the page
    assert db.session.scalar(select(Entry.status).where(Entry.id == entry.id)) == "draft"


def test_login_starts_a_fresh_session(client, auth):
    user = make_user(email="hoa@example.vn")
    with client.session_transaction() as planted:
        planted["voter_email"] = "nan.nhan@example.vn"
        planted["planted"] = "giá trị cài sẵn"
    auth.as_(user)
    with client.session_transaction() as session:
        assert "planted" not in session and "voter_email" not in session
        assert session.get("_user_id")


class _signed_in:  # noqa: N801 - stands in for flask_login's current_user
    def __init__(self, user: User) -> None:
        self._user = user
        self.is_authenticated = True

    def __getattr__(self, name: str):
        return getattr(self._user, name)


def test_personal_data_holds_the_votes_of_every_spelling_of_the_proven_mailbox(app):
    _a_vote_cast_from("nguyen.van.a@gmail.com")
    account = make_user(email="NguyenVanA+binhchon@googlemail.com")
    assert len(personal_data.export_data(account)["votes"]) == 1


def test_erasure_anonymizes_the_voter_rows_of_every_spelling_of_the_mailbox(app):
    from contest.models import Vote, Voter

    _a_vote_cast_from("nguyen.van.a@gmail.com")
    voter_only = make_user(email="nguyenvana+1@gmail.com")  # a voter who never entered: nothing waits
    req = personal_data.request_deletion(voter_only)
    personal_data.execute_deletion(req, make_user(Role.ORGANIZER))
    db.session.commit()

    voter = db.session.scalar(select(Voter))
    vote = db.session.scalar(select(Vote))
    assert "gmail" not in voter.email and "gmail" not in voter.identity
    assert vote.voter_key is None or "gmail" not in vote.voter_key
