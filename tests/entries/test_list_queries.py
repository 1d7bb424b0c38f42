"""The organizers' entry list costs the same few queries for a handful of entries or a full page."""

from __future__ import annotations

from contest.extensions import db
from contest.models import Role
from tests.factories import make_edition, make_entry, make_user
from tests.querycount import counted_statements


def _add_entries(edition, first: int, last: int) -> None:
    categories = ["cntt", "nong_nghiep", "y_duoc"]
    for i in range(first, last):
        owner = make_user(full_name=f"Phạm Thị Tác Giả {i}")
        entry = make_entry(owner, edition, status="submitted", category_code=categories[i % 3],
                           organization=f"HTX số {i}")
        if i % 2:  # an entry with no author listed shows its owner instead
            entry.members = []
    db.session.commit()


def _statements_for_list(client, edition_id: int) -> tuple[int, str]:
    db.session.expunge_all()
    with counted_statements() as statements:
        page = client.get(f"/quan-tri/bai-du-thi?edition={edition_id}").get_data(as_text=True)
    return len(statements), page


def test_entry_list_loads_authors_owners_and_categories_with_the_page(app, auth, client) -> None:
    edition = make_edition()
    auth.as_(make_user(Role.ORGANIZER))
    _add_entries(edition, 0, 3)
    small, page = _statements_for_list(client, edition.id)
    assert page.count('data-test="entry-row"') == 3
    assert "Phạm Thị Tác Giả 0" in page and "Phạm Thị Tác Giả 1" in page
    edition_id = edition.id
    _add_entries(db.session.get(type(edition), edition_id), 3, 20)
    larger, page = _statements_for_list(client, edition_id)
    assert page.count('data-test="entry-row"') == 20
    assert "Phạm Thị Tác Giả 19" in page
    assert larger == small
    assert small == 9
