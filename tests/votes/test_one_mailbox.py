"""One mailbox, one vote: spellings of a Gmail (or Outlook, Yahoo …) address are one voter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest import votes
from contest.extensions import db
from contest.models import AuditEvent, Vote, Voter, VoterCode, VotingPeriod, utcnow
from tests.votes.flow import code_from, verify, vote
from tests.votes.helpers import edition_with_entries, window

THE_ISSUE_SPELLINGS = ["nguyen.van.a@gmail.com", "nguyenvana@gmail.com", "nguyenvana+1@gmail.com",
                       "NguyenVanA@googlemail.com"]


@pytest.fixture
def app_config() -> dict[str, object]:
    # The story below asks for four codes in a row; the resend limits have their own test.
    return {"VOTE_POW_BITS": 4, "VOTE_CODE_RESEND_SECONDS": 0, "VOTE_CODES_PER_HOUR": 50}


@pytest.fixture
def period(app) -> VotingPeriod:
    edition, round_, entries = edition_with_entries(2)
    opens, closes = window()
    p = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    return p


def _counted() -> int:
    return db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.voided_at.is_(None)))


def test_four_spellings_of_one_gmail_mailbox_count_one_vote(app, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    answers = []
    for spelling in THE_ISSUE_SPELLINGS:  # four browsers, four addresses as typed, one mailbox
        browser = app.test_client()
        verify(browser, mailbox, period.id, spelling)
        assert mailbox[-1].recipients == [spelling.lower()]  # the code goes to the address as typed
        answers.append(vote(browser, period.id, entry_id).status_code)
    assert answers == [302, 409, 409, 409]
    assert _counted() == 1
    assert votes.live_counts(period)[entry_id] == 1
    assert db.session.scalar(db.select(db.func.count(Voter.id))) == 1
    assert db.session.scalar(db.select(Voter.email)) == "nguyen.van.a@gmail.com"


def test_another_spelling_sees_the_entry_as_already_voted(app, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    first = app.test_client()
    verify(first, mailbox, period.id, "tran.thi.b+binhchon@outlook.com")
    assert vote(first, period.id, entry_id).status_code == 302
    second = app.test_client()
    verify(second, mailbox, period.id, "Tran.Thi.B@Outlook.com")
    voter = db.session.scalar(db.select(Voter))
    assert votes.has_voted(period, voter) == {entry_id}
    answer = vote(second, period.id, entry_id)
    assert answer.status_code == 409 and "đã bình chọn" in answer.get_data(as_text=True)


def test_two_voter_rows_of_one_mailbox_are_refused_by_the_unique_key(period) -> None:
    # Two rows of one mailbox exist when two spellings asked for a code at the same moment, or from
    # before identities: the database key still counts one vote.
    entry_id = period.ballot[0].entry_id
    yahoo = Voter(email="vu.e@yahoo.com", verified_at=utcnow())
    tagged = Voter(email="vu.e-binhchon@yahoo.com", verified_at=utcnow())
    db.session.add_all([yahoo, tagged])
    db.session.flush()
    assert yahoo.identity == tagged.identity == "vu.e@yahoo.com"
    votes.cast_vote(period, yahoo, entry_id)
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, tagged, entry_id)
    assert err.value.code == "duplicate"
    assert _counted() == 1
    assert db.session.scalar(db.select(Vote.voter_key)) == "vu.e@yahoo.com"


def test_the_entry_limit_counts_every_spelling_of_one_mailbox(app) -> None:
    edition, round_, (a, b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes, max_entries_per_voter=1)
    plain = Voter(email="le.c@icloud.com", verified_at=utcnow())
    tagged = Voter(email="le.c+2@icloud.com", verified_at=utcnow())
    db.session.add_all([plain, tagged])
    db.session.flush()
    votes.cast_vote(period, plain, a)
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, tagged, b)
    assert err.value.code == "max_entries"


def test_code_limits_count_every_spelling_of_one_mailbox(app, mailbox) -> None:
    app.config.update(VOTE_CODE_RESEND_SECONDS=60, VOTE_CODES_PER_HOUR=3)
    votes.request_voter_code("lan@gmail.com")
    with pytest.raises(votes.VoteError) as soon:
        votes.request_voter_code("l.a.n+2@gmail.com")
    assert soon.value.code == "too_soon"
    t = utcnow()
    votes.request_voter_code("LAN+3@googlemail.com", now=t + timedelta(minutes=2))
    votes.request_voter_code("l.an@gmail.com", now=t + timedelta(minutes=4))
    with pytest.raises(votes.VoteError) as hourly:
        votes.request_voter_code("la.n@gmail.com", now=t + timedelta(minutes=6))
    assert hourly.value.code == "too_many"
    db.session.commit()
    assert len(mailbox) == 3
    # Another mailbox is not held back by this one.
    votes.request_voter_code("lan@gmail.com.vn", now=t + timedelta(minutes=6))


def test_only_the_newest_code_of_a_mailbox_is_valid_whichever_spelling_asked(app, mailbox) -> None:
    app.config.update(VOTE_CODE_RESEND_SECONDS=0)
    votes.request_voter_code("hoa.pham@gmail.com")
    db.session.commit()
    older = code_from(mailbox[-1])
    votes.request_voter_code("hoapham+phone@gmail.com")
    db.session.commit()
    newer = code_from(mailbox[-1])
    assert mailbox[-1].recipients == ["hoapham+phone@gmail.com"]
    if older != newer:
        with pytest.raises(votes.VoteError):
            votes.verify_voter_code("hoapham+phone@gmail.com", older)
    voter = votes.verify_voter_code("hoa.pham@gmail.com", newer)
    assert voter.email == "hoa.pham@gmail.com" and voter.verified_at is not None
    assert db.session.scalar(db.select(db.func.count(VoterCode.id))) == 2


def test_votes_of_one_mailbox_from_before_wait_in_the_review_queue(client, auth, app) -> None:
    from contest.models import Role
    from tests.factories import make_user

    edition, round_, (a, _b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    first = Voter(email="nguyen.van.a@gmail.com", verified_at=utcnow())
    second = Voter(email="nguyenvana+1@gmail.com", verified_at=utcnow())
    db.session.add_all([first, second])
    db.session.flush()
    kept = votes.cast_vote(period, first, a)
    # As the migration leaves a second spelling's old vote: kept, without a key, for the organizers.
    extra = Vote(period_id=period.id, voter_id=second.id, voter_key=None, entry_id=a.id, vote_day=kept.vote_day,
                 created_at=utcnow())
    db.session.add(extra)
    db.session.commit()
    findings = [f for f in votes.suspicious_patterns(period) if f.kind == "same_mailbox"]
    assert [(f.label, f.vote_ids) for f in findings] == [("nguyenvana@gmail.com", [kept.id, extra.id])]
    period.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(votes.VoteError) as err:
        votes.freeze_tally(period)
    assert err.value.code == "review_pending"
    db.session.rollback()

    organizer = make_user(Role.ORGANIZER)
    auth.as_(organizer)
    html = client.get(f"/quan-tri/binh-chon/{period.id}/ra-soat").get_data(as_text=True)
    assert 'data-kind="same_mailbox"' in html and "nguyenvana+1@gmail.com" in html
    # The first vote is kept by default; the organizer voids the other with a reason.
    assert f'value="{kept.id}" aria-label' in html and f'value="{extra.id}" checked' in html
    response = client.post(f"/quan-tri/binh-chon/{period.id}/huy-phieu",
                           data={"vote_ids": [str(extra.id)], "reason": "Cùng một hộp thư Gmail"})
    assert response.status_code == 302
    assert [f for f in votes.suspicious_patterns(period) if f.kind == "same_mailbox"] == []
    assert client.post(f"/quan-tri/binh-chon/{period.id}/chot").status_code == 302
    db.session.refresh(period)
    assert period.tally["counts"][str(a.id)] == 1
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "vote.voided")) == 1
