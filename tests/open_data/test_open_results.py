"""Open results: published result sets as CSV and JSON at stable public URLs, with the SHA-256 of their
frozen inputs; nothing unpublished is ever in them."""

from __future__ import annotations

import csv
import io

from contest import results
from contest.extensions import db
from tests.complaints.helpers import published_contest


def test_the_published_list_is_open_data_with_its_input_hash(app, client):
    rs, entries, _ = published_contest()
    slug = rs.edition.slug
    page = client.get("/ket-qua").get_data(as_text=True)
    assert f"/du-lieu-mo/{slug}/ket-qua.csv" in page and f"/du-lieu-mo/{slug}/ket-qua.json" in page

    document = client.get(f"/du-lieu-mo/{slug}/ket-qua.json").get_json()
    [published] = document["result_sets"]
    assert published["id"] == rs.id and published["input_sha256"] == rs.input_hash and len(rs.input_hash) == 64
    winners = {a.entry.reference_code for a in rs.awards if a.level is not None}
    assert {a["reference_code"] for a in published["awards"]} == winners
    first = next(a for a in published["awards"] if a["reference_code"] == entries["A"].reference_code)
    assert first["title"] == entries["A"].title and first["award"] == "Giải Nhất" and first["rank"] == 1

    text = client.get(f"/du-lieu-mo/{slug}/ket-qua.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["reference_code"] for r in rows} == winners
    assert {r["input_sha256"] for r in rows} == {rs.input_hash}


def test_nothing_unpublished_is_ever_in_the_open_data(app, client):
    rs, entries, organizer = published_contest()
    slug = rs.edition.slug
    # A working computation of the same round is never published data.
    draft = results.compute_result_set(rs.round, method="raw", actor=organizer)
    db.session.commit()
    document = client.get(f"/du-lieu-mo/{slug}/ket-qua.json").get_json()
    assert [s["id"] for s in document["result_sets"]] == [rs.id]
    assert draft.id not in [s["id"] for s in document["result_sets"]]
    # Unpublished: gone from both files at once.
    results.unpublish_results(rs, "Sai sót khi nhập điểm", organizer)
    db.session.commit()
    assert client.get(f"/du-lieu-mo/{slug}/ket-qua.json").get_json()["result_sets"] == []
    text = client.get(f"/du-lieu-mo/{slug}/ket-qua.csv").data.decode("utf-8-sig")
    assert text.strip().count("\n") == 0  # the header only
    assert entries["A"].title not in text


def test_an_unknown_edition_has_no_open_data(app, client):
    assert client.get("/du-lieu-mo/khong-co/ket-qua.json").status_code == 404
    assert client.get("/du-lieu-mo/khong-co/ket-qua.xml").status_code == 404
