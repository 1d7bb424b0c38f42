"""Committee work costs the same few queries for two awards or six: nothing is loaded award by award."""

from __future__ import annotations

from contest import approvals
from contest.extensions import db
from contest.models import CommitteeMembership, ResultSet
from tests.approvals.helpers import result_set_with_awards
from tests.querycount import counted_statements, selects


def _list_where_every_member_decided(awards: int):
    rs, members, organizer = result_set_with_awards(awards, 3)
    for award in approvals.proposed_awards(rs):
        for member, decision in zip(members, ("approve", "approve", "reject"), strict=True):
            approvals.decide_award(award, member, decision, "Ý kiến của ông/bà thành viên")
    db.session.commit()
    return rs, members, organizer


def _statements_for_committee_page(client, auth, awards: int) -> int:
    rs, _members, organizer = _list_where_every_member_decided(awards)
    auth.as_(organizer)
    url = f"/quan-tri/hoi-dong/ket-qua/{rs.id}"
    db.session.expunge_all()
    with counted_statements() as statements:
        html = client.get(url).get_data(as_text=True)
    assert html.count('data-test="award"') == awards
    assert html.count("Ý kiến của ông/bà thành viên") == 3 * awards
    return len(statements)


def test_committee_page_reads_the_same_few_times_for_two_awards_or_six(client, auth, app) -> None:
    small = _statements_for_committee_page(client, auth, 2)
    larger = _statements_for_committee_page(client, auth, 6)
    assert larger == small
    assert small == 21


def _selects_to_remove_a_member(awards: int) -> int:
    rs, members, organizer = _list_where_every_member_decided(awards)
    membership_id = db.session.scalar(db.select(CommitteeMembership.id).where(
        CommitteeMembership.user_id == members[2].id))
    rs_id = rs.id
    db.session.expunge_all()
    with counted_statements() as statements:
        approvals.remove_committee_member(db.session.get(CommitteeMembership, membership_id))
    db.session.commit()
    # The member who rejected leaves; two are left and each award has the two approvals it needs.
    states = {a.approval_state for a in approvals.proposed_awards(db.session.get(ResultSet, rs_id))}
    assert states == {"approved"}
    return len(selects(statements))


def test_removing_a_member_recounts_every_award_with_the_same_few_reads(app) -> None:
    small = _selects_to_remove_a_member(2)
    larger = _selects_to_remove_a_member(6)
    assert larger == small
    assert small == 13
