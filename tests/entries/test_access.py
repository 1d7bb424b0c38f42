"""Who may read an entry's files: the access matrix, and the download headers."""

from __future__ import annotations

import pytest

from contest.conflicts import declare_conflict
from contest.entries import can_view_entry, get_attachment_for
from contest.extensions import db
from contest.models import (
    Assignment,
    ConflictSource,
    EntryConflictDeclaration,
    Role,
    RoundStatus,
)
from tests.entries.helpers import kind, tiny_pdf, upload
from tests.factories import make_edition, make_entry, make_user


@pytest.fixture
def world(app, auth):
    edition = make_edition()
    owner = make_user(full_name="Chủ Bài Thi")
    entry = make_entry(owner, edition)
    client = auth.as_(owner)
    assert upload(client, entry, kind(edition, "thuyet_minh"), tiny_pdf(),
                  "Thuyết minh – Đồng Hỷ.pdf").status_code == 302
    auth.logout()
    db.session.refresh(entry)
    first_round = edition.rounds[0]
    first_round.status = RoundStatus.OPEN.value
    people = {
        "owner": owner,
        "other_applicant": make_user(),
        "judge_assigned": make_user(Role.JUDGE),
        "judge_unassigned": make_user(Role.JUDGE),
        "judge_conflicted": make_user(Role.JUDGE),
        "judge_named_by_applicant": make_user(Role.JUDGE, full_name="Phạm Thị Tránh"),
        "judge_round_closed": make_user(Role.JUDGE),
        "judge_proposed_only": make_user(Role.JUDGE),
        "organizer": make_user(Role.ORGANIZER),
    }
    for name in ("judge_assigned", "judge_conflicted", "judge_named_by_applicant"):
        db.session.add(Assignment(round_id=first_round.id, judge_id=people[name].id, entry_id=entry.id,
                                  state="active"))
    db.session.add(Assignment(round_id=edition.rounds[1].id, judge_id=people["judge_round_closed"].id,
                              entry_id=entry.id, state="active"))
    db.session.add(Assignment(round_id=first_round.id, judge_id=people["judge_proposed_only"].id,
                              entry_id=entry.id, state="proposed"))
    declare_conflict(people["judge_conflicted"], source=ConflictSource.JUDGE, entry=entry, reason="Người quen")
    entry.conflict_declarations.append(EntryConflictDeclaration(person_name="Phạm Thị Tránh"))
    db.session.commit()
    return entry, people


ALLOWED = {"owner", "judge_assigned", "organizer"}
EVERYONE = ["owner", "other_applicant", "judge_assigned", "judge_unassigned", "judge_conflicted",
            "judge_named_by_applicant", "judge_round_closed", "judge_proposed_only", "organizer"]


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_download_a_file(world, auth, client, who):
    entry, people = world
    attachment = entry.attachments[0]
    auth.as_(people[who])
    response = client.get(f"/bai-du-thi/tep/{attachment.id}")
    if who in ALLOWED:
        assert response.status_code == 200
        assert response.data == tiny_pdf()
    else:
        assert response.status_code == 404
    assert can_view_entry(people[who], entry) is (who in ALLOWED)
    page = client.get(f"/bai-du-thi/{entry.id}")
    assert page.status_code == (200 if who in ALLOWED else 404)


def test_anonymous_visitor_gets_404_for_a_file(world, client):
    entry, _ = world
    assert client.get(f"/bai-du-thi/tep/{entry.attachments[0].id}").status_code == 404
    assert client.get("/bai-du-thi/tep/999999").status_code == 404


def test_loader_raises_404_for_others(world):
    from werkzeug.exceptions import NotFound

    entry, people = world
    attachment_id = entry.attachments[0].id
    assert get_attachment_for(people["organizer"], attachment_id).id == attachment_id
    with pytest.raises(NotFound):
        get_attachment_for(people["judge_unassigned"], attachment_id)


def test_judge_and_organizer_may_read_but_not_edit(world, auth, client):
    entry, people = world
    for who in ("judge_assigned", "organizer"):
        auth.as_(people[who])
        assert client.get(f"/bai-du-thi/{entry.id}/sua").status_code == 403
        assert client.post(f"/bai-du-thi/{entry.id}/nop").status_code == 403
        auth.logout()


def test_local_download_headers_keep_the_vietnamese_name_and_never_sniff(world, auth, client):
    entry, people = world
    auth.as_(people["owner"])
    response = client.get(f"/bai-du-thi/tep/{entry.attachments[0].id}")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''Thuy%E1%BA%BFt%20minh" in disposition
    assert 'filename="Thuyet minh - Dong Hy.pdf"' in disposition or 'filename="Thuyet minh' in disposition


def test_office_documents_are_downloaded_as_attachments(world, auth, client):
    entry, people = world
    attachment = entry.attachments[0]
    attachment.content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    db.session.commit()
    auth.as_(people["owner"])
    response = client.get(f"/bai-du-thi/tep/{attachment.id}")
    assert response.headers["Content-Disposition"].startswith("attachment;")
