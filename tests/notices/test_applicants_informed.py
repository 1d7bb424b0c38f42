"""Applicants are kept informed: an email and a plain timeline line when their entry advances or stops, when
results are published and when a complaint is decided; no raw event key ever reaches an applicant's page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from contest import rounds
from contest.extensions import db
from contest.models import Entry, Role, User, utcnow
from tests.factories import make_edition, make_entry, make_user
from tests.results.helpers import add_sheet, make_judges

RAW_KEY = re.compile(r"\b(entry|personal_data|results|complaint|certificate|round|score_sheet|vote|award)"
                     r"\.[a-z_]+\b")


def _closed_preliminary():
    edition = make_edition()
    preliminary, final = edition.rounds
    final.opens_at = utcnow() + timedelta(days=20)
    final.closes_at = utcnow() + timedelta(days=21)
    judges = make_judges(2)
    strong = make_entry(make_user(Role.APPLICANT, full_name="Tác giả Mạnh"), edition, status="eligible",
                        category_code="cntt", title="Giải pháp mạnh")
    weak = make_entry(make_user(Role.APPLICANT, full_name="Tác giả Yếu"), edition, status="eligible",
                      category_code="cntt", title="Giải pháp yếu")
    for judge in judges:
        add_sheet(preliminary, strong, judge, 70)
        add_sheet(preliminary, weak, judge, 30)
    preliminary.status = "open"
    db.session.commit()
    rounds.close_round(preliminary)
    db.session.commit()
    return edition, preliminary, final, strong, weak


def test_advanced_and_eliminated_applicants_get_an_email_and_a_plain_timeline_line(app, auth, mailbox):
    edition, preliminary, final, strong, weak = _closed_preliminary()
    rounds.advance_entries(preliminary, "top_n", top_n=1)
    db.session.commit()
    to_strong = [m for m in mailbox if strong.owner.email in m.recipients]
    to_weak = [m for m in mailbox if weak.owner.email in m.recipients]
    assert len(to_strong) == 1 and "vòng tiếp theo" in to_strong[0].subject
    assert "Vòng chung khảo" in to_strong[0].body and final.opens_at.astimezone().strftime("%Y") in to_strong[0].body
    assert len(to_weak) == 1 and "dừng lại ở Vòng sơ khảo" in to_weak[0].body
    # Deciding again with the same outcome sends nothing new.
    rounds.advance_entries(preliminary, "top_n", top_n=1)
    db.session.commit()
    assert len([m for m in mailbox if strong.owner.email in m.recipients]) == 1

    page = auth.as_(strong.owner).get(f"/bai-du-thi/{strong.id}").get_data(as_text=True)
    assert "Vượt qua vòng thi, được vào vòng tiếp theo" in page and "Vòng sơ khảo" in page
    assert not RAW_KEY.search(page)
    auth.logout()
    page = auth.as_(weak.owner).get(f"/bai-du-thi/{weak.id}").get_data(as_text=True)
    assert "Dừng lại sau vòng thi, không vào vòng tiếp theo" in page and not RAW_KEY.search(page)


def test_an_english_speaking_applicant_is_emailed_in_english(app, mailbox):
    edition, preliminary, final, strong, weak = _closed_preliminary()
    strong.owner.locale = "en"
    db.session.commit()
    rounds.advance_entries(preliminary, "top_n", top_n=1)
    db.session.commit()
    mail = next(m for m in mailbox if strong.owner.email in m.recipients)
    assert "Dear" in mail.body and "Kính gửi" not in mail.body


def test_no_raw_event_key_on_any_page_of_the_demo_applicants(app, client):
    from contest.demo import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["contest", "seed-demo"])
    # An organizer opening an entry's personal details leaves an event on it too.
    client.post("/tai-khoan/dang-nhap", data={"email": "btc@demo.vn", "password": DEMO_PASSWORD})
    for entry_id in db.session.scalars(select(Entry.id)):
        client.get(f"/quan-tri/bai-du-thi/{entry_id}")
    client.post("/tai-khoan/dang-xuat")
    applicants = db.session.scalars(select(User).where(User.email.in_(
        ["tacgia@demo.vn", "nhom.sv@demo.vn", "doanhnghiep@demo.vn", "hoptacxa@demo.vn"]))).all()
    seen_lines = set()
    for applicant in applicants:
        assert client.post("/tai-khoan/dang-nhap", data={"email": applicant.email, "password": DEMO_PASSWORD}
                           ).status_code == 302
        pages = ["/bai-du-thi/", "/", "/ket-qua"]
        for entry in db.session.scalars(select(Entry).where(Entry.owner_id == applicant.id)):
            pages += [f"/bai-du-thi/{entry.id}", f"/ket-qua/bai/{entry.id}"]
        for path in pages:
            html = client.get(path, follow_redirects=True).get_data(as_text=True)
            found = RAW_KEY.search(html)
            assert found is None, f"{path} shows {found.group(0)}"
            seen_lines.update(re.findall(r"<strong>([^<]+)</strong>", html))
        client.post("/tai-khoan/dang-xuat")
    # The demo's story reaches the applicants' timelines in plain words.
    for line in ("Ban tổ chức thẩm định hồ sơ", "Vượt qua vòng thi, được vào vòng tiếp theo",
                 "Dừng lại sau vòng thi, không vào vòng tiếp theo", "Ban tổ chức thông báo lịch thuyết trình",
                 "Ban tổ chức công bố kết quả",
                 "Ban tổ chức giải quyết khiếu nại", "Kết quả chính thức"):
        assert line in seen_lines, line
