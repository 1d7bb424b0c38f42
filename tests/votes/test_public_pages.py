"""The public ballot over HTTP: email → code → vote, and every way of getting it wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest import votes
from contest.extensions import db
from contest.models import Vote, VotingPeriod, utcnow
from tests.factories import make_entry, make_user
from tests.votes.flow import code_from, solve, verify, vote
from tests.votes.helpers import edition_with_entries, window


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"VOTE_POW_BITS": 4}


@pytest.fixture
def period(app) -> VotingPeriod:
    edition, round_, entries = edition_with_entries(3)
    entries[0].title = "Máy gặt lúa mini Đại Từ"
    entries[2].category = next(c for c in edition.categories if c.id != entries[0].category_id)
    opens, closes = window()
    p = votes.open_voting_period(round_, opens, closes)
    db.session.commit()
    return p


def _votes() -> int:
    return db.session.scalar(db.select(db.func.count(Vote.id)))


def test_voter_proves_email_and_votes_once(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    page = client.get(f"/binh-chon/{period.id}")
    assert page.status_code == 200 and "Máy gặt lúa mini Đại Từ" in page.get_data(as_text=True)
    assert "binh_chon_tb" in page.headers.get("Set-Cookie", "")
    verify(client, mailbox, period.id, "Cu.Tri@Gmail.com")
    response = vote(client, period.id, entry_id)
    assert response.status_code == 302
    assert _votes() == 1
    again = vote(client, period.id, entry_id)
    assert again.status_code == 409
    assert "Bạn đã bình chọn cho bài dự thi này rồi" in again.get_data(as_text=True)
    assert _votes() == 1
    stored = db.session.scalars(db.select(Vote)).one()
    assert stored.voter.email == "cu.tri@gmail.com" and stored.device_hash and stored.network == "127.0.0.0/24"


def test_voting_without_a_verified_email_leads_to_the_email_form(client, period) -> None:
    entry_id = period.ballot[0].entry_id
    response = client.post(f"/binh-chon/{period.id}/bai/{entry_id}/bo-phieu", data={})
    assert response.status_code == 302 and "/xac-minh" in response.headers["Location"]
    challenge = client.post(f"/binh-chon/{period.id}/thu-thach", data={"purpose": "vote", "entry": entry_id})
    assert challenge.status_code == 403
    assert _votes() == 0


def test_vote_without_or_with_a_forged_proof_of_work_is_refused(client, mailbox, period) -> None:
    a, b = period.ballot[0].entry_id, period.ballot[1].entry_id
    verify(client, mailbox, period.id, "lan@gmail.com")
    assert vote(client, period.id, a, pow_={}).status_code == 400
    for_b = solve(client, period.id, purpose="vote", entry=b)
    response = vote(client, period.id, a, pow_=for_b)  # a solved challenge for another entry
    assert response.status_code == 400
    assert "Không xác nhận được thao tác" in response.get_data(as_text=True)
    assert _votes() == 0


def test_vote_for_an_entry_not_on_the_ballot_is_404(client, mailbox, period) -> None:
    other = make_entry(make_user(), period.round.edition, status="eligible")
    db.session.commit()
    verify(client, mailbox, period.id, "lan@gmail.com")
    response = client.post(f"/binh-chon/{period.id}/bai/{other.id}/bo-phieu", data={})
    assert response.status_code == 404
    assert "không có trong danh sách bình chọn" in response.get_data(as_text=True)
    assert client.get(f"/binh-chon/{period.id}/bai/{other.id}").status_code == 404
    assert _votes() == 0


def test_vote_after_the_period_closed_is_403(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    verify(client, mailbox, period.id, "lan@gmail.com")
    pow_ = solve(client, period.id, purpose="vote", entry=entry_id)
    period.closes_at = utcnow() - timedelta(seconds=1)
    period.opens_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    response = vote(client, period.id, entry_id, pow_=pow_)
    assert response.status_code == 403
    assert "Cổng bình chọn đã đóng" in response.get_data(as_text=True)
    assert _votes() == 0


def test_wrong_and_replayed_codes_get_clear_messages(client, mailbox, period) -> None:
    pow_ = solve(client, period.id, purpose="code", email="hoa@gmail.com")
    assert client.post(f"/binh-chon/{period.id}/xac-minh", data={"email": "hoa@gmail.com", **pow_}).status_code == 302
    code = code_from(mailbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(f"/binh-chon/{period.id}/xac-minh/ma", data={"code": wrong})
    assert response.status_code == 422 and "Mã xác minh không đúng" in response.get_data(as_text=True)
    response = client.post(f"/binh-chon/{period.id}/xac-minh/ma", data={"code": "12"})
    assert response.status_code == 422 and "Mã gồm đúng 6 chữ số" in response.get_data(as_text=True)
    assert client.post(f"/binh-chon/{period.id}/xac-minh/ma", data={"code": code}).status_code == 302
    response = client.post(f"/binh-chon/{period.id}/xac-minh/ma", data={"code": code})
    assert response.status_code == 409 and "Mã này đã được sử dụng" in response.get_data(as_text=True)


def test_disposable_email_is_refused_and_no_mail_sent(client, mailbox, period) -> None:
    pow_ = solve(client, period.id, purpose="code", email="ai@mailinator.com")
    response = client.post(f"/binh-chon/{period.id}/xac-minh", data={"email": "ai@mailinator.com", **pow_})
    assert response.status_code == 422
    assert "Không chấp nhận địa chỉ email tạm thời" in response.get_data(as_text=True)
    assert mailbox == []


def test_code_request_needs_a_challenge_for_that_address(client, mailbox, period) -> None:
    pow_ = solve(client, period.id, purpose="code", email="mot@gmail.com")
    response = client.post(f"/binh-chon/{period.id}/xac-minh", data={"email": "hai@gmail.com", **pow_})
    assert response.status_code == 400 and mailbox == []


def test_entry_page_is_shareable_with_open_graph_tags(client, period) -> None:
    line = period.ballot[0]
    html = client.get(f"/binh-chon/{period.id}/bai/{line.entry_id}").get_data(as_text=True)
    assert '<meta property="og:title" content="Máy gặt lúa mini Đại Từ">' in html
    assert f'property="og:url" content="http://localhost/binh-chon/{period.id}/bai/{line.entry_id}"' in html
    assert 'name="viewport"' in html


def test_personal_data_never_shows_on_public_pages(client, period) -> None:
    entry = period.ballot[0].entry
    entry.description = "Chi tiết kỹ thuật"
    period.ballot[0].public_fields = ["title", "summary", "description"]
    db.session.commit()
    html = client.get(f"/binh-chon/{period.id}/bai/{entry.id}").get_data(as_text=True)
    assert "Chi tiết kỹ thuật" in html
    assert entry.owner.full_name not in html and entry.owner.email not in html
    entry.public_consent = False
    db.session.commit()
    html = client.get(f"/binh-chon/{period.id}/bai/{entry.id}").get_data(as_text=True)
    assert "Chi tiết kỹ thuật" not in html and entry.summary not in html


def test_search_and_filter_by_field(client, period) -> None:
    first, _second, third = (b.entry for b in period.ballot)
    html = client.get(f"/binh-chon/{period.id}?q=may gat lua").get_data(as_text=True)
    assert first.title in html and third.title not in html
    html = client.get(f"/binh-chon/{period.id}?linh-vuc={third.category_id}").get_data(as_text=True)
    assert third.title in html and first.title not in html


def test_counts_hidden_until_the_organizer_shows_them(client, mailbox, period) -> None:
    entry_id = period.ballot[0].entry_id
    verify(client, mailbox, period.id, "lan@gmail.com")
    vote(client, period.id, entry_id)
    html = client.get(f"/binh-chon/{period.id}").get_data(as_text=True)
    assert 'data-test="vote-count"' not in html and "Số phiếu sẽ được công bố" in html
    period.show_counts_live = True
    db.session.commit()
    html = client.get(f"/binh-chon/{period.id}").get_data(as_text=True)
    assert "1 phiếu" in html


def test_unknown_period_is_404(client, app) -> None:
    assert client.get("/binh-chon/999").status_code == 404


def test_public_images_only_with_consent_and_the_images_field(client, period) -> None:
    import io

    from contest.models import Attachment
    from contest.storage import get_store

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    line = period.ballot[0]
    entry = line.entry
    stored = get_store().put(io.BytesIO(png), content_type="image/png", key_prefix="test/")
    attachment = Attachment(entry=entry, kind=entry.edition.attachment_kinds[0], display_filename="anh.png",
                            content_type="image/png", size=len(png), sha256=stored.sha256,
                            storage_key=stored.key, public=True)
    db.session.add(attachment)
    db.session.commit()
    url = f"/binh-chon/{period.id}/anh/{attachment.id}"
    assert client.get(url).status_code == 404  # "images" not chosen for this entry
    line.public_fields = ["title", "images"]
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 200 and response.data == png and response.mimetype == "image/png"
    html = client.get(f"/binh-chon/{period.id}/bai/{entry.id}").get_data(as_text=True)
    assert f'property="og:image" content="http://localhost{url}"' in html
    entry.public_consent = False
    db.session.commit()
    assert client.get(url).status_code == 404
    entry.public_consent = True
    attachment.public = False
    db.session.commit()
    assert client.get(url).status_code == 404
