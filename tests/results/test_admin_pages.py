"""The organizers' results workspace over HTTP: access, method switch, explanations, charts, actions."""

from __future__ import annotations

import base64
import re
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import AuditEvent, Award, ResultSet, ResultStatus, Role
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT


@pytest.fixture
def contest(app):
    edition, round_, entries, judges = scored_contest(LENIENT)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    db.session.commit()
    return edition, round_, entries, judges


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, full_name="Lê Văn Tổ Chức")


def _order(html: str, entries: dict) -> list[str]:
    ids = re.findall(r'<tr data-entry="(\d+)"', html)
    label = {str(e.id): k for k, e in entries.items()}
    return [label[i] for i in ids]


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.JUDGE, Role.COMMITTEE])
def test_workspace_is_for_organizers_only(client, auth, contest, role):
    edition, round_, entries, _ = contest
    if role is not None:
        auth.as_(make_user(role))
    response = client.get(f"/quan-tri/ket-qua/vong/{round_.id}")
    assert response.status_code == (302 if role is None else 403)
    response = client.post(f"/quan-tri/ket-qua/vong/{round_.id}/tinh", data={"method": "raw", "category_id": 0})
    assert response.status_code == (302 if role is None else 403)
    assert db.session.query(ResultSet).count() == 0


def test_workspace_method_switch_changes_the_order(client, auth, contest, organizer):
    edition, round_, entries, judges = contest
    auth.as_(organizer)
    raw = client.get(f"/quan-tri/ket-qua/vong/{round_.id}?method=raw").get_data(as_text=True)
    calibrated = client.get(f"/quan-tri/ket-qua/vong/{round_.id}").get_data(as_text=True)
    assert _order(raw, entries).index("C") < _order(raw, entries).index("B")
    assert _order(calibrated, entries).index("B") < _order(calibrated, entries).index("C")
    assert "Đồng điểm tại ranh giới giải" in raw  # A and C tie for one Giải Nhất on raw means
    assert "Giám khảo chênh lệch nhiều" in calibrated
    assert client.get(f"/quan-tri/ket-qua/vong/{round_.id}?method=bogus").status_code == 400
    assert client.get("/quan-tri/ket-qua/vong/999999").status_code == 404


