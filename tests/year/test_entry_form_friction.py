"""Issue 20, the applicant's entry form: read-only once submitted, refusals that land on the form, an optional
video link that says so, and ids that do not repeat."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from contest.extensions import db
from contest.models import Attachment, EntryMember, EntryStatus
from tests.entries.helpers import kind, padded_pdf, tiny_pdf, tiny_png, upload
from tests.factories import make_edition, make_entry, make_user


class _Page(HTMLParser):
    """Every id on the page, and the form controls inside the element whose data-test is ``scope``."""

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.scope = scope
        self._depth = 0  # >0 while inside the scoped element (a form: forms do not nest)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if self.scope and attributes.get("data-test") == self.scope:
            self._depth = 1
            return
        if self._depth:
            if tag in ("input", "select", "textarea", "button"):
                self.controls.append({"tag": tag, **attributes})
            if tag == "fieldset":
                self.controls.append({"tag": tag, **attributes})

    def handle_endtag(self, tag):
        if self._depth and tag == "form":
            self._depth = 0


def _parse(html: str, scope: str | None = None) -> _Page:
    parser = _Page(scope)
    parser.feed(html)
    return parser


@pytest.fixture
def applicant(app):
    return make_user(full_name="Trần Thị Nộp Bài")


@pytest.fixture
def submitted(applicant):
    return make_entry(applicant, make_edition(), status=EntryStatus.SUBMITTED.value, title="Máy sấy chè")


@pytest.fixture
def draft(applicant):
    return make_entry(applicant, make_edition(), title="Máy sấy chè")


def test_submitted_entry_opens_read_only_with_the_reason(client, auth, applicant, submitted):
    auth.as_(applicant)
    html = client.get(f"/bai-du-thi/{submitted.id}/sua").get_data(as_text=True)
    assert "Bài dự thi đã nộp nên không thể sửa" in html
    assert "chỉ để xem" in html
    controls = _parse(html, scope="entry-form").controls
    assert any(c["tag"] == "fieldset" and "disabled" in c for c in controls)  # every field inside is disabled
    assert not any(c["tag"] == "button" for c in controls)  # no save button
    assert 'data-test="member-form"' not in html and 'data-test="conflict-form"' not in html
    assert "/tac-gia/" not in html  # no ↑↓ or remove buttons for authors


@pytest.mark.parametrize(("path", "data"), [
    ("sua", {"title": "Tên mới", "version": "1"}),
    ("tac-gia", {"full_name": "Người Thêm Sau"}),
    ("xung-dot", {"organization": "Công ty Chè Tân Cương"}),
])
def test_saving_a_submitted_entry_shows_its_page_again_with_the_reason(client, auth, applicant, submitted,
                                                                       path, data):
    auth.as_(applicant)
    response = client.post(f"/bai-du-thi/{submitted.id}/{path}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-test="problem"' not in html  # not the bare refusal page
    assert 'data-test="entry-form"' in html and 'data-test="refusal"' in html
    assert "Bài dự thi đã nộp nên không thể sửa" in html
    db.session.refresh(submitted)
    assert submitted.title == "Máy sấy chè"
    assert db.session.query(EntryMember).filter_by(entry_id=submitted.id).count() == 1


def test_refused_large_upload_shows_the_form_with_the_message_and_keeps_the_draft(client, auth, applicant,
                                                                                  draft):
    registration = kind(draft.edition, "phieu_dang_ky")
    registration.max_size_bytes = 64 * 1024
    db.session.commit()
    auth.as_(applicant)
    response = upload(client, draft, registration, padded_pdf(64 * 1024 + 1))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'data-test="problem"' not in html
    assert 'data-test="refusal"' in html and "vượt quá" in html
    assert 'data-test="entry-form"' in html and "Máy sấy chè" in html  # the draft's form, as it was
    assert 'data-test="upload-phieu_dang_ky"' in html  # and the upload form, to try again
    assert db.session.query(Attachment).count() == 0
    assert draft.status == EntryStatus.DRAFT.value


def test_refused_file_type_shows_the_form_with_the_message(client, auth, applicant, draft):
    auth.as_(applicant)
    response = upload(client, draft, kind(draft.edition, "phieu_dang_ky"), tiny_png(), "anh-doi-ten.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 415
    assert 'data-test="refusal"' in html and "Định dạng tệp không được chấp nhận" in html
    assert 'data-test="entry-form"' in html
    # A good file afterwards is accepted as usual.
    assert upload(client, draft, kind(draft.edition, "phieu_dang_ky"), tiny_pdf()).status_code == 302


def test_optional_video_link_is_not_marked_required(client, auth, applicant, draft):
    video = kind(draft.edition, "video")
    assert video.allows_link and not video.required
    auth.as_(applicant)
    html = client.get(f"/bai-du-thi/{draft.id}/sua").get_data(as_text=True)
    link_form = html[html.index(f'/lien-ket/{video.id}"'):]
    link_form = link_form[:link_form.index("</form>")]
    assert 'class="req"' not in link_form and " required" not in link_form
    assert "Không bắt buộc" in link_form
    # Sending the small form empty still explains what is missing.
    response = client.post(f"/bai-du-thi/{draft.id}/lien-ket/{video.id}", data={"url": ""})
    assert response.status_code == 422
    assert "Vui lòng dán liên kết video" in response.get_data(as_text=True)


def test_entry_edit_page_repeats_no_id(client, auth, applicant, draft):
    auth.as_(applicant)
    client.post(f"/bai-du-thi/{draft.id}/xung-dot", data={"organization": "Công ty Chè Tân Cương"})
    html = client.get(f"/bai-du-thi/{draft.id}/sua").get_data(as_text=True)
    ids = _parse(html).ids
    repeated = {value: n for value, n in Counter(ids).items() if n > 1}
    assert ids and not repeated, repeated
    # Every label still points at its field.
    for label_for in {value for value in ids if value.startswith(("member-", "conflict-", "link-"))}:
        assert f'for="{label_for}"' in html or label_for.endswith("csrf_token")
