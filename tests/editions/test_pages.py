"""The organizers' setup pages and the public rules page, through the real routes."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditEvent, Edition, Locality, Role
from tests.editions.helpers import ready_edition
from tests.factories import make_entry, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, email="btc@example.vn")


def _edition(slug: str | None = None) -> Edition:
    query = select(Edition).order_by(Edition.id.desc())
    if slug:
        query = select(Edition).where(Edition.slug == slug)
    return db.session.scalars(query).first()


PAGES = ["/quan-tri/cuoc-thi", "/quan-tri/cuoc-thi/moi", "/quan-tri/cuoc-thi/{id}", "/quan-tri/cuoc-thi/{id}/thong-tin",
         "/quan-tri/cuoc-thi/{id}/linh-vuc", "/quan-tri/cuoc-thi/{id}/dieu-kien", "/quan-tri/cuoc-thi/{id}/ho-so",
         "/quan-tri/cuoc-thi/{id}/vong-thi", "/quan-tri/cuoc-thi/{id}/vong-thi/{round}",
         "/quan-tri/cuoc-thi/{id}/giai-thuong", "/quan-tri/cuoc-thi/{id}/kiem-tra", "/quan-tri/cuoc-thi/{id}/nhan-ban",
         "/quan-tri/dia-ban", "/quan-tri/cuoc-thi/{id}/thong-ke"]


@pytest.mark.parametrize("role,expected", [(None, 302), (Role.APPLICANT, 403), (Role.JUDGE, 403),
                                           (Role.COMMITTEE, 403), (Role.ORGANIZER, 200)])
def test_setup_pages_are_for_organizers_only(app, client, auth, role, expected):
    edition = ready_edition()
    db.session.commit()
    if role is not None:
        auth.as_(make_user(role))
    for page in PAGES:
        url = page.format(id=edition.id, round=edition.rounds[0].id)
        response = client.get(url)
        assert response.status_code == expected, url
    assert client.get("/quan-tri/cuoc-thi/9999").status_code == (404 if role == Role.ORGANIZER else expected)


def test_create_from_preset_set_timeline_and_open(app, client, auth, organizer):
    auth.as_(organizer)
    response = client.post("/quan-tri/cuoc-thi/moi", data={"year": "2026", "name": "Cuộc thi 2026",
                                                            "preset": "thai_nguyen_2025"})
    assert response.status_code == 302
    edition = _edition()
    assert len(edition.categories) == 6 and edition.status == "draft"
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/kiem-tra").get_data(as_text=True)
    assert "Chưa đặt thời gian mở và đóng nhận bài dự thi." in page
    assert f'href="/quan-tri/cuoc-thi/{edition.id}/thong-tin#registration"' in page
    # Opening is refused while problems remain.
    assert client.post(f"/quan-tri/cuoc-thi/{edition.id}/mo").status_code == 409

    data = {"name": "Cuộc thi 2026", "code_prefix": "TN", "allowed_applicant_types": ["individual", "group"],
            "max_group_size": "5", "max_entry_mb": "200", "expert_points": "80", "vote_points": "20",
            "registration_opens_at": "2026-03-01T08:00", "registration_closes_at": "2026-06-30T17:00",
            "vote_opens_at": "2026-07-05T08:00", "vote_closes_at": "2026-07-25T17:00",
            "results_announced_at": "2026-08-20T08:00", "complaint_ends_at": "2026-08-30T17:00"}
    assert client.post(f"/quan-tri/cuoc-thi/{edition.id}/thong-tin", data=data).status_code == 302
    db.session.refresh(edition)
    # datetime-local is Asia/Ho_Chi_Minh time: 17:00 local is 10:00 UTC.
    assert edition.registration_closes_at == datetime(2026, 6, 30, 10, 0, tzinfo=UTC)
    assert edition.allowed_applicant_types == ["individual", "group"]
    for r, (opens, closes) in zip(edition.rounds, [("2026-07-01T08:00", "2026-07-31T17:00"),
                                                   ("2026-08-05T08:00", "2026-08-06T17:00")], strict=True):
        form = {"name": r.name, "mode": r.mode, "judges_per_entry": str(r.judges_per_entry), "scale": "80",
                "advancement_rule": r.advancement_rule, "advance_top_n": str(r.advance_top_n or ""),
                "disagreement_percent": "10", "opens_at": opens, "closes_at": closes,
                "zero_eliminates": "y" if r.zero_eliminates else ""}
        for i, c in enumerate(r.criteria):
            form.update({f"row-{i}-id": str(c.id), f"row-{i}-key": c.key, f"row-{i}-name": c.name,
                         f"row-{i}-max_score": str(c.max_score), f"row-{i}-step": "0,5"})
        form.update({"row-3-id": "", "row-3-key": "", "row-3-name": "", "row-3-max_score": ""})  # a blank row
        response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{r.id}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
    # The values the published scoring does not state wait for the organizer's confirmation.
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/kiem-tra").get_data(as_text=True)
    assert "Cấu hình hợp lệ" not in page
    assert page.count("cần đối chiếu với quyết định của đơn vị") == len(edition.values_to_confirm) > 0
    for key in list(edition.values_to_confirm):
        response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/xac-nhan-gia-tri", data={"key": key})
        assert response.status_code == 302
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/kiem-tra").get_data(as_text=True)
    assert "Cấu hình hợp lệ" in page
    assert client.post(f"/quan-tri/cuoc-thi/{edition.id}/mo").status_code == 302
    db.session.refresh(edition)
    assert edition.status == "open"

    rules = client.get(f"/the-le/{edition.slug}").get_data(as_text=True)
    assert "Cuộc thi 2026" in rules and "Tính đổi mới sáng tạo" in rules
    assert "Điểm bình chọn = 20 × số phiếu của bài ÷ số phiếu cao nhất" in rules
    assert "30/06/2026 17:00" in rules


def test_rows_page_saves_new_rows_ignores_blanks_and_reports_errors(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    url = f"/quan-tri/cuoc-thi/{edition.id}/dieu-kien"
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="row-') > 0 and 'name="row-4-label"' in page  # 3 saved rows + 2 blank
    data = {}
    for i, c in enumerate(edition.eligibility_checks):
        data.update({f"row-{i}-id": str(c.id), f"row-{i}-label": c.label, f"row-{i}-failure_reason": c.failure_reason})
    data.update({"row-3-id": "", "row-3-label": "Có bản thuyết minh", "row-3-failure_reason": "Thiếu thuyết minh.",
                 "row-4-id": "", "row-4-label": "", "row-4-failure_reason": ""})
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(edition)
    assert [c.label for c in edition.eligibility_checks][-1] == "Có bản thuyết minh"
    # A new row without the reason text is refused with the field's message, nothing saved.
    data.update({"row-4-label": "Điều kiện thiếu lý do"})
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Vui lòng nhập trường này." in response.get_data(as_text=True)
    assert len(edition.eligibility_checks) == 4


def test_guarded_change_asks_for_a_reason_then_records_it(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    make_entry(make_user(), edition, status="submitted")
    auth.as_(organizer)
    url = f"/quan-tri/cuoc-thi/{edition.id}/ho-so"
    kind = edition.attachment_kinds[2]
    data = {"row-0-id": str(kind.id), "row-0-code": kind.code, "row-0-name": kind.name, "row-0-required": "y",
            "row-0-max_size_mb": "50", "row-0-allowed_types": kind.allowed_types}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "cần ghi rõ lý do" in response.get_data(as_text=True)
    assert db.session.get(type(kind), kind.id).required is False
    response = client.post(url, data={**data, "reason": "Quyết định sửa đổi số 20"})
    assert response.status_code == 302
    assert db.session.get(type(kind), kind.id).required is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "edition.attachment_kinds_saved")).one()
    assert event.reason == "Quyết định sửa đổi số 20" and event.actor_id == organizer.id


def test_bad_numbers_and_dates_get_vietnamese_messages_not_errors(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/thong-tin", data={
        "name": "X", "code_prefix": "TN", "max_entry_mb": "abc", "expert_points": "80",
        "registration_opens_at": "2026-03-01T08:00", "registration_closes_at": "2026-02-01T08:00",
        "vote_opens_at": "không phải ngày"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập một số." in body and "Phải sau thời điểm “Mở nhận bài”." in body
    assert "Ngày giờ không hợp lệ" in body
    r = edition.rounds[0]
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{r.id}", data={
        "name": r.name, "mode": r.mode, "judges_per_entry": "3", "scale": "80", "advancement_rule": "top_n",
        "disagreement_percent": "10", "row-0-id": str(r.criteria[0].id), "row-0-key": "doi_moi",
        "row-0-name": "Đổi mới", "row-0-max_score": "-5"})
    assert response.status_code == 422
    assert "Giá trị phải từ" in response.get_data(as_text=True)


def test_clone_page_and_unknown_round(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/nhan-ban").get_data(as_text=True)
    assert 'value="2026"' in page
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/nhan-ban", data={"year": "2026", "name": "Năm 2026"})
    assert response.status_code == 302
    clone = _edition("2026")
    assert clone.cloned_from_id == edition.id and len(clone.rounds) == 2
    other_round = clone.rounds[0].id
    assert client.get(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{other_round}").status_code == 404


def test_add_and_delete_a_round(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi",
                           data={"name": "Vòng bán kết", "mode": "assigned", "scale": "80"})
    assert response.status_code == 302
    db.session.refresh(edition)
    added = edition.rounds[-1]
    assert (added.name, added.position) == ("Vòng bán kết", 3)
    assert client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{added.id}/xoa").status_code == 302
    db.session.refresh(edition)
    assert len(edition.rounds) == 2


def test_rules_document_upload_and_public_download(app, client, auth, organizer):
    edition = ready_edition()
    edition.status = "open"
    db.session.commit()
    auth.as_(organizer)
    url = f"/quan-tri/cuoc-thi/{edition.id}/quyet-dinh"
    response = client.post(url, data={"document": (io.BytesIO(b"GIF89a not a pdf"), "qd.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Tệp quyết định phải là tệp PDF." in response.get_data(as_text=True)
    response = client.post(url, data={"document": (io.BytesIO(PDF), "Quyết định 16.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    auth.logout()
    rules = client.get(f"/the-le/{edition.slug}").get_data(as_text=True)
    assert f"/the-le/{edition.slug}/quyet-dinh.pdf" in rules
    download = client.get(f"/the-le/{edition.slug}/quyet-dinh.pdf")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_draft_rules_are_hidden_from_the_public_but_previewable_by_organizers(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    assert client.get(f"/the-le/{edition.slug}").status_code == 404
    assert "đang được chuẩn bị" in client.get("/the-le").get_data(as_text=True)
    auth.as_(organizer)
    assert "Bản xem trước" in client.get(f"/the-le/{edition.slug}").get_data(as_text=True)


def test_public_rules_page_lists_the_configuration(app, client):
    edition = ready_edition()
    edition.status = "open"
    edition.max_entries_per_person = 2
    db.session.commit()
    body = client.get("/the-le").get_data(as_text=True)
    text = re.sub(r"\s+", " ", body)
    for expected in ("Công nghệ thông tin – điện tử – viễn thông", "Nhóm tác giả (tối đa 5 thành viên)",
                     "Mỗi tác giả gửi tối đa 2 bài dự thi.", "Hiệu quả kinh tế – xã hội", "Khả năng áp dụng",
                     "Tổng điểm 100: Hội đồng giám khảo chấm 80 điểm, cộng đồng bình chọn 20 điểm",
                     "Giải Khuyến khích", "24.000.000", "đã được áp dụng hoặc thử nghiệm trên địa bàn tỉnh",
                     "Phiếu đăng ký dự thi", "Bài có tiêu chí bị 0 điểm không được vào vòng sau."):
        assert expected in text, expected


def test_localities_page_adds_and_deactivates(app, client, auth, organizer):
    auth.as_(organizer)
    response = client.post("/quan-tri/dia-ban", data={
        "row-0-id": "", "row-0-name": "Phường Phan Đình Phùng", "row-0-kind": "phường",
        "row-0-province": "Thái Nguyên", "row-0-active": "y",
        "row-1-id": "", "row-1-name": "", "row-1-kind": "xã", "row-1-province": "Thái Nguyên"})
    assert response.status_code == 302
    loc = db.session.scalars(select(Locality)).one()
    assert (loc.name, loc.kind, loc.active) == ("Phường Phan Đình Phùng", "phường", True)
    response = client.post("/quan-tri/dia-ban", data={
        "row-0-id": str(loc.id), "row-0-name": loc.name, "row-0-kind": "phường", "row-0-province": "Thái Nguyên"})
    assert response.status_code == 302
    db.session.refresh(loc)
    assert loc.active is False


def test_award_levels_page_validates_min_scores(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    level = edition.award_levels[1]
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/giai-thuong", data={
        "row-0-id": str(level.id), "row-0-name": level.name, "row-0-scope": "per_category", "row-0-quota": "2",
        "row-0-min_score": "75,5", "row-0-prize_amount": "16000000"})
    assert response.status_code == 302
    db.session.refresh(level)
    assert level.min_score == Decimal("75.5")
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/kiem-tra").get_data(as_text=True)
    assert "Điểm tối thiểu của “Giải Nhì” (75,5) cao hơn của giải cao hơn “Giải Nhất” (70)." in page
    assert f'href="/quan-tri/cuoc-thi/{edition.id}/giai-thuong#level-{level.id}"' in page
    page = client.get(f"/quan-tri/cuoc-thi/{edition.id}/giai-thuong").get_data(as_text=True)
    assert f'id="level-{level.id}"' in page


def test_rounds_change_order_until_one_is_opened(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    final = edition.rounds[1]
    url = f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{final.id}/thu-tu"
    assert client.post(url, data={"huong": "len"}).status_code == 302
    db.session.refresh(edition)
    assert [r.name for r in edition.rounds] == ["Vòng chung khảo", "Vòng sơ khảo"]
    assert client.post(url, data={"huong": "ngang"}).status_code == 400
    edition.rounds[1].status = "open"
    db.session.commit()
    response = client.post(url, data={"huong": "xuong"}, follow_redirects=True)
    assert "đã mở hoặc đã được chấm nên không thể đổi thứ tự" in response.get_data(as_text=True)
    db.session.refresh(edition)
    assert [r.name for r in edition.rounds] == ["Vòng chung khảo", "Vòng sơ khảo"]


def test_double_submit_of_the_create_form_makes_one_edition(app, client, auth, organizer):
    auth.as_(organizer)
    data = {"year": "2027", "name": "Cuộc thi 2027", "preset": "thai_nguyen_2025"}
    first = client.post("/quan-tri/cuoc-thi/moi", data=data)
    second = client.post("/quan-tri/cuoc-thi/moi", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalars(select(Edition).where(Edition.year == 2027)).all().__len__() == 1


def test_refused_change_answers_409_and_keeps_everything(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    make_entry(make_user(), edition, status="submitted", category_code="cntt")
    auth.as_(organizer)
    data = {}
    for i, c in enumerate(edition.categories):
        data.update({f"row-{i}-id": str(c.id), f"row-{i}-code": c.code, f"row-{i}-name": c.name,
                     f"row-{i}-sub_panel": c.sub_panel})
    data["row-0-delete"] = "y"
    data["reason"] = "Gộp lĩnh vực"
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/linh-vuc", data=data)
    assert response.status_code == 409
    assert "đã có bài dự thi nên không thể xóa" in response.get_data(as_text=True)
    db.session.refresh(edition)
    assert len(edition.categories) == 6


def test_prize_amounts_beyond_the_column_are_refused_politely(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    level = edition.award_levels[0]
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/giai-thuong", data={
        "row-0-id": str(level.id), "row-0-name": level.name, "row-0-scope": "per_category", "row-0-quota": "1",
        "row-0-prize_amount": "9000000000"})
    assert response.status_code == 422
    assert "Giá trị phải từ" in response.get_data(as_text=True)


def test_public_rules_page_says_how_the_council_scores_become_one_score(app, client):
    edition = ready_edition()
    edition.status = "open"
    db.session.commit()
    body = client.get(f"/the-le/{edition.slug}").get_data(as_text=True)
    method = body.split('data-test="score-method">', 1)[1].split("</p>", 1)[0]
    assert "trung bình cộng các phiếu chấm của hội đồng khi mọi giám khảo chấm mọi bài" in method
    assert "bù chênh lệch giữa giám khảo chấm rộng tay và giám khảo chấm chặt tay" in method
    assert "được Chủ tịch hội đồng xem xét trước khi công bố kết quả" in method


def test_organizer_turns_on_comparison_across_fields_on_the_settings_page(app, client, auth, organizer):
    edition = ready_edition()
    db.session.commit()
    auth.as_(organizer)
    url = f"/quan-tri/cuoc-thi/{edition.id}/thong-tin"
    page = client.get(url).get_data(as_text=True)
    assert "So sánh bài giữa các lĩnh vực" in page
    assert "mỗi bài chỉ do giám khảo của lĩnh vực mình chấm" in page
    assert edition.compare_across_fields is False
    data = {"name": edition.name, "code_prefix": "TN", "allowed_applicant_types": ["individual", "group"],
            "max_group_size": "5", "max_entry_mb": "200", "expert_points": "80", "vote_points": "20",
            "compare_across_fields": "y",
            "registration_opens_at": "2026-03-01T08:00", "registration_closes_at": "2026-06-30T17:00",
            "vote_opens_at": "2026-07-05T08:00", "vote_closes_at": "2026-07-25T17:00",
            "results_announced_at": "2026-08-20T08:00", "complaint_ends_at": "2026-08-30T17:00"}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(edition)
    assert edition.compare_across_fields is True