def test_why_this_rank_shows_sheets_biases_and_the_shift(client, auth, contest, organizer):
    edition, round_, entries, judges = contest
    auth.as_(organizer)
    page = client.get(f"/quan-tri/ket-qua/vong/{round_.id}/bai/{entries['C'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert judges[4].full_name in html and judges[0].full_name in html
    moved = re.search(r'data-test="moved">([^<]+)<', html).group(1)
    assert moved.strip().startswith("-")  # calibration pulled C down
    assert "Độ lệch ước tính của giám khảo" in html
    assert client.get(f"/quan-tri/ket-qua/vong/{round_.id}/bai/987654").status_code == 404


def test_reliability_page_has_table_and_svg_charts(client, auth, contest, organizer):
    edition, round_, entries, judges = contest
    auth.as_(organizer)
    page = client.get(f"/quan-tri/ket-qua/vong/{round_.id}/giam-khao")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for j in judges:
        assert j.full_name in html
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(charts) == 3
    svg = base64.b64decode(charts[0]).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "GK5" in svg  # the text stays text (svg.fonttype none)
    assert "Trước hiệu chỉnh" in svg
    # Each judge's stretch is shown with its uncertainty, and the panel's spread of stretches beside the ICC.
    stretches = re.findall(r'data-test="stretch">\s*([0-9]+,[0-9]{2}) ± ([0-9]+,[0-9]{2})', html)
    assert len(stretches) == len(judges)
    assert 'data-test="stretch-spread"' in html and "Mức khác nhau về độ giãn thang điểm" in html


def test_compute_override_freeze_publish_over_http(client, auth, contest, organizer, mailbox):
    edition, round_, entries, judges = contest
    members = committee(edition, 3)
    auth.as_(organizer)
    response = client.post(f"/quan-tri/ket-qua/vong/{round_.id}/tinh", data={"method": "calibrated", "category_id": 0})
    assert response.status_code == 302
    rs = db.session.query(ResultSet).one()
    assert response.headers["Location"].endswith(f"/quan-tri/ket-qua/bo/{rs.id}")
    page = client.get(f"/quan-tri/ket-qua/bo/{rs.id}").get_data(as_text=True)
    assert rs.input_hash in page

    award_c = next(a for a in rs.awards if a.entry_id == entries["C"].id)
    third = next(lv for lv in edition.award_levels if lv.position == 3)
    # Without a reason nothing changes.
    response = client.post(f"/quan-tri/ket-qua/bo/{rs.id}/giai/{award_c.id}",
                           data={f"a{award_c.id}-level_id": third.id, f"a{award_c.id}-reason": ""})
    assert response.status_code == 422
    assert "Location" not in response.headers  # the page itself comes back, with the reason's error on it
    refused = response.get_data(as_text=True)
    assert rs.input_hash in refused and "Vui lòng ghi rõ lý do điều chỉnh mức giải." in refused
    assert not db.session.get(Award, award_c.id).overridden
    response = client.post(f"/quan-tri/ket-qua/bo/{rs.id}/giai/{award_c.id}",
                           data={f"a{award_c.id}-level_id": third.id, f"a{award_c.id}-reason": "Hội đồng quyết định"})
    assert response.status_code == 302
    assert db.session.get(Award, award_c.id).level.id == third.id

    # Recompute check on the page.
    page = client.get(f"/quan-tri/ket-qua/bo/{rs.id}?kiem-tra=1").get_data(as_text=True)
    assert "recompute-ok" in page

    assert client.post(f"/quan-tri/ket-qua/bo/{rs.id}/chot").status_code == 302
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.FROZEN
    # Publication refused while approvals are missing: the set stays frozen, the reasons are shown.
    response = client.post(f"/quan-tri/ket-qua/bo/{rs.id}/cong-bo", data={}, follow_redirects=True)
    assert "Chưa thể công bố" in response.get_data(as_text=True)
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.FROZEN

    approve_all(db.session.get(ResultSet, rs.id), members)
    response = client.post(f"/quan-tri/ket-qua/bo/{rs.id}/cong-bo", data={"complaint_ends_at": "2099-12-31T17:00"})
    assert response.status_code == 302
    rs = db.session.get(ResultSet, rs.id)
    assert rs.status == ResultStatus.PUBLISHED
    assert rs.complaint_ends_at.isoformat().startswith("2099-12-31T10:00")  # 17:00 in Hà Nội is 10:00 UTC
    # Finalizing before the complaint period ends is refused.
    client.post(f"/quan-tri/ket-qua/bo/{rs.id}/hoan-tat")
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.PUBLISHED
    # Un-publishing needs a reason.
    client.post(f"/quan-tri/ket-qua/bo/{rs.id}/huy-cong-bo", data={"reason": ""})
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.PUBLISHED
    client.post(f"/quan-tri/ket-qua/bo/{rs.id}/huy-cong-bo", data={"reason": "Sai tên đơn vị"})
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.FROZEN
    assert db.session.query(AuditEvent).filter_by(action="results.unpublish").one().reason == "Sai tên đơn vị"


def test_stored_set_pages_and_correction(client, auth, contest, organizer):
    edition, round_, entries, judges = contest
    from contest import results

    members = committee(edition, 1)
    rs = results.compute_result_set(round_)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    results.finalize_results(rs, organizer)
    db.session.commit()
    auth.as_(organizer)
    assert client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{entries['A'].id}").status_code == 200
    assert client.get(f"/quan-tri/ket-qua/bo/{rs.id}/giam-khao").status_code == 200
    assert client.get("/quan-tri/ket-qua").status_code == 200
    # Finalized: un-publishing is refused.
    client.post(f"/quan-tri/ket-qua/bo/{rs.id}/huy-cong-bo", data={"reason": "muộn"})
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.FINALIZED
    response = client.post(f"/quan-tri/ket-qua/bo/{rs.id}/dinh-chinh", data={"c-reason": "Đính chính tên tác giả"})
    assert response.status_code == 302
    new = db.session.query(ResultSet).filter(ResultSet.supersedes_id == rs.id).one()
    assert response.headers["Location"].endswith(f"/quan-tri/ket-qua/bo/{new.id}")
    assert db.session.get(ResultSet, rs.id).status == ResultStatus.SUPERSEDED


def test_workspace_warnings_are_in_vietnamese_and_category_filter_applies(client, auth, contest, organizer):
    edition, round_, entries, judges = contest
    other = scored_contest({"X": {0: 61, 1: 63}}, edition=edition, category_code="y_duoc")[2]["X"]
    auth.as_(organizer)
    html = client.get(f"/quan-tri/ket-qua/vong/{round_.id}").get_data(as_text=True)
    assert "kết quả bình chọn chưa được chốt" in html  # the preset edition has a vote, no tally yet
    assert "vote_not_frozen" not in html
    assert f'data-entry="{other.id}"' in html
    cntt = next(c for c in edition.categories if c.code == "cntt")
    html = client.get(f"/quan-tri/ket-qua/vong/{round_.id}?category={cntt.id}").get_data(as_text=True)
    assert f'data-entry="{other.id}"' not in html
    assert f"category={cntt.id}" in html  # explanations keep the field filter
    assert client.get(f"/quan-tri/ket-qua/vong/{round_.id}?category=424242").status_code == 404
    why = client.get(f"/quan-tri/ket-qua/vong/{round_.id}/bai/{other.id}?category={cntt.id}")
    assert why.status_code == 404  # not ranked in that field
