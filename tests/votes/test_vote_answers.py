"""The vote as static/js/vote.js casts it: JSON answers, and what one vote costs the database."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from contest import votes
from contest.extensions import db
from contest.models import Vote, VotingPeriod
from tests.votes.flow import solve, verify
from tests.votes.helpers import edition_with_entries, window

JSON = {"Accept": "application/json"}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"VOTE_POW_BITS": 4}


@pytest.fixture
def period(app) -> VotingPeriod:
    _edition, round_, entries = edition_with_entries(2)
    entries[0].title = "Máy gặt lúa mini Đại Từ"
    opens, closes = window()
    p = votes.open_voting_period(round_, opens, closes, show_counts_live=True)
    db.session.commit()
    return p


def _cast(client, period_id: int, entry_id: int, pow_: dict | None = None):
    pow_ = pow_ if pow_ is not None else solve(client, period_id, purpose="vote", entry=entry_id)
    return client.post(f"/binh-chon/{period_id}/bai/{entry_id}/bo-phieu", data=pow_, headers=JSON)


def _votes() -> int:
    return db.session.scalar(db.select(db.func.count(Vote.id)))


def test_a_vote_answers_json_with_the_message_and_the_live_count(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    verify(client, mailbox, period.id, "lan@gmail.com")
    response = _cast(client, period.id, entry_id)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["code"] == "counted" and answer["voted"] is True and answer["entry"] == entry_id
    assert answer["message"] == "Cảm ơn bạn! Phiếu bình chọn cho “Máy gặt lúa mini Đại Từ” đã được ghi nhận."
    assert (answer["count"], answer["count_text"]) == (1, "1 phiếu")
    again = _cast(client, period.id, entry_id)
    assert again.status_code == 409
    assert again.get_json()["code"] == "duplicate" and again.get_json()["voted"] is True
    assert "Bạn đã bình chọn cho bài dự thi này rồi" in again.get_json()["error"]
    assert again.get_json()["count"] == 1
    assert _votes() == 1


def test_a_double_click_with_one_solved_form_counts_once(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    verify(client, mailbox, period.id, "hai.lan@gmail.com")
    pow_ = solve(client, period.id, purpose="vote", entry=entry_id)
    statuses = [_cast(client, period.id, entry_id, pow_).status_code for _ in range(2)]
    assert statuses == [200, 409]
    assert _votes() == 1


def test_hidden_counts_stay_hidden_in_the_answer(client, mailbox, period) -> None:
    period.show_counts_live = False
    db.session.commit()
    verify(client, mailbox, period.id, "an@gmail.com")
    answer = _cast(client, period.id, period.ballot[0].entry_id).get_json()
    assert answer["code"] == "counted" and "count" not in answer and "count_text" not in answer


def test_refusals_answer_json_with_their_status(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    unverified = client.post(f"/binh-chon/{period.id}/bai/{entry_id}/bo-phieu", data={}, headers=JSON)
    assert unverified.status_code == 403
    assert unverified.get_json()["code"] == "unverified" and "/xac-minh" in unverified.get_json()["redirect"]
    verify(client, mailbox, period.id, "binh@gmail.com")
    forged = _cast(client, period.id, entry_id, pow_={"pow_challenge": "x", "pow_nonce": "1"})
    assert forged.status_code == 400 and forged.get_json()["code"] == "pow"
    assert "Không xác nhận được thao tác" in forged.get_json()["error"]
    off_ballot = client.post(f"/binh-chon/{period.id}/bai/999999/bo-phieu", data={}, headers=JSON)
    assert off_ballot.status_code == 404 and off_ballot.get_json()["code"] == "not_on_ballot"
    period.closes_at = period.opens_at + (period.closes_at - period.opens_at) / 1000_000
    db.session.commit()
    closed = _cast(client, period.id, entry_id, pow_=solve(client, period.id, purpose="vote", entry=entry_id))
    assert closed.status_code == 403 and closed.get_json()["code"] == "closed"
    assert _votes() == 0


def test_a_vote_for_an_unpublished_edition_is_404(client, mailbox, period) -> None:
    verify(client, mailbox, period.id, "chi@gmail.com")
    period.round.edition.status = "draft"
    db.session.commit()
    response = client.post(f"/binh-chon/{period.id}/bai/{period.ballot[0].entry_id}/bo-phieu", data={},
                           headers=JSON)
    assert response.status_code == 404
    assert _votes() == 0


def test_one_vote_costs_one_select_and_two_inserts(client, mailbox, period) -> None:
    """The hot path stays lean: the challenge reads once (and forgets expired ids), the vote reads once,
    inserts once and spends its challenge in one more insert."""
    entry_id = period.ballot[1].entry_id
    period.show_counts_live = False
    db.session.commit()
    period_id = period.id
    verify(client, mailbox, period_id, "dung@gmail.com")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        pow_ = solve(client, period_id, purpose="vote", entry=entry_id)
        challenge = list(statements)
        statements.clear()
        response = _cast(client, period_id, entry_id, pow_)
        casting = list(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert challenge == ["SELECT", "DELETE"]
    assert casting == ["SELECT", "INSERT", "INSERT"]
    assert _votes() == 1
