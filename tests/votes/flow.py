"""Drive the public vote like a browser does: challenge, proof of work, form posts."""

from __future__ import annotations

import re

from contest import votes


def solve(client, period_id: int, **form) -> dict[str, str]:
    response = client.post(f"/binh-chon/{period_id}/thu-thach", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    return {"pow_challenge": data["challenge"], "pow_nonce": votes.solve_challenge(data["challenge"], data["bits"])}


def code_from(message) -> str:
    return re.search(r"^\s+(\d{6})\s*$", message.body, re.M).group(1)


def verify(client, mailbox, period_id: int, email: str) -> None:
    pow_ = solve(client, period_id, purpose="code", email=email)
    response = client.post(f"/binh-chon/{period_id}/xac-minh", data={"email": email, **pow_})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(f"/binh-chon/{period_id}/xac-minh/ma", data={"code": code_from(mailbox[-1])})
    assert response.status_code == 302, response.get_data(as_text=True)


def vote(client, period_id: int, entry_id: int, pow_=None):
    pow_ = pow_ if pow_ is not None else solve(client, period_id, purpose="vote", entry=entry_id)
    return client.post(f"/binh-chon/{period_id}/bai/{entry_id}/bo-phieu", data=pow_)
