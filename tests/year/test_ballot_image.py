"""Issue 20: the ballot shows the product photo an applicant uploaded and agreed to make public."""

from __future__ import annotations

import re

from contest import votes
from contest.extensions import db
from contest.models import Attachment, EntryRound, EntryStatus
from tests.entries.helpers import kind, tiny_pdf, tiny_png, upload
from tests.factories import make_edition, make_entry, make_user
from tests.votes.helpers import window


def test_ballot_shows_the_uploaded_product_photo_of_a_consenting_entry(client, auth, app):
    edition = make_edition()
    applicant = make_user(full_name="Hoàng Văn Ảnh")
    entry = make_entry(applicant, edition, title="Máy sấy chè năng lượng mặt trời", public_consent=True)
    auth.as_(applicant)
    photo = tiny_png()
    assert upload(client, entry, kind(edition, "hinh_anh"), photo, "may-say.png").status_code == 302
    assert upload(client, entry, kind(edition, "phieu_dang_ky"), tiny_pdf(), "phieu.pdf").status_code == 302
    auth.logout()

    entry.status = EntryStatus.ELIGIBLE.value
    db.session.add(EntryRound(entry=entry, round=edition.rounds[0]))
    opens, closes = window()
    period = votes.open_voting_period(edition.rounds[0], opens, closes, public_fields=["title", "images"])
    db.session.commit()

    ballot = client.get(f"/binh-chon/{period.id}").get_data(as_text=True)
    sources = re.findall(r'<img class="vote-thumb" src="([^"]+)"', ballot)
    picture = db.session.scalars(db.select(Attachment).where(Attachment.content_type == "image/png")).one()
    assert sources == [f"/binh-chon/{period.id}/anh/{picture.id}"]
    response = client.get(sources[0])
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data == photo
    # The registration form (a PDF) stays private.
    form = db.session.scalars(db.select(Attachment).where(Attachment.content_type == "application/pdf")).one()
    assert client.get(f"/binh-chon/{period.id}/anh/{form.id}").status_code == 404


def test_a_photo_missing_from_storage_is_404_not_an_error(client, auth, app):
    from contest.storage import get_store

    edition = make_edition()
    applicant = make_user()
    entry = make_entry(applicant, edition, public_consent=True)
    auth.as_(applicant)
    assert upload(client, entry, kind(edition, "hinh_anh"), tiny_png(), "anh.png").status_code == 302
    entry.status = EntryStatus.ELIGIBLE.value
    db.session.add(EntryRound(entry=entry, round=edition.rounds[0]))
    opens, closes = window()
    period = votes.open_voting_period(edition.rounds[0], opens, closes, public_fields=["title", "images"])
    db.session.commit()
    picture = db.session.scalars(db.select(Attachment)).one()
    assert picture.public
    client.get(f"/binh-chon/{period.id}/anh/{picture.id}")  # served once (and cached by browsers) ...
    get_store().delete(picture.storage_key)
    assert client.get(f"/binh-chon/{period.id}/anh/{picture.id}").status_code == 404  # ... then gone
