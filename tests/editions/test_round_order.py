"""Moving a round down as well as up.

Found by `make scan`: moving the first round down answered 500. The swap set both positions in one flush,
which updates rows in the order of their ids: the older round took its neighbour's position before the
neighbour had left it, and the unique position refused it.
"""

from __future__ import annotations

from contest.extensions import db
from contest.models import Edition, Role
from tests.editions.helpers import ready_edition
from tests.factories import make_user


def test_the_first_round_moves_down_and_back_up(client, auth):
    edition = ready_edition()
    organizer = make_user(Role.ORGANIZER)
    db.session.commit()
    preliminary = edition.rounds[0]
    assert preliminary.id < edition.rounds[1].id
    auth.as_(organizer)
    url = f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{preliminary.id}/thu-tu"

    assert client.post(url, data={"huong": "xuong"}).status_code == 302
    db.session.expire_all()
    assert [r.name for r in db.session.get(Edition, edition.id).rounds] == ["Vòng chung khảo", "Vòng sơ khảo"]

    assert client.post(url, data={"huong": "len"}).status_code == 302
    db.session.expire_all()
    assert [r.name for r in db.session.get(Edition, edition.id).rounds] == ["Vòng sơ khảo", "Vòng chung khảo"]
