"""Two organizers changing one result set at the same moment: the second is told to reload, never a 500.

Found by `make scan`: its organizer scan posted "freeze" and "list the non-winners" for one result set at once;
the second request's compare-and-swap update matched no row and the server answered 500.
"""

from __future__ import annotations

from sqlalchemy import text

from contest import results
from contest.extensions import db
from contest.models import ResultSet, Role
from tests.factories import make_user
from tests.results.test_publication import _setup


def test_a_result_set_changed_meanwhile_answers_409_and_keeps_the_other_change(client, auth, monkeypatch):
    _, round_, _, _ = _setup()
    organizer = make_user(Role.ORGANIZER)
    rs = results.compute_result_set(round_)
    db.session.commit()
    rs_id, listed_before = rs.id, rs.list_non_winners
    auth.as_(organizer)

    change_it_alone = results.set_list_non_winners

    def another_organizer_commits_first(result_set, value, actor):
        with db.engine.begin() as other_request:
            other_request.execute(text("UPDATE result_sets SET version = version + 1 WHERE id = :id"),
                                  {"id": result_set.id})
        return change_it_alone(result_set, value, actor)

    monkeypatch.setattr(results, "set_list_non_winners", another_organizer_commits_first)
    response = client.post(f"/quan-tri/ket-qua/bo/{rs_id}/khong-giai",
                           data={"list_non_winners": "" if listed_before else "y"})

    assert response.status_code == 409
    assert "Vui lòng tải lại trang" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ResultSet, rs_id).list_non_winners == listed_before
