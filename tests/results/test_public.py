"""The public results page and the applicant's own result: only what was published, nothing private."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contest import results
from contest.extensions import db
from contest.models import Role
from tests.factories import make_user
from tests.results.helpers import approve_all, committee, scored_contest
from tests.results.test_compute import LENIENT

TITLES = {k: f"Giải pháp {k}: hệ thống tưới nhỏ giọt cho đồi chè Tân Cương" for k in LENIENT}
PRIVATE = "GHI CHÚ NỘI BỘ: không công khai"
COMMENT = "Giải pháp có tính ứng dụng cao ở các hợp tác xã chè."


@pytest.fixture
def contest(app):
    edition, round_, entries, judges = scored_contest(
        LENIENT, titles=TITLES,
        comments={("A", 0): COMMENT, ("A", 2): "Cần bổ sung số liệu hiệu quả kinh tế."},
        notes={("A", 0): PRIVATE, ("A", 1): PRIVATE},
    )
    for level in edition.award_levels:
        level.min_score = Decimal("60")
    db.session.commit()
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition, 3)
    return edition, round_, entries, judges, organizer, members


def _publish(round_, organizer, members, *, non_winners=False, method="calibrated"):
    rs = results.compute_result_set(round_, method=method, actor=organizer)
    if non_winners:
        results.set_list_non_winners(rs, True, organizer)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    results.publish_results(rs, actor=organizer, notify=False)
    db.session.commit()
    return rs


def test_nothing_unpublished_reaches_the_public_page(client, contest):
    edition, round_, entries, judges, organizer, members = contest
    rs = results.compute_result_set(round_, actor=organizer)
    results.freeze_result_set(rs, organizer)
    approve_all(rs, members)
    html = client.get("/ket-qua").get_data(as_text=True)
    assert "Kết quả chưa được công bố" in html
    for e in entries.values():
        assert e.title not in html
    assert client.get(f"/ket-qua/{edition.slug}").status_code == 200
    assert client.get("/ket-qua/khong-co-cuoc-thi-nay").status_code == 404


def test_published_page_lists_winners_only_with_scores_and_no_private_data(client, contest):
    edition, round_, entries, judges, organizer, members = contest
    rs = _publish(round_, organizer, members)
    winners = {a.entry_id for a in rs.awards if a.level is not None}
    losers = {a.entry_id for a in rs.awards if a.level is None}
    assert winners and losers
    response = client.get("/ket-qua")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for _label, e in entries.items():
        if e.id in winners:
            assert e.title in html and e.owner.full_name in html
        else:
            assert e.title not in html
    for header in ("STT", "Tên giải pháp", "Tác giả / nhóm tác giả", "Đơn vị", "Lĩnh vực", "Giải"):
        assert header in html
    assert "Giải Nhất" in html and "Trường Đại học Thái Nguyên" in html
    a = next(x for x in rs.awards if x.entry_id == entries["A"].id)
    assert f"{a.total_score:.2f}".replace(".", ",") in html  # the published score, Vietnamese decimal comma
    assert PRIVATE not in html and COMMENT not in html
    for j in judges:
        assert j.full_name not in html
    assert "Điểm bình chọn" not in html  # no vote tally: no vote part


def test_non_winners_are_listed_only_when_the_organizers_choose(client, contest):
    edition, round_, entries, judges, organizer, members = contest
    _publish(round_, organizer, members, non_winners=True)
    html = client.get("/ket-qua").get_data(as_text=True)
    for e in entries.values():
        assert e.title in html
    assert "Không đoạt giải" in html


def test_three_parts_side_by_side_when_the_edition_has_a_vote(client, contest, monkeypatch):
    edition, round_, entries, judges, organizer, members = contest
    import contest.votes

    monkeypatch.setattr(contest.votes, "vote_points_for_round",
                        lambda r: {entries["A"].id: Decimal("20.0"), entries["B"].id: Decimal("12.3")})
    _publish(round_, organizer, members)
    html = client.get("/ket-qua").get_data(as_text=True)
    assert "Điểm của Hội đồng giám khảo" in html and "Điểm bình chọn" in html and "Tổng điểm" in html
    assert "12,3" in html and "20,0" in html


def test_english_page_uses_english_level_names(client, contest):
    edition, round_, entries, judges, organizer, members = contest
    _publish(round_, organizer, members)
    vi = client.get("/ket-qua").get_data(as_text=True)
    client.post("/ngon-ngu/en", data={"next": "/ket-qua"})
    en = client.get("/ket-qua").get_data(as_text=True)
    assert 'lang="en"' in en and "First prize" in en and "Giải Nhất" in vi


def test_cached_page_follows_state_changes(client, contest, app):
    edition, round_, entries, judges, organizer, members = contest
    app.config["RESULTS_CACHE_SECONDS"] = 300
    rs = _publish(round_, organizer, members)
    first = client.get("/ket-qua").get_data(as_text=True)
    assert client.get("/ket-qua").get_data(as_text=True) == first
    results.unpublish_results(rs, "Sai sót", organizer)
    db.session.commit()
    after = client.get("/ket-qua").get_data(as_text=True)
    assert entries["A"].title not in after and "Kết quả chưa được công bố" in after


def test_superseded_set_leaves_the_public_page(client, contest):
    edition, round_, entries, judges, organizer, members = contest
    rs = _publish(round_, organizer, members)
    results.create_correction(rs, "Thu hồi giải", organizer)
    db.session.commit()
    html = client.get("/ket-qua").get_data(as_text=True)
    assert entries["A"].title not in html


def test_applicant_sees_own_result_and_anonymous_comments(client, auth, contest):
    edition, round_, entries, judges, organizer, members = contest
    owner = entries["A"].owner
    url = f"/ket-qua/bai/{entries['A'].id}"
    assert client.get(url).status_code == 302  # login first
    auth.as_(owner)
    before = client.get(url).get_data(as_text=True)
    assert "Kết quả chưa được công bố" in before and COMMENT not in before
    _publish(round_, organizer, members)
    html = client.get(url).get_data(as_text=True)
    assert "Giải Nhất" in html
    assert COMMENT in html and "Cần bổ sung số liệu hiệu quả kinh tế." in html
    assert "Giám khảo 1" in html and "Giám khảo 2" in html
    assert PRIVATE not in html
    for j in judges:
        assert j.full_name not in html


def test_applicant_cannot_open_someone_elses_result(client, auth, contest):
    edition, round_, entries, judges, organizer, members = contest
    _publish(round_, organizer, members)
    auth.as_(entries["B"].owner)
    assert client.get(f"/ket-qua/bai/{entries['A'].id}").status_code == 404
    assert client.get("/ket-qua/bai/999999").status_code == 404


def test_anonymous_visitors_get_the_whole_page_from_the_cache_signed_in_people_do_not(client, auth, contest,
                                                                                       monkeypatch):
    edition, round_, entries, judges, organizer, members = contest
    _publish(round_, organizer, members)
    first = client.get("/ket-qua").get_data(as_text=True)
    assert "csrf_token" not in first  # nothing personal in a page shared by every visitor
    renders = []
    import contest.web.public.results as public_results

    real = public_results.render_template
    monkeypatch.setattr(public_results, "render_template", lambda *a, **k: renders.append(a[0]) or real(*a, **k))
    assert client.get("/ket-qua").get_data(as_text=True) == first
    assert renders == []
    auth.as_(entries["A"].owner)
    signed_in = client.get("/ket-qua").get_data(as_text=True)
    assert renders == ["public/results/index.html"]
    assert entries["A"].owner.full_name in signed_in and "Đăng xuất" in signed_in
