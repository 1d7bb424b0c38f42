"""Issue 20 item 4: statuses say where things stand."""

from __future__ import annotations

import re
from decimal import Decimal

from contest import results
from contest.extensions import db
from contest.models import Role, RoundStatus, utcnow
from contest.rounds import close_round
from tests.factories import make_edition, make_entry, make_user
from tests.results.helpers import approve_all, approved_result_set, committee, scored_contest

SCORES = {"A": {0: 70, 1: 71, 2: 69}, "B": {1: 68, 2: 66, 0: 67.5}, "C": {0: 55, 2: 59}}


def _readiness(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-test="list-(\d+)" data-readiness="(\w+)"', html))


def test_approvals_page_never_calls_an_unsent_draft_ready_and_names_statuses(app, client, auth):
    edition, round_, entries, judges = scored_contest(SCORES)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    round_.status = RoundStatus.OPEN.value
    snapshot = close_round(round_)
    draft = results.compute_result_set(round_, method="raw")
    db.session.commit()
    auth.as_(make_user(Role.ORGANIZER))

    page = client.get("/quan-tri/phe-duyet").get_data(as_text=True)
    assert _readiness(page) == {str(draft.id): "not_sent"}  # the closing snapshot is not an award list
    assert "sẵn sàng công bố" not in page
    assert "Bản tính thử" in page
    assert not re.search(r"<td>\s*(computed|frozen|published)\s*</td>", page)
    assert str(snapshot.id) not in _readiness(page)

    members = committee(edition)
    approve_all(draft, members)
    page = client.get("/quan-tri/phe-duyet").get_data(as_text=True)
    assert _readiness(page) == {str(draft.id): "ready"}
    assert "sẵn sàng công bố" in page


def _published_contest():
    edition, round_, entries, judges = scored_contest(SCORES)
    for level in edition.award_levels:
        level.min_score = Decimal("50")
    organizer = make_user(Role.ORGANIZER)
    members = committee(edition)
    round_.status = RoundStatus.OPEN.value
    close_round(round_)
    entries["A"].status = "advanced"  # it came through the preliminary round
    rs = approved_result_set(round_, organizer, members, actor=organizer)
    results.publish_results(rs, actor=organizer)
    db.session.commit()
    return edition, round_, entries, organizer


def test_final_round_table_offers_no_next_round_and_names_the_prize(app, client, auth, mailbox):
    edition, round_, entries, organizer = _published_contest()
    auth.as_(organizer)
    page = client.get(f"/quan-tri/vong-cham/{round_.id}").get_data(as_text=True)
    table = page[page.index('data-test="ranking"'):]
    assert "Điều kiện vào vòng sau" not in table
    assert "Vào vòng trong" not in table
    assert "Đoạt Giải Nhất" in table


def test_winning_applicant_sees_their_prize_not_advanced_after_publication(app, client, auth, mailbox):
    edition, round_, entries, organizer = _published_contest()
    winner = entries["A"]
    auth.as_(winner.owner)
    for url in ("/bai-du-thi/", f"/bai-du-thi/{winner.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Đoạt Giải Nhất" in page, url
        assert "Vào vòng trong" not in page, url


def test_after_publication_home_and_dashboard_say_results_and_stop_inviting_entries(app, client, auth, mailbox):
    edition, round_, entries, organizer = _published_contest()
    assert edition.registration_open(utcnow())  # the window was left open: results still end the call
    home = client.get("/").get_data(as_text=True)
    assert "Đã công bố kết quả" in home and "Đang diễn ra" not in home
    assert "Gửi bài dự thi" not in home and "Hạn nộp bài" not in home
    assert 'data-test="results-link"' in home
    auth.as_(organizer)
    dashboard = client.get("/quan-tri/").get_data(as_text=True)
    assert "Đã công bố kết quả" in dashboard and "Đang diễn ra" not in dashboard
    auth.as_(entries["B"].owner)
    mine = client.get("/bai-du-thi/").get_data(as_text=True)
    assert 'data-test="new-entry"' not in mine


def test_home_dashboard_and_settings_count_entries_the_same_way(app, client, auth):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    for status in ("submitted", "submitted", "eligible", "ineligible", "advanced", "draft", "draft", "withdrawn"):
        reason = "Giải pháp chưa được áp dụng tại tỉnh" if status == "ineligible" else None
        make_entry(owner, edition, status=status, ineligible_reason=reason)
    home = client.get("/").get_data(as_text=True)
    assert "5 bài dự thi đã nộp" in home
    auth.as_(make_user(Role.ORGANIZER))
    dashboard = client.get("/quan-tri/").get_data(as_text=True)
    settings = client.get(f"/quan-tri/cuoc-thi/{edition.id}").get_data(as_text=True)
    for page in (dashboard, settings):
        tally = re.search(r'data-test="tally">(.*?)</', page, re.S).group(1)
        assert "5 bài đã nộp" in tally and "2 bản nháp" in tally and "1 bài đã rút" in tally


def test_round_and_results_pages_name_the_scoring_method_in_words(app, client, auth):
    edition, round_, entries, judges = scored_contest(SCORES)
    round_.status = RoundStatus.OPEN.value
    close_round(round_)
    db.session.commit()
    auth.as_(make_user(Role.ORGANIZER))
    for path in (f"/quan-tri/vong-cham/{round_.id}", "/quan-tri/ket-qua", f"/quan-tri/ket-qua/vong/{round_.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Hiệu chỉnh độ lệch giám khảo" in page, path
        assert not re.search(r"(: |<td>)calibrated\b", page), path


def test_after_publication_the_dashboard_counts_prizes_not_raw_statuses(app, client, auth, mailbox):
    edition, round_, entries, organizer = _published_contest()
    auth.as_(organizer)
    dashboard = client.get("/quan-tri/").get_data(as_text=True)
    standings = dashboard[dashboard.index('data-test="standings"'):]
    standings = standings[:standings.index("</ul>")]
    assert "Vào vòng trong" not in standings
    assert "Đoạt Giải Nhất: <strong>" in standings
    counted = sum(int(n) for n in re.findall(r"<strong>(\d+)</strong>", standings))
    assert counted == len(entries)
