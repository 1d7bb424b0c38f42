"""With CSRF on (as in production): forged posts count nothing; rate limits answer 429."""

from __future__ import annotations

import pytest

from contest import votes
from contest.extensions import db
from contest.models import Vote, VoterCode
from tests.votes.helpers import edition_with_entries, window


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True, "VOTE_POW_BITS": 2, "RATELIMIT_ENABLED": True,
            "VOTE_LIMIT_CODE_DEVICE": "3 per 10 minutes"}


def test_forged_vote_and_code_posts_are_refused(client, app) -> None:
    edition, round_, (a, _b) = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    with client.session_transaction() as s:
        s["voter_id"] = 1  # even a (forged) voter in the session needs the form's token
    response = client.post(f"/binh-chon/{period.id}/bai/{a.id}/bo-phieu", data={"pow_nonce": "1"})
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)
    response = client.post(f"/binh-chon/{period.id}/xac-minh", data={"email": "lan@gmail.com"})
    assert response.status_code == 400
    assert client.post(f"/binh-chon/{period.id}/thu-thach", data={"purpose": "code"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Vote.id))) == 0
    assert db.session.scalar(db.select(db.func.count(VoterCode.id))) == 0


def test_code_requests_are_rate_limited_per_device(client, app) -> None:
    edition, round_, _entries = edition_with_entries(1)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    import re

    html = client.get(f"/binh-chon/{period.id}/xac-minh").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    statuses = [client.post(f"/binh-chon/{period.id}/xac-minh",
                            data={"email": f"n{i}@gmail.com", "csrf_token": token}).status_code
                for i in range(5)]
    assert statuses[:3] == [400, 400, 400]  # no proof of work, yet counted by the limiter
    assert statuses[3:] == [429, 429]
    response = client.post(f"/binh-chon/{period.id}/xac-minh", data={"email": "x@gmail.com", "csrf_token": token})
    assert "Quá nhiều yêu cầu" in response.get_data(as_text=True)
