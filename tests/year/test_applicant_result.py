"""Issue 20 item 5: the applicant finds their result, and every round's comments, from their own entry page."""

from __future__ import annotations

from decimal import Decimal

from contest import results
from contest.extensions import db
from contest.models import EntryStatus, Role, RoundStatus
from contest.rounds import advance_entries, close_round
from tests.factories import make_edition, make_entry, make_user
from tests.results.helpers import add_sheet, approve_all, committee, make_judges

ROUND_1 = {"A": (18, 26, 27), "B": (16, 24, 25), "C": (8, 10, 12)}


def scored_year(*, approve: bool = True):
    """Round 1 scores three entries with comments, A and B go on, the final is scored and its list frozen."""
    edition = make_edition()
    for level in edition.award_levels:
        level.min_score = Decimal("10")
    preliminary, final = edition.rounds[0], edition.rounds[-1]
    judges = make_judges(2)
    organizer = make_user(Role.ORGANIZER)
    entries = {}
    for label, points in ROUND_1.items():
        owner = make_user(Role.APPLICANT, full_name=f"Tác giả {label}")
        entries[label] = make_entry(owner, edition, status="eligible", title=f"Máy sấy chè {label}")
        for n, judge in enumerate(judges):
            add_sheet(preliminary, entries[label], judge, points, comment=f"Vòng 1, bài {label}: nhận xét {n + 1}")
    preliminary.status = RoundStatus.OPEN.value
    close_round(preliminary)
    advance_entries(preliminary, "top_n", top_n=2, actor=organizer)
    for label in ("A", "B"):
        for n, judge in enumerate(judges):
            add_sheet(final, entries[label], judge, ROUND_1[label], comment=f"Chung khảo, bài {label}: ý kiến {n + 1}")
    final.status = RoundStatus.OPEN.value
    close_round(final)
    db.session.commit()
    members = committee(edition)
    rs = results.compute_result_set(final, actor=organizer)
    results.freeze_result_set(rs, organizer)
    db.session.commit()
    if approve:
        approve_all(rs, members)
    return edition, preliminary, final, entries, organizer, rs


def test_winner_finds_the_result_and_both_rounds_comments_from_the_entry_page(app, client, auth, mailbox):
    edition, preliminary, final, entries, organizer, rs = scored_year()
    winner = entries["A"]
    auth.as_(winner.owner)
    before = client.get(f"/bai-du-thi/{winner.id}").get_data(as_text=True)
    assert 'data-test="judging-note"' in before and 'data-test="my-result-link"' not in before

    with app.test_request_context("/"):
        results.publish_results(rs, actor=organizer)
    db.session.commit()
    page = client.get(f"/bai-du-thi/{winner.id}").get_data(as_text=True)
    assert f'href="/ket-qua/bai/{winner.id}"' in page
    result = client.get(f"/ket-qua/bai/{winner.id}").get_data(as_text=True)
    assert "Chung khảo, bài A: ý kiến 1" in result
    assert "Vòng 1, bài A: nhận xét 1" in result and "Vòng 1, bài A: nhận xét 2" in result
    assert "bài B" not in result and "bài C" not in result


def test_eliminated_entry_gets_a_result_its_comments_and_a_mail(app, client, auth, mailbox):
    edition, preliminary, final, entries, organizer, rs = scored_year()
    stopped = entries["C"]
    assert stopped.status == EntryStatus.ELIMINATED.value
    with app.test_request_context("/"):
        results.publish_results(rs, actor=organizer)
    db.session.commit()

    # One mail told them when they stopped (at the advancement decision); one more now tells them the results are out.
    to_c = [m for m in mailbox if stopped.owner.email in m.recipients and f"/ket-qua/bai/{stopped.id}" in m.body]
    assert len(to_c) == 1
    assert "dừng ở Vòng sơ khảo" in to_c[0].body and f"/ket-qua/bai/{stopped.id}" in to_c[0].body

    auth.as_(stopped.owner)
    page = client.get(f"/bai-du-thi/{stopped.id}").get_data(as_text=True)
    assert "Dừng ở Vòng sơ khảo" in page
    assert f'href="/ket-qua/bai/{stopped.id}"' in page
    result = client.get(f"/ket-qua/bai/{stopped.id}").get_data(as_text=True)
    assert "Dừng ở Vòng sơ khảo" in result
    assert "Vòng 1, bài C: nhận xét 1" in result and "Vòng 1, bài C: nhận xét 2" in result
    assert "Kết quả chưa được công bố" not in result


def test_entry_page_of_an_entry_in_judging_is_never_an_empty_card(app, client, auth):
    edition = make_edition()
    edition.rounds[0].status = RoundStatus.OPEN.value  # judging started: the entry can no longer be withdrawn
    owner = make_user(Role.APPLICANT)
    entry = make_entry(owner, edition, status="advanced")
    auth.as_(owner)
    page = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    card = page[page.index('data-test="actions"'):page.index("</section>", page.index('data-test="actions"'))]
    assert 'data-test="judging-note"' in card


def test_entry_timeline_names_advancement_in_words_not_codes(app, mailbox):
    from tests.conftest import Auth

    edition, preliminary, final, entries, organizer, rs = scored_year()
    for label, words in (("A", "Vượt qua vòng thi, được vào vòng tiếp theo"), ("C", "Dừng lại sau vòng thi")):
        client = Auth(app.test_client()).as_(entries[label].owner)
        timeline = client.get(f"/bai-du-thi/{entries[label].id}").get_data(as_text=True)
        timeline = timeline[timeline.index('data-test="timeline"'):]
        assert words in timeline
        assert "entry." not in timeline
