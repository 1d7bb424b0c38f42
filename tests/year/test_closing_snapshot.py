"""Issue 20 item 1: the result sets made when a round closes open without an error."""

from __future__ import annotations

from contest.extensions import db
from contest.models import ResultSet, Role, RoundStatus
from contest.rounds import close_round
from tests.factories import make_user
from tests.results.helpers import scored_contest

SCORES = {"A": {0: 70, 1: 66}, "B": {0: 52, 1: 58}, "C": {0: 40, 1: 44}}


def _closed_round():
    edition, round_, entries, judges = scored_contest(SCORES)
    round_.status = RoundStatus.OPEN.value
    db.session.flush()
    snapshot = close_round(round_)
    db.session.commit()
    return round_, snapshot


def test_organizer_opening_a_closing_snapshot_lands_on_the_round_standings(app, client, auth):
    round_, snapshot = _closed_round()
    auth.as_(make_user(Role.ORGANIZER))
    for url in (f"/quan-tri/ket-qua/bo/{snapshot.id}", f"/quan-tri/ket-qua/bo/{snapshot.id}/giam-khao",
                f"/quan-tri/ket-qua/bo/{snapshot.id}/bai/{next(iter(snapshot.payload['ranking']))['entry_id']}"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/quan-tri/vong-cham/{round_.id}")
    page = client.get(f"/quan-tri/ket-qua/bo/{snapshot.id}", follow_redirects=True)
    assert page.status_code == 200
    assert "kết quả lưu lúc đóng vòng" in page.get_data(as_text=True)
    assert db.session.get(ResultSet, snapshot.id) is not None
