"""The final round's presentation session: when the organizer sets or changes its time and place, every
applicant whose entry is in the round is emailed in their language and reads a plain line on the entry's
timeline; applicants who advance later read the schedule in the email that tells them so."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from contest import editions, rounds
from contest.extensions import db
from contest.models import Role
from tests.factories import make_user
from tests.notices.test_applicants_informed import RAW_KEY, _closed_preliminary


def _round_form(round_, **changes):
    """The round's settings page as the organizer submits it, criteria rows included."""
    form = {"name": round_.name, "mode": round_.mode, "judges_per_entry": str(round_.judges_per_entry),
            "scale": str(round_.scale), "advancement_rule": round_.advancement_rule,
            "advance_top_n": str(round_.advance_top_n or ""), "disagreement_percent": "10",
            "opens_at": "", "closes_at": "", "presentation_at": "", "presentation_place": ""}
    for i, c in enumerate(round_.criteria):
        form.update({f"row-{i}-id": str(c.id), f"row-{i}-key": c.key, f"row-{i}-name": c.name,
                     f"row-{i}-weight": str(c.weight), f"row-{i}-min_score": str(c.min_score),
                     f"row-{i}-max_score": str(c.max_score), f"row-{i}-step": str(c.step)})
    form.update(changes)
    return form


def _advanced_to_final():
    edition, preliminary, final, strong, weak = _closed_preliminary()
    final.opens_at = final.closes_at = None
    rounds.advance_entries(preliminary, "top_n", top_n=1)
    db.session.commit()
    return edition, final, strong, weak


def test_organizer_sets_the_final_schedule_and_the_finalists_are_told_when_and_where(app, auth, mailbox):
    edition, final, strong, weak = _advanced_to_final()
    organizer = make_user(Role.ORGANIZER)
    sent_before = len(mailbox)
    client = auth.as_(organizer)
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{final.id}", data=_round_form(
        final, presentation_at="2025-12-05T08:30", presentation_place="Hội trường Sở Khoa học và Công nghệ"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(final)
    # 08:30 in Thái Nguyên is 01:30 UTC.
    assert final.presentation_at == datetime(2025, 12, 5, 1, 30, tzinfo=UTC)

    told = mailbox[sent_before:]
    assert [m.recipients for m in told] == [[strong.owner.email]]  # the eliminated entry's author hears nothing
    mail = told[0]
    assert "Lịch thuyết trình Vòng chung khảo" in mail.subject and strong.reference_code in mail.subject
    assert "Thời gian: 05/12/2025 08:30" in mail.body
    assert "Địa điểm: Hội trường Sở Khoa học và Công nghệ" in mail.body
    assert "Kính gửi Tác giả Mạnh" in mail.body

    auth.logout()
    page = auth.as_(strong.owner).get(f"/bai-du-thi/{strong.id}").get_data(as_text=True)
    assert "Ban tổ chức thông báo lịch thuyết trình" in page
    assert "Vòng chung khảo: 05/12/2025 08:30, tại Hội trường Sở Khoa học và Công nghệ" in page
    assert not RAW_KEY.search(page)


def test_a_changed_place_is_announced_again_with_the_old_schedule_withdrawn(app, mailbox):
    edition, final, strong, weak = _advanced_to_final()
    when = datetime(2025, 12, 5, 1, 30, tzinfo=UTC)
    editions.update_round(final, {"presentation_at": when, "presentation_place": "Hội trường A"})
    db.session.commit()
    sent_before = len(mailbox)
    # Saving the same schedule again tells nobody anything new.
    editions.update_round(final, {"presentation_at": when, "presentation_place": "Hội trường A", "scale": 100})
    db.session.commit()
    assert len(mailbox) == sent_before

    editions.update_round(final, {"presentation_place": "Nhà văn hóa tỉnh"})
    db.session.commit()
    told = mailbox[sent_before:]
    assert len(told) == 1 and "Thay đổi lịch thuyết trình" in told[0].subject
    assert "Hội trường A" in told[0].body and "không còn hiệu lực" in told[0].body
    assert "Địa điểm: Nhà văn hóa tỉnh" in told[0].body

    from contest.entries import entry_timeline

    with app.test_request_context("/"):
        lines = [(item.label, item.detail) for item in entry_timeline(strong)]
    assert ("Ban tổ chức thay đổi lịch thuyết trình",
            "Vòng chung khảo: 05/12/2025 08:30, tại Nhà văn hóa tỉnh") in lines


def test_an_english_speaking_finalist_reads_the_schedule_in_english(app, mailbox):
    edition, final, strong, weak = _advanced_to_final()
    strong.owner.locale = "en"
    db.session.commit()
    sent_before = len(mailbox)
    editions.update_round(final, {"presentation_at": datetime(2025, 12, 5, 1, 30, tzinfo=UTC),
                                  "presentation_place": "Hội trường A"})
    db.session.commit()
    mail = mailbox[sent_before]
    assert "Dear" in mail.body and "Kính gửi" not in mail.body
    assert "Venue: Hội trường A" in mail.body and "05/12/2025 08:30" in mail.body


def test_a_schedule_set_before_advancement_reaches_the_finalists_in_the_advancement_email(app, mailbox):
    edition, preliminary, final, strong, weak = _closed_preliminary()
    editions.update_round(final, {"presentation_at": datetime(2025, 12, 5, 1, 30, tzinfo=UTC),
                                  "presentation_place": "Hội trường A"})
    db.session.commit()
    assert mailbox == []  # nobody is in the final round yet
    rounds.advance_entries(preliminary, "top_n", top_n=1)
    db.session.commit()
    mail = next(m for m in mailbox if strong.owner.email in m.recipients)
    assert re.search(r"Buổi thuyết trình Vòng chung khảo: 05/12/2025 08:30 .*Hội trường A", mail.body)


def test_a_time_without_a_place_is_refused_on_the_settings_page(app, auth, mailbox):
    edition, final, strong, weak = _advanced_to_final()
    sent_before = len(mailbox)
    client = auth.as_(make_user(Role.ORGANIZER))
    response = client.post(f"/quan-tri/cuoc-thi/{edition.id}/vong-thi/{final.id}",
                           data=_round_form(final, presentation_at="2025-12-05T08:30"))
    assert response.status_code == 422
    assert "Vui lòng nhập địa điểm của buổi thuyết trình." in response.get_data(as_text=True)
    db.session.refresh(final)
    assert final.presentation_at is None and len(mailbox) == sent_before
    with pytest.raises(editions.InvalidInput, match="cả thời gian và địa điểm"):
        editions.update_round(final, {"presentation_place": "Hội trường A"})
