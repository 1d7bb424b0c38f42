"""The showcase (kỷ yếu): only winners of finalized results whose applicant agreed at submission."""

from __future__ import annotations

import subprocess
from datetime import timedelta

from sqlalchemy import select

from contest import results, showcase
from contest.extensions import db
from contest.models import Role, ShowcaseConsent
from tests.complaints.helpers import published_contest
from tests.factories import make_edition, make_entry, make_user


def test_applicant_chooses_the_showcase_at_submission(app, auth):
    edition = make_edition()
    owner = make_user(Role.APPLICANT)
    entry = make_entry(owner, edition, category_code="cntt", title="Máy sấy chè")
    for kind in edition.attachment_kinds:
        kind.required = False
    db.session.commit()
    client = auth.as_(owner)
    page = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    assert 'name="showcase_consent"' in page
    assert client.post(f"/bai-du-thi/{entry.id}/nop", data={"showcase_consent": "y"}).status_code == 302
    row = db.session.get(ShowcaseConsent, entry.id)
    assert row is not None and row.consent is True
    timeline = client.get(f"/bai-du-thi/{entry.id}").get_data(as_text=True)
    assert "Chọn có giới thiệu giải pháp trong kỷ yếu hay không" in timeline


def test_only_consenting_winners_of_finalized_results_are_shown(app, client, tmp_path):
    rs, entries, organizer = published_contest()
    slug = rs.edition.slug
    for label in ("A", "B", "E"):
        showcase.record_consent(entries[label], True, actor=entries[label].owner)
    showcase.record_consent(entries["C"], False, actor=entries["C"].owner)
    db.session.commit()
    # Published but not final: nothing yet.
    page = client.get(f"/ky-yeu/{slug}").get_data(as_text=True)
    assert 'data-test="showcase-empty"' in page and entries["A"].title not in page

    results.finalize_results(rs, organizer, now=rs.complaint_ends_at + timedelta(minutes=1))
    db.session.commit()
    winners = {a.entry_id for a in rs.awards if a.level is not None}
    expected = {entries[k].id for k in ("A", "B", "E")} & winners
    page = client.get(f"/ky-yeu/{slug}").get_data(as_text=True)
    shown = {item.entry.id for item in showcase.showcase(rs.edition)}
    assert shown == expected and expected
    assert entries["A"].title in page and entries["C"].title not in page and entries["D"].title not in page
    assert entries["E"].id not in winners or entries["E"].title in page

    booklet = client.get(f"/ky-yeu/{slug}/ky-yeu.pdf")
    assert booklet.status_code == 200 and booklet.data.startswith(b"%PDF")
    path = tmp_path / "ky-yeu.pdf"
    path.write_bytes(booklet.data)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "KỶ YẾU CÁC GIẢI PHÁP ĐOẠT GIẢI" in text and entries["A"].title in text
    assert entries["C"].title not in text
    assert db.session.scalar(select(ShowcaseConsent).where(ShowcaseConsent.entry_id == entries["D"].id)) is None
