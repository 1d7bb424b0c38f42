"""Issue 20: a whole class behind one school Wi-Fi (or a carrier's shared address) gets its vote codes; the
limits count the device and the mailbox, and the network only for bursts far above a classroom."""

from __future__ import annotations

import pytest

from contest import votes
from contest.extensions import db
from tests.votes.flow import solve, verify
from tests.votes.helpers import edition_with_entries, window


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"VOTE_POW_BITS": 2, "RATELIMIT_ENABLED": True}


@pytest.fixture
def period(app):
    _edition, round_, _entries = edition_with_entries(2)
    opens, closes = window()
    period = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    return period


def _ask_code(client, period_id: int, email: str):
    pow_ = solve(client, period_id, purpose="code", email=email)
    return client.post(f"/binh-chon/{period_id}/xac-minh", data={"email": email, **pow_})


def test_thirty_pupils_behind_one_address_each_get_a_code_and_verify(app, mailbox, period):
    for pupil in range(30):
        phone = app.test_client()  # every pupil's own phone, all behind the school's one address
        assert phone.get(f"/binh-chon/{period.id}/xac-minh").status_code == 200
        verify(phone, mailbox, period.id, f"hocsinh{pupil}@gmail.com")
    assert len(mailbox) == 30


def test_one_device_is_still_limited_to_five_codes(app, mailbox, period):
    phone = app.test_client()
    phone.get(f"/binh-chon/{period.id}/xac-minh")
    statuses = [_ask_code(phone, period.id, f"ban{n}@gmail.com").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]
    assert "Quá nhiều yêu cầu" in _ask_code(phone, period.id, "ban9@gmail.com").get_data(as_text=True)
    # The class mate at the next desk, same address, is not affected.
    other = app.test_client()
    other.get(f"/binh-chon/{period.id}/xac-minh")
    assert _ask_code(other, period.id, "banbencanh@gmail.com").status_code == 302


def test_one_mailbox_is_still_limited_whatever_the_device(app, mailbox, period):
    first, second = app.test_client(), app.test_client()
    for phone in (first, second):
        phone.get(f"/binh-chon/{period.id}/xac-minh")
    assert _ask_code(first, period.id, "lan@gmail.com").status_code == 302
    response = _ask_code(second, period.id, "lan@gmail.com")
    assert response.status_code == 429
    assert "Mã vừa được gửi" in response.get_data(as_text=True)
    assert len(mailbox) == 1


def test_a_client_without_the_device_cookie_is_counted_by_its_address(app, mailbox, period):
    script = app.test_client()
    statuses = []
    for n in range(6):
        script.delete_cookie("binh_chon_tb")
        statuses.append(_ask_code(script, period.id, f"bot{n}@gmail.com").status_code)
    assert statuses == [302] * 5 + [429]
    another_script = app.test_client()  # same address, no cookie either: the same count
    assert _ask_code(another_script, period.id, "bot9@gmail.com").status_code == 429
