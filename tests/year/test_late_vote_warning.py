"""Issue 20: opening a public vote on a closed round after the results were published asks the organizer to
confirm first, and says why the votes may count for nothing."""

from __future__ import annotations

import pytest

from contest.extensions import db
from contest.i18n import to_local
from contest.models import ResultSet, Role, RoundStatus, VotingPeriod, utcnow
from tests.factories import make_user
from tests.votes.helpers import edition_with_entries, window


def _local(dt):
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER)


def _open_form(entries, opens, closes, **extra):
    return {"opens_at": _local(opens), "closes_at": _local(closes), "frequency": "once",
            "entry_ids": [str(e.id) for e in entries], **extra}


def _periods() -> int:
    return db.session.scalar(db.select(db.func.count(VotingPeriod.id)))


def test_vote_on_a_closed_round_after_publication_is_opened_only_after_a_warning(client, auth, organizer):
    edition, round_, entries = edition_with_entries(2)
    round_.status = RoundStatus.CLOSED.value
    db.session.add(ResultSet(edition_id=edition.id, round_id=round_.id, method="calibrated", engine_version="1",
                             input_hash="0" * 64, status="published", published_at=utcnow()))
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/binh-chon/vong/{round_.id}/mo").get_data(as_text=True)
    assert 'data-test="late-warnings"' in page
    assert "đã đóng chấm" in page and "đã được công bố" in page

    opens, closes = window()
    response = client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo", data=_open_form(entries, opens, closes))
    assert response.status_code == 409
    assert "Vui lòng xác nhận" in response.get_data(as_text=True)
    assert _periods() == 0

    response = client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo",
                           data=_open_form(entries, opens, closes, confirm_late="y"))
    assert response.status_code == 302
    assert _periods() == 1


def test_vote_on_an_open_round_before_results_needs_no_confirmation(client, auth, organizer):
    _edition, round_, entries = edition_with_entries(2)
    auth.as_(organizer)
    page = client.get(f"/quan-tri/binh-chon/vong/{round_.id}/mo").get_data(as_text=True)
    assert 'data-test="late-warnings"' not in page and "confirm_late" not in page
    opens, closes = window()
    assert client.post(f"/quan-tri/binh-chon/vong/{round_.id}/mo",
                       data=_open_form(entries, opens, closes)).status_code == 302
    assert _periods() == 1
