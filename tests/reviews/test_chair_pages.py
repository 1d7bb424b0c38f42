"""The organizer appoints a chair; the chair opens a flagged entry, decides, and the why page shows it."""

from __future__ import annotations

from sqlalchemy import select

from contest import reviews
from contest.extensions import db
from contest.models import ChairDecision, PanelChair, Role
from tests.factories import make_user
from tests.reviews.helpers import flagged_result_set


def test_organizer_appoints_a_judge_as_chair_of_the_final_panel(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/ket-qua/vong/{rs.round_id}/chu-tich")
    assert page.status_code == 200 and judges[0].full_name in page.get_data(as_text=True)
    response = client.post(f"/quan-tri/ket-qua/vong/{rs.round_id}/chu-tich",
                           data={"category_id": 0, "user_id": judges[0].id})
    assert response.status_code == 302
    assert reviews.chair_of(rs.round_id).user_id == judges[0].id
    assert judges[0].full_name in client.get(response.location).get_data(as_text=True)


def test_a_judge_cannot_open_the_appointment_page(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    db.session.commit()
    auth.as_(judges[0])
    assert client.get(f"/quan-tri/ket-qua/vong/{rs.round_id}/chu-tich").status_code == 403
    assert client.post(f"/quan-tri/ket-qua/vong/{rs.round_id}/chu-tich",
                       data={"category_id": 0, "user_id": judges[0].id}).status_code == 403
    assert db.session.scalars(select(PanelChair)).all() == []


def test_chair_excludes_a_sheet_and_the_why_page_shows_the_decision_and_the_new_rank(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    db.session.commit()
    a = entries["A"]
    auth.as_(judges[0])
    assert 'data-test="chair-link"' in client.get("/giam-khao/").get_data(as_text=True)
    listing = client.get("/giam-khao/chu-tich").get_data(as_text=True)
    assert a.reference_code in listing and "Chưa quyết định" in listing
    url = f"/giam-khao/chu-tich/bo/{rs.id}/bai/{a.id}"
    assert "Có phiếu lệch xa các phiếu khác" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"decision": "exclude_sheet", "judge_id": judges[4].id,
                                      "reason": "Giám khảo chấm nhầm tiêu chí"})
    assert response.status_code == 302
    assert "Loại một phiếu chấm" in client.get(response.location).get_data(as_text=True)

    auth.logout()
    auth.as_(organizer)
    why = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{a.id}").get_data(as_text=True)
    assert 'data-test="chair-decision">Loại một phiếu chấm (ghi rõ lý do) – ' + judges[4].full_name in why
    assert "Giám khảo chấm nhầm tiêu chí" in why
    assert 'data-test="excluded-sheet"' in why
    db.session.expire_all()
    assert next(aw for aw in rs.awards if aw.entry_id == a.id).rank == 1


def test_exclusion_without_a_reason_comes_back_with_the_message_and_records_nothing(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    db.session.commit()
    auth.as_(judges[0])
    response = client.post(f"/giam-khao/chu-tich/bo/{rs.id}/bai/{entries['A'].id}",
                           data={"decision": "exclude_sheet", "judge_id": judges[4].id, "reason": ""})
    assert response.status_code == 422
    assert "Vui lòng ghi rõ lý do loại phiếu chấm." in response.get_data(as_text=True)
    assert db.session.scalars(select(ChairDecision)).all() == []


def test_a_judge_who_is_not_the_chair_cannot_open_or_decide(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    db.session.commit()
    auth.as_(judges[1])
    url = f"/giam-khao/chu-tich/bo/{rs.id}/bai/{entries['A'].id}"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"decision": "keep"}).status_code == 403
    assert db.session.scalars(select(ChairDecision)).all() == []


def test_an_applicant_cannot_reach_the_chair_pages(app, client, auth):
    rs, entries, judges, organizer = flagged_result_set()
    db.session.commit()
    auth.as_(make_user(Role.APPLICANT))
    assert client.get("/giam-khao/chu-tich").status_code == 403


def test_the_why_page_recomputes_on_paper_from_the_chairs_reduced_mean(app, client, auth):
    from contest.numbers import format_score

    rs, entries, judges, organizer = flagged_result_set()
    reviews.appoint_chair(rs.round, None, judges[0], actor=organizer)
    reviews.record_chair_decision(rs, entries["A"].id, "exclude_sheet", judges[0], judge_id=judges[4].id,
                                  reason="Giám khảo chấm nhầm tiêu chí")
    db.session.commit()
    auth.as_(organizer)
    why = client.get(f"/quan-tri/ket-qua/bo/{rs.id}/bai/{entries['A'].id}").get_data(as_text=True)
    four_others = (78 + 79 + 77 + 78) / 4 * rs.payload["scale"] / 80
    assert f'data-test="paper-source">{format_score(four_others)}<' in why
    assert "Theo quyết định của chủ tịch hội đồng:" in why
    assert f'data-test="paper-expert">{format_score(four_others)}<' in why
