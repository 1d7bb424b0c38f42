"""Casting votes: one per entry per period (or per day), limits, windows, the ballot, codes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app

from contest import votes
from contest.extensions import db
from contest.models import Vote, Voter, VoterCode, utcnow
from tests.factories import make_entry, make_user
from tests.votes.helpers import edition_with_entries, window

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _voter(email: str = "lan.nguyen@gmail.com") -> Voter:
    voter = Voter(email=email, verified_at=utcnow())
    db.session.add(voter)
    db.session.flush()
    return voter


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(Vote.id)))


@pytest.fixture
def setup(app):
    edition, round_, entries = edition_with_entries(3)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    return period, entries


def test_second_vote_for_same_entry_is_refused_by_the_database(setup) -> None:
    period, (a, b, _c) = setup
    voter = _voter()
    votes.cast_vote(period, voter, a)
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, voter, a)
    assert err.value.status == 409 and "đã bình chọn" in err.value.message
    votes.cast_vote(period, voter, b)  # the session survives the refused insert
    db.session.commit()
    assert _count() == 2


def test_daily_mode_allows_one_vote_per_local_day(app) -> None:
    edition, round_, (a,) = edition_with_entries(1)
    opens = datetime(2025, 5, 1, 0, 0, tzinfo=HCM)
    period = votes.open_voting_period(round_, opens, opens + timedelta(days=10), frequency="daily")
    voter = _voter()
    # 23:30 and 23:50 local on 1 May are the same day; 00:10 on 2 May is the next.
    votes.cast_vote(period, voter, a, now=datetime(2025, 5, 1, 23, 30, tzinfo=HCM))
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, voter, a, now=datetime(2025, 5, 1, 23, 50, tzinfo=HCM))
    assert "hôm nay" in err.value.message
    votes.cast_vote(period, voter, a, now=datetime(2025, 5, 2, 0, 10, tzinfo=HCM))
    db.session.commit()
    days = sorted(v.vote_day.isoformat() for v in db.session.scalars(db.select(Vote)))
    assert days == ["2025-05-01", "2025-05-02"]


def test_once_mode_stores_the_fixed_day(setup) -> None:
    period, (a, *_rest) = setup
    vote = votes.cast_vote(period, _voter(), a)
    assert vote.vote_day.isoformat() == "2000-01-01"


def test_maximum_entries_per_voter(app) -> None:
    edition, round_, (a, b, c) = edition_with_entries(3)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes, max_entries_per_voter=2)
    voter = _voter()
    votes.cast_vote(period, voter, a)
    votes.cast_vote(period, voter, b)
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, voter, c)
    assert err.value.status == 409 and "tối đa 2" in err.value.message
    db.session.commit()
    assert _count() == 2


def test_votes_outside_the_period_are_refused(setup) -> None:
    period, (a, *_rest) = setup
    voter = _voter()
    with pytest.raises(votes.VoteError) as early:
        votes.cast_vote(period, voter, a, now=period.opens_at - timedelta(seconds=1))
    with pytest.raises(votes.VoteError) as late:
        votes.cast_vote(period, voter, a, now=period.closes_at)
    assert early.value.status == late.value.status == 403
    assert "chưa mở" in early.value.message and "đã đóng" in late.value.message
    assert _count() == 0


def test_vote_for_entry_not_on_the_ballot_is_refused(setup) -> None:
    period, (a, *_rest) = setup
    other = make_entry(make_user(), period.round.edition, status="eligible")
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, _voter(), other)
    assert err.value.status == 404 and "không có trong danh sách" in err.value.message
    assert _count() == 0


def test_unverified_voter_cannot_vote(setup) -> None:
    period, (a, *_rest) = setup
    voter = Voter(email="chua.xac.minh@gmail.com")
    db.session.add(voter)
    db.session.flush()
    with pytest.raises(votes.VoteError) as err:
        votes.cast_vote(period, voter, a)
    assert err.value.status == 403
    assert _count() == 0


def test_vote_records_network_and_keyed_device_hash(setup) -> None:
    period, (a, b, c) = setup
    v4 = votes.cast_vote(period, _voter("a@gmail.com"), a, ip="203.0.113.77", device="tb-1")
    v6 = votes.cast_vote(period, _voter("b@gmail.com"), a, ip="2001:db8:abcd:12::1", device="tb-1")
    assert v4.network == "203.0.113.0/24" and v6.network == "2001:db8:abcd::/48"
    assert v4.device_hash == v6.device_hash and len(v4.device_hash) == 64 and "tb-1" not in v4.device_hash


def test_opening_needs_a_vote_part_and_one_period_per_round(app) -> None:
    edition, round_, _entries = edition_with_entries(2)
    opens, closes = window()
    with pytest.raises(votes.VoteError):
        votes.open_voting_period(round_, closes, opens)
    votes.open_voting_period(round_, opens, closes)
    with pytest.raises(votes.VoteError) as err:
        votes.open_voting_period(round_, opens, closes)
    assert err.value.status == 409
    edition.vote_points = 0
    with pytest.raises(votes.VoteError):
        votes.open_voting_period(edition.rounds[1], opens, closes)


def test_default_ballot_is_the_entries_in_the_round(app) -> None:
    edition, round_, entries = edition_with_entries(3)
    make_entry(make_user(), edition, status="draft")
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    assert [b.entry_id for b in period.ballot] == [e.id for e in entries]


def test_public_view_honours_consent_and_never_shows_personal_data(setup) -> None:
    period, (a, b, _c) = setup
    b.public_consent = False
    line_a, line_b = period.ballot[0], period.ballot[1]
    line_a.public_fields = ["title", "summary", "description"]
    line_b.public_fields = ["title", "summary", "description"]
    view_a, view_b = votes.public_view(line_a), votes.public_view(line_b)
    assert view_a["summary"] == a.summary and "description" in view_a
    assert "summary" not in view_b and "description" not in view_b
    for view in (view_a, view_b):
        assert not {"authors", "members", "owner", "email", "phone", "organization"} & set(view)
    with pytest.raises(votes.VoteError):
        votes._clean_fields(["title", "email"])


# ---------------------------------------------------------------- one-time codes


def _request(email: str, **kw):
    with current_app.test_request_context():
        requested = votes.request_voter_code(email, ip="198.51.100.4", **kw)
        db.session.commit()  # the code's email leaves with the commit, as after the page's request
        return requested


def _code_from(mail) -> str:
    import re

    return re.search(r"^\s+(\d{6})\s*$", mail.body, re.M).group(1)


def test_code_is_mailed_and_only_its_hash_is_stored(app, mailbox) -> None:
    row = _request("Minh.Tran@Gmail.com")
    db.session.commit()
    code = _code_from(mailbox[0])
    assert mailbox[0].recipients == ["minh.tran@gmail.com"]
    assert code not in row.code_hash and len(row.code_hash) == 64
    voter = votes.verify_voter_code("minh.tran@gmail.com", code)
    assert voter.verified_at is not None


def test_wrong_replayed_and_expired_codes_are_refused(app, mailbox) -> None:
    _request("hoa@gmail.com")
    code = _code_from(mailbox[0])
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(votes.VoteError) as err:
        votes.verify_voter_code("hoa@gmail.com", wrong)
    assert err.value.status == 422 and "không đúng" in err.value.message
    votes.verify_voter_code("hoa@gmail.com", code)
    with pytest.raises(votes.VoteError) as replay:
        votes.verify_voter_code("hoa@gmail.com", code)
    assert replay.value.status == 409 and "đã được sử dụng" in replay.value.message
    later = utcnow() + timedelta(minutes=2)
    _request("hoa@gmail.com", now=later)
    fresh = _code_from(mailbox[1])
    with pytest.raises(votes.VoteError) as expired:
        votes.verify_voter_code("hoa@gmail.com", fresh, now=later + timedelta(minutes=16))
    assert expired.value.status == 422


def test_too_many_wrong_attempts_lock_the_code(app, mailbox) -> None:
    _request("tuan@gmail.com")
    code = _code_from(mailbox[0])
    wrong = "000000" if code != "000000" else "111111"
    for _i in range(5):
        with pytest.raises(votes.VoteError):
            votes.verify_voter_code("tuan@gmail.com", wrong)
    with pytest.raises(votes.VoteError) as err:
        votes.verify_voter_code("tuan@gmail.com", code)
    assert err.value.status == 429
    assert db.session.scalar(db.select(VoterCode.attempts)) == 5


def test_disposable_domains_are_refused(app, mailbox) -> None:
    for email in ("ai.do@mailinator.com", "x@yopmail.com", "y@sub.guerrillamail.com", "z@10minutemail.com"):
        with pytest.raises(votes.VoteError) as err:
            _request(email)
        assert err.value.code == "disposable" and "email tạm thời" in err.value.message
    assert mailbox == []
    assert len(votes.disposable_domains()) > 300
    assert not votes.is_disposable("nguoi.dan@thainguyen.gov.vn")


def test_code_requests_are_throttled_per_address(app, mailbox) -> None:
    _request("lan@gmail.com")
    with pytest.raises(votes.VoteError) as err:
        _request("lan@gmail.com")
    assert err.value.status == 429
    t = utcnow()
    for i in range(1, 5):
        _request("lan@gmail.com", now=t + timedelta(minutes=2 * i))
    with pytest.raises(votes.VoteError) as hourly:
        _request("lan@gmail.com", now=t + timedelta(minutes=12))
    assert hourly.value.code == "too_many"


def test_invalid_email_is_refused(app) -> None:
    with pytest.raises(votes.VoteError) as err:
        _request("không-phải-email")
    assert err.value.status == 422


# ---------------------------------------------------------------- proof of work


def test_challenge_must_be_solved_for_the_same_action_and_binding(app) -> None:
    current_app.config["VOTE_POW_BITS"] = 6
    issued = votes.issue_challenge("vote", votes.vote_binding(1, 2, 3))
    nonce = votes.solve_challenge(issued["challenge"], issued["bits"])
    votes.verify_challenge(issued["challenge"], nonce, "vote", votes.vote_binding(1, 2, 3))
    for args in (("vote", votes.vote_binding(1, 9, 3)), ("code", votes.vote_binding(1, 2, 3))):
        with pytest.raises(votes.VoteError) as err:
            votes.verify_challenge(issued["challenge"], nonce, *args)
        assert err.value.status == 400
    bad = next(str(n) for n in range(10_000) if votes.leading_zero_bits(
        __import__("hashlib").sha256(f"{issued['challenge']}:{n}".encode()).digest()) < 6)
    with pytest.raises(votes.VoteError):
        votes.verify_challenge(issued["challenge"], bad, "vote", votes.vote_binding(1, 2, 3))
    with pytest.raises(votes.VoteError):
        votes.verify_challenge(issued["challenge"][:-2] + "xx", nonce, "vote", votes.vote_binding(1, 2, 3))
    current_app.config["VOTE_POW_BITS"] = 12  # difficulty raised: an old, easier challenge no longer passes
    with pytest.raises(votes.VoteError):
        votes.verify_challenge(issued["challenge"], nonce, "vote", votes.vote_binding(1, 2, 3))


def test_a_solved_challenge_unlocks_one_action_only(app) -> None:
    current_app.config["VOTE_POW_BITS"] = 6
    binding = votes.code_binding("dan@example.vn")
    issued = votes.issue_challenge("code", binding)
    nonce = votes.solve_challenge(issued["challenge"], issued["bits"])
    votes.verify_challenge(issued["challenge"], nonce, "code", binding)
    db.session.commit()
    with pytest.raises(votes.VoteError) as err:
        votes.verify_challenge(issued["challenge"], nonce, "code", binding)
    assert err.value.status == 400
    fresh = votes.issue_challenge("code", binding)
    fresh_nonce = votes.solve_challenge(fresh["challenge"], fresh["bits"])
    votes.verify_challenge(fresh["challenge"], fresh_nonce, "code", binding)
