"""Demo data that tells a whole contest year.

Two editions, built with the contest's own operations so that every number on
every page is consistent with the audit trail:

* 2024, finished: entries submitted and screened, a preliminary round scored by
  assigned judges, six judges on the final panel (one lenient, one erratic)
  whose sheets the engine calibrates into the ranking, a public vote with its
  frozen tally, the committee's approvals, results published, one complaint
  settled, results finalized, certificates ready to print.
* 2025, in full swing: entries submitted and screened, the preliminary round
  open with judges holding their assigned entries (some sheets drafted, some
  submitted) and the public vote open.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from contest import (
    approvals,
    assignments,
    audit,
    complaints,
    editions,
    entries,
    results,
    rounds,
    scoring,
    showcase,
    votes,
)
from contest.extensions import db
from contest.mail import discard_pending_messages
from contest.models import (
    ApplicantProfile,
    Assignment,
    AssignmentState,
    AuditEvent,
    Edition,
    EditionStatus,
    Entry,
    JudgeProfile,
    Locality,
    Role,
    Round,
    User,
    Voter,
    utcnow,
)
from contest.passwords import hash_password

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DEMO_SLUG = "2025"
PAST_SLUG = "2024"
DEMO_PASSWORD = "Demo2025thainguyen"

LOCALITIES = [
    ("Phường Phan Đình Phùng", "phường"), ("Phường Quyết Thắng", "phường"), ("Phường Gia Sàng", "phường"),
    ("Phường Tích Lương", "phường"), ("Phường Sông Công", "phường"), ("Phường Phổ Yên", "phường"),
    ("Phường Đức Xuân", "phường"), ("Xã Đại Từ", "xã"), ("Xã Định Hóa", "xã"), ("Xã Phú Bình", "xã"),
    ("Xã Võ Nhai", "xã"), ("Xã Chợ Mới", "xã"), ("Xã Ba Bể", "xã"), ("Xã Ngân Sơn", "xã"),
]

JUDGES = [
    ("gk.cntt@demo.vn", "PGS.TS. Nguyễn Văn Hùng", "Đại học Thái Nguyên", ["cntt"], "chuyển đổi số;IoT;phần mềm"),
    ("gk.cokhi@demo.vn", "TS. Trần Thị Lan", "Trường Đại học Kỹ thuật Công nghiệp", ["co_khi", "vat_lieu"],
     "tự động hóa;cơ khí"),
    ("gk.nongnghiep@demo.vn", "TS. Hoàng Minh Đức", "Trường Đại học Nông Lâm", ["nong_nghiep"], "chè;nông nghiệp sạch"),
    ("gk.yduoc@demo.vn", "BS.CKII. Lê Thu Hà", "Bệnh viện Trung ương Thái Nguyên", ["y_duoc"], "y tế;dược liệu"),
    ("gk.giaoduc@demo.vn", "ThS. Phạm Quang Vinh", "Sở Giáo dục và Đào tạo", ["giao_duc"], "giáo dục;STEM"),
    ("gk.nangluong@demo.vn", "TS. Đỗ Thanh Bình", "Viện Năng lượng", ["vat_lieu", "co_khi"], "năng lượng tái tạo"),
]

COMMITTEE = [
    ("hd.truongban@demo.vn", "Ông Vũ Đức Thắng", "Trưởng ban"),
    ("hd.phoban@demo.vn", "Bà Ngô Thị Mai", "Phó trưởng ban"),
    ("hd.uyvien@demo.vn", "Ông Bùi Văn Nam", "Ủy viên"),
]

APPLICANTS = [
    ("tacgia@demo.vn", "Nguyễn Thị Hoa", "individual", None),
    ("nhom.sv@demo.vn", "Lưu Minh Khôi", "student", "Trường Đại học Công nghệ Thông tin và Truyền thông"),
    ("doanhnghiep@demo.vn", "Đặng Văn Tuấn", "enterprise", "Công ty TNHH Chè Tân Cương Xanh"),
    ("hoptacxa@demo.vn", "Triệu Thị Mến", "group", "Hợp tác xã Dược liệu Ba Bể"),
]

ENTRIES = [
    # (applicant index, category code, title, summary, status, reason)
    (0, "nong_nghiep", "Máy sao chè mini tiết kiệm điện cho hộ gia đình",
     "Cải tiến máy sao chè quay tay thành máy dùng điện có cảm biến nhiệt, giảm 30 % điện năng.", "eligible", None),
    (0, "nong_nghiep", "Quy trình ủ phân hữu cơ từ bã chè", "Tận dụng bã chè làm phân bón vi sinh.", "draft", None),
    (1, "cntt", "Ứng dụng nhận diện sâu bệnh trên lá chè bằng trí tuệ nhân tạo",
     "Ứng dụng điện thoại chụp lá chè và gợi ý cách xử lý sâu bệnh, chạy được khi không có mạng.", "eligible", None),
    (1, "giao_duc", "Bộ học liệu STEM lắp ráp robot từ vật liệu tái chế",
     "Bộ dụng cụ giá rẻ cho học sinh vùng cao học lập trình và cơ khí.", "submitted", None),
    (2, "nong_nghiep", "Hệ thống tưới nhỏ giọt thông minh cho đồi chè Tân Cương",
     "Cảm biến độ ẩm đất và van điện từ điều khiển qua điện thoại, tiết kiệm 40 % nước.", "eligible", None),
    (2, "co_khi", "Dây chuyền đóng gói chè tự động quy mô hợp tác xã",
     "Cải tiến dây chuyền đóng gói, tăng năng suất gấp ba với chi phí thấp.", "eligible", None),
    (3, "y_duoc", "Quy trình chiết xuất tinh dầu gừng gió Ba Bể",
     "Chưng cất tinh dầu đạt chuẩn cơ sở, nâng giá trị dược liệu bản địa.", "eligible", None),
    (3, "y_duoc", "Bài thuốc xông hơi từ lá thuốc người Dao", "Đóng gói bài thuốc truyền thống theo tiêu chuẩn.",
     "ineligible", "Giải pháp đã đoạt giải thưởng cấp tỉnh hoặc cấp quốc gia."),
    (2, "vat_lieu", "Lò sấy chè dùng năng lượng mặt trời kết hợp sinh khối",
     "Giảm 60 % than củi khi sấy chè, ổn định chất lượng.", "submitted", None),
    (1, "cntt", "Cổng thông tin số hóa hồ sơ thủ tục cấp xã", "Số hóa và tra cứu hồ sơ hành chính.", "withdrawn", None),
    (0, "giao_duc", "Mô hình thư viện sách nói cho người khiếm thị",
     "Thu âm sách giáo khoa bằng giọng tình nguyện viên.", "eligible", None),
    (3, "nong_nghiep", "Mô hình trồng nấm dưới tán rừng", "Tận dụng tán rừng trồng nấm linh chi.", "draft", None),
]




@cache
def _demo_password_hash() -> str:
    # Every demo account has the same published password: hashing it once halves the seeding time.
    return hash_password(DEMO_PASSWORD)


def _user(email: str, name: str, roles: list[Role], verified: bool = True) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=name, password_hash=_demo_password_hash())
        db.session.add(user)
    for role in roles:
        user.add_role(role)
    if verified:
        user.email_verified_at = user.email_verified_at or utcnow()
    return user


# The finished 2024 edition: (applicant index, field, title, summary, quality out of 80).
# Quality is what a fair judge would give; the demo's judges add their own habits to it.
PAST_ENTRIES = [
    (2, "nong_nghiep", "Máy vò chè liên hoàn tiết kiệm điện cho làng nghề Tân Cương",
     "Máy vò chè cải tiến dùng biến tần, giảm 35 % điện năng và giữ nguyên chất lượng chè búp.", 72),
    (0, "nong_nghiep", "Bẫy đèn năng lượng mặt trời diệt rầy xanh hại chè",
     "Bẫy đèn tự bật lúc chạng vạng, thu hút và tiêu diệt rầy xanh, giảm một nửa lượng thuốc trừ sâu.", 66),
    (3, "nong_nghiep", "Vườn ươm cây dược liệu dưới tán rừng Ba Bể",
     "Nhân giống cây dược liệu bản địa dưới tán rừng tự nhiên, cây giống sống trên 90 %.", 60),
    (1, "nong_nghiep", "Bản đồ số vùng trồng chè Đại Từ",
     "Bản đồ trực tuyến các vùng chè, tuổi cây và mã vùng trồng.", 48),
    (1, "cntt", "Hệ thống đặt lịch khám bệnh qua Zalo cho trạm y tế xã",
     "Người dân đặt lịch khám, nhận nhắc lịch và kết quả xét nghiệm qua Zalo; trạm y tế bớt cảnh xếp hàng.", 70),
    (0, "cntt", "Ứng dụng tra cứu thủ tục hành chính bằng giọng nói tiếng Tày, Nùng",
     "Người cao tuổi hỏi bằng tiếng mẹ đẻ và nghe hướng dẫn thủ tục hành chính cấp xã.", 64),
    (2, "cntt", "Phần mềm truy xuất nguồn gốc chè bằng mã QR",
     "Mỗi gói chè mang mã QR dẫn tới nhật ký canh tác, ngày hái và nơi chế biến.", 58),
    (3, "cntt", "Trang tin bán hàng dược liệu của hợp tác xã", "Trang bán hàng đơn giản cho hợp tác xã.", 30),
    (3, "y_duoc", "Cao xoa bóp từ gừng gió và quế rừng Ba Bể",
     "Cao xoa bóp làm từ dược liệu bản địa, đạt tiêu chuẩn cơ sở và được bán tại các nhà thuốc trong tỉnh.", 68),
    (0, "y_duoc", "Gối thảo dược hỗ trợ giấc ngủ cho người cao tuổi",
     "Gối nhồi vỏ đậu xanh và lá thảo dược, dễ vệ sinh, giá thấp.", 62),
]

# Judges' habits on the 2024 final panel (index into JUDGES): the sixth is lenient, the fourth erratic.
LENIENT_JUDGE, ERRATIC_JUDGE = 5, 3
LENIENCY, ERRATIC_SPREAD = 8.0, 9.0

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _accounts(now: datetime) -> tuple[list[tuple[str, str, str]], User, list[User], list[User], list[User]]:
    """The organizer, judges, committee members and applicants shared by both editions."""
    for name, kind in LOCALITIES:
        if not db.session.scalar(select(Locality).where(Locality.name == name)):
            db.session.add(Locality(name=name, kind=kind, province="Thái Nguyên"))
    db.session.flush()
    localities = db.session.scalars(select(Locality).order_by(Locality.id)).all()

    accounts = [("Ban tổ chức", "btc@demo.vn", DEMO_PASSWORD)]
    organizer = _user("btc@demo.vn", "Ban tổ chức (Sở KH&CN)", [Role.ORGANIZER])
    judges = []
    for email, name, organization, fields, keywords in JUDGES:
        judge = _user(email, name, [Role.JUDGE])
        if judge.judge_profile is None:
            judge.judge_profile = JudgeProfile(
                organization=organization, expertise_categories=fields, expertise_keywords=keywords,
                max_load=15, profile_completed_at=now,
            )
        judges.append(judge)
        accounts.append(("Giám khảo", email, DEMO_PASSWORD))
    members = []
    for email, name, _title in COMMITTEE:
        members.append(_user(email, name, [Role.COMMITTEE]))
        accounts.append(("Thành viên BTC", email, DEMO_PASSWORD))
    applicants = []
    for i, (email, name, kind, organization) in enumerate(APPLICANTS):
        applicant = _user(email, name, [Role.APPLICANT])
        if applicant.applicant_profile is None:
            applicant.applicant_profile = ApplicantProfile(
                applicant_type=kind, organization=organization, locality_id=localities[i * 3 % len(localities)].id
            )
        applicants.append(applicant)
        accounts.append(("Người dự thi", email, DEMO_PASSWORD))
    db.session.flush()
    return accounts, organizer, judges, members, applicants


def _edition(year: int, slug: str, organizer: User, members: list[User], *, dates: dict[str, datetime],
             windows: list[tuple[datetime, datetime]], decision: str) -> Edition:
    """A new edition on the province's rules with its timeline (``dates``, each round's scoring ``windows``),
    opened for registration."""
    edition = editions.create_edition(
        year, f"Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm {year}",
        name_en=f"“Innovation – For our beloved Thái Nguyên” contest {year}", slug=slug,
    )
    editions.apply_preset(edition, "thai_nguyen_2025")
    editions.update_edition(edition, {
        "description": "Tôn vinh sáng chế, cải tiến kỹ thuật và sáng kiến của người dân, doanh nghiệp, tổ chức "
                       "trên địa bàn tỉnh, triển khai Nghị quyết 57-NQ/TW.",
        "code_prefix": "TN",
        "decision_reference": decision,
        # A small demo council (six judges over six fields) ranks entries across fields, bridged by judges.
        "compare_across_fields": True,
        **dates,
    })
    for round_, (opens, closes) in zip(edition.rounds, windows, strict=True):
        editions.update_round(round_, {"opens_at": opens, "closes_at": closes, "scoring_deadline": closes})
    # The demo's organizer has checked the preset's suggested values against the (made-up) decision.
    for key in list(edition.values_to_confirm or []):
        editions.confirm_value(edition, key)
    editions.open_edition(edition)
    for member, (_email, _name, title) in zip(members, COMMITTEE, strict=True):
        approvals.add_committee_member(edition, member, title, actor=organizer)
    return edition


@contextmanager
def _happened_at(when: datetime) -> Iterator[None]:
    """Date the audit events written inside at ``when``: the demo is written in one go today, but its
    timelines and audit log must tell the year as it would have happened."""
    db.session.flush()
    last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    yield
    db.session.flush()
    db.session.execute(update(AuditEvent).where(AuditEvent.id > last).values(created_at=when))


def _entry(edition: Edition, owner: User, code: str, title: str, summary: str, *, locality: Locality,
           consent: bool, when: datetime) -> Entry:
    """An entry as its applicant makes it: created, filled in, files attached (still a draft)."""
    with _happened_at(when):
        profile = owner.applicant_profile
        kind = profile.applicant_type if profile else "individual"
        category = next(c for c in edition.categories if c.code == code)
        entry = entries.create_entry(owner, edition, category, title=title, applicant_type=kind,
                                     organization=profile.organization if profile else None, now=when)
        db.session.flush()
        entries.update_entry(entry, actor=owner, title=title, summary=summary,
                             description=summary + " Giải pháp đã được áp dụng thử tại địa phương.",
                             applicant_type=kind, organization=entry.organization, category=category,
                             locality=locality, public_consent=consent, now=when)
        if kind in ("group", "enterprise"):
            entries.add_member(entry, actor=owner, full_name="Phạm Thị Thu", role="Đồng tác giả",
                               organization=entry.organization, now=when)
        for attachment_kind in edition.attachment_kinds:
            if attachment_kind.required and "application/pdf" in (attachment_kind.allowed_types or []):
                entries.store_attachment(entry, attachment_kind, actor=owner, filename=f"{attachment_kind.code}.pdf",
                                         chunks=[PDF_BYTES], now=when)
    return entry


def _submit_and_screen(entry: Entry, organizer: User, submitted: datetime, screened: datetime,
                       ineligible_reason: str | None = None) -> None:
    with _happened_at(submitted):
        entries.submit_entry(entry, actor=entry.owner, now=submitted)
        showcase.record_consent(entry, entry.public_consent, actor=entry.owner, now=submitted)
    checks = {c.id: ineligible_reason is None for c in entry.edition.eligibility_checks}
    with _happened_at(screened):
        entries.screen_entry(entry, actor=organizer, passed=checks, eligible=ineligible_reason is None,
                             reason=ineligible_reason, now=screened)


def _split(total: float, criteria: list) -> dict[int, str]:
    """A sheet total spread over the criteria in proportion to their maxima, in half points."""
    scale = sum(float(c.max_score) for c in criteria)
    total = max(0.0, min(scale, total))
    values, left = {}, total
    for i, criterion in enumerate(criteria):
        top = float(criterion.max_score)
        share = left if i == len(criteria) - 1 else round(total * top / scale * 2) / 2
        share = max(0.0, min(top, round(share * 2) / 2))
        values[criterion.id] = f"{share:g}"
        left -= share
    return values


def _active_assignments(round_: Round) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.round_id == round_.id,
                                 Assignment.state == AssignmentState.ACTIVE.value).order_by(Assignment.id)
    ))


def _assign(round_: Round, organizer: User) -> list[Assignment]:
    """Let the engine assign judges, publish the assignment and open scoring."""
    with _happened_at(round_.opens_at):
        assignments.run_assignment(round_, seed=2024, actor=organizer)
        assignments.publish_assignment(round_, actor=organizer)
        rounds.open_round(round_, actor=organizer, now=round_.opens_at)
    return _active_assignments(round_)


def _score(assignment: Assignment, total: float, when: datetime, *, submit: bool = True,
           comment: str | None = None) -> None:
    """The judge's own path: a draft saved, then (when ``submit``) the full sheet submitted."""
    criteria = list(assignment.round.criteria)
    values = _split(total, criteria)
    draft = dict(list(values.items())[:1])
    with _happened_at(when):
        sheet = scoring.save_score_sheet(assignment, scoring.SheetInput(version=0, scores=draft), now=when)
    if submit:
        with _happened_at(when + timedelta(minutes=20)):
            scoring.submit_score_sheet(
                assignment,
                scoring.SheetInput(version=sheet.version, scores=values, comment_to_applicant=comment),
                now=when + timedelta(minutes=20),
            )


def _judge_total(quality: float, judge_index: int, rng: random.Random) -> float:
    if judge_index == LENIENT_JUDGE:
        return quality + LENIENCY + rng.uniform(-1, 1)
    if judge_index == ERRATIC_JUDGE:
        return quality + rng.uniform(-ERRATIC_SPREAD, ERRATIC_SPREAD)
    return quality + rng.uniform(-2, 2)


def _seed_past_edition(now: datetime, organizer: User, judges: list[User], members: list[User],
                       applicants: list[User], localities: list[Locality]) -> Edition:
    """2024 from registration to finalized results."""
    start = now - timedelta(days=400)
    preliminary_opens, final_opens = start + timedelta(days=70), start + timedelta(days=90)
    final_closes = final_opens + timedelta(days=10)
    edition = _edition(
        2024, PAST_SLUG, organizer, members, decision="QĐ 21/QĐ-BTCCT ngày 15/01/2024",
        dates={"registration_opens_at": start, "registration_closes_at": start + timedelta(days=60),
               "vote_opens_at": final_opens, "vote_closes_at": final_closes,
               "results_announced_at": final_closes + timedelta(days=5),
               "complaint_ends_at": final_closes + timedelta(days=12)},
        windows=[(preliminary_opens, preliminary_opens + timedelta(days=14)), (final_opens, final_closes)],
    )
    rng = random.Random(2024)
    quality = {}
    for i, (who, code, title, summary, score) in enumerate(PAST_ENTRIES):
        entry = _entry(edition, applicants[who], code, title, summary, locality=localities[(i * 5) % len(localities)],
                       consent=i % 4 != 3, when=start + timedelta(days=5 + i))
        _submit_and_screen(entry, organizer, start + timedelta(days=30 + i), start + timedelta(days=65))
        quality[entry.id] = score

    preliminary, final = edition.rounds[0], edition.rounds[1]
    opens = preliminary_opens
    for assignment in _assign(preliminary, organizer):
        judge_index = next(i for i, j in enumerate(judges) if j.id == assignment.judge_id)
        _score(assignment, _judge_total(quality[assignment.entry_id], judge_index, rng), opens + timedelta(days=3),
               comment="Giải pháp thiết thực; nên bổ sung số liệu áp dụng thực tế.")
    with _happened_at(opens + timedelta(days=15)):
        rounds.close_round(preliminary, actor=organizer, now=opens + timedelta(days=15))
    with _happened_at(opens + timedelta(days=16)):
        rounds.advance_entries(preliminary, "top_n", top_n=3, actor=organizer, now=opens + timedelta(days=16))
    # The finalists present before the panel on the final round's third day, 08:00 in Thái Nguyên.
    pitch_day = (final_opens + timedelta(days=2)).astimezone(LOCAL_TZ).date()
    with _happened_at(opens + timedelta(days=17)):
        editions.update_round(final, {
            "presentation_at": datetime(pitch_day.year, pitch_day.month, pitch_day.day, 8, tzinfo=LOCAL_TZ),
            "presentation_place": "Hội trường Sở Khoa học và Công nghệ tỉnh Thái Nguyên"})

    opens, closes = final_opens, final_closes
    for assignment in _assign(final, organizer):
        judge_index = next(i for i, j in enumerate(judges) if j.id == assignment.judge_id)
        _score(assignment, _judge_total(quality[assignment.entry_id], judge_index, rng), opens + timedelta(days=2))

    # The public vote ran alongside the final round; its tally was frozen the day it closed.
    period = votes.open_voting_period(final, opens, closes, actor=organizer)
    ballot = [line.entry_id for line in period.ballot]
    for n in range(60):
        voter = Voter(email=f"cutri{n + 1}@binhchon.demo.vn", verified_at=opens, created_at=opens)
        db.session.add(voter)
        db.session.flush()
        favourites = sorted(ballot, key=lambda entry_id: quality[entry_id] + rng.uniform(0, 25), reverse=True)
        for entry_id in favourites[: 1 + n % 3]:
            votes.cast_vote(period, voter, entry_id, now=opens + timedelta(days=1 + n % 8, hours=n % 12))
    with _happened_at(closes + timedelta(hours=2)):
        votes.freeze_tally(period, actor=organizer, now=closes + timedelta(hours=2))
    with _happened_at(closes + timedelta(hours=3)):
        rounds.close_round(final, actor=organizer, now=closes + timedelta(hours=3))
    # The award list: the engine calibrates each judge's habits away and adds the frozen vote points.
    result_set = results.compute_result_set(final, actor=organizer)
    results.freeze_result_set(result_set, organizer)
    approvals.send_for_approval(result_set, actor=organizer)
    for award in approvals.proposed_awards(result_set):
        for member in members:
            approvals.decide_award(award, member, "approve", now=closes + timedelta(days=3))
    # Published with its complaint period; the period is over, so the list is final.
    complaint_ends = utcnow() + timedelta(seconds=1)
    results.publish_results(result_set, complaint_ends, actor=organizer)
    # One author without a prize complained in time; the organizers rejected it with their reasons.
    unplaced = next(a for a in sorted(result_set.awards, key=lambda a: a.rank) if a.level is None)
    complaint = complaints.file_complaint(
        unplaced.entry, result_set, actor=unplaced.entry.owner, now=complaint_ends - timedelta(seconds=1),
        body="Đề nghị Ban tổ chức xem xét lại điểm tiêu chí “khả năng áp dụng”: giải pháp đã được nhân rộng "
             "ở ba xã trong năm qua.",
    )
    complaints.start_review(complaint, actor=organizer)
    complaints.decide_complaint(
        complaint, actor=organizer, upheld=False,
        reason="Hội đồng giám khảo đã xem xét lại hồ sơ: số liệu nhân rộng chưa có xác nhận của địa phương "
               "nên điểm tiêu chí “khả năng áp dụng” được giữ nguyên.",
    )
    results.finalize_results(result_set, organizer, now=complaint_ends)
    before = edition.status
    edition.status = EditionStatus.ARCHIVED.value
    audit.record("edition.archived", edition, actor=organizer, before={"status": before},
                 after={"status": edition.status})
    db.session.flush()
    return edition


def _seed_current_edition(now: datetime, organizer: User, judges: list[User], members: list[User],
                          applicants: list[User], localities: list[Locality]) -> Edition:
    """2025 in full swing: the preliminary round being scored and the public vote open."""
    start = now - timedelta(days=70)
    opens = now - timedelta(days=5)
    edition = _edition(
        2025, DEMO_SLUG, organizer, members, decision="QĐ 16/QĐ-BTCCT ngày 24/01/2025",
        dates={"registration_opens_at": start, "registration_closes_at": now - timedelta(days=10),
               "vote_opens_at": now - timedelta(days=2), "vote_closes_at": now + timedelta(days=14),
               "results_announced_at": now + timedelta(days=35), "complaint_ends_at": now + timedelta(days=42)},
        windows=[(opens, now + timedelta(days=20)), (now + timedelta(days=30), now + timedelta(days=31))],
    )
    rng = random.Random(2025)
    quality = {}
    for i, (who, code, title, summary, status, reason) in enumerate(ENTRIES):
        when = start + timedelta(days=3 + i)
        entry = _entry(edition, applicants[who], code, title, summary, locality=localities[(i * 5) % len(localities)],
                       consent=i % 3 != 2, when=when)
        quality[entry.id] = 50 + (i * 7) % 25
        if status == "draft":
            continue
        if status == "withdrawn":
            with _happened_at(when + timedelta(days=1)):
                entries.submit_entry(entry, actor=entry.owner, now=when + timedelta(days=1))
            with _happened_at(when + timedelta(days=5)):
                entries.withdraw_entry(entry, actor=entry.owner, now=when + timedelta(days=5),
                                       reason="Nhóm tác giả cần thêm thời gian hoàn thiện.")
        elif status == "submitted":
            with _happened_at(when + timedelta(days=1)):
                entries.submit_entry(entry, actor=entry.owner, now=when + timedelta(days=1))
        else:
            _submit_and_screen(entry, organizer, when + timedelta(days=1), now - timedelta(days=8),
                               ineligible_reason=reason)

    preliminary = edition.rounds[0]
    live = _assign(preliminary, organizer)
    # About half of the judges' work is done: some sheets submitted, some drafts, the rest untouched.
    for n, assignment in enumerate(live):
        judge_index = next(i for i, j in enumerate(judges) if j.id == assignment.judge_id)
        total = _judge_total(quality[assignment.entry_id], judge_index, rng)
        if n % 3 == 0:
            _score(assignment, total, opens + timedelta(days=1, hours=n))
        elif n % 3 == 1:
            _score(assignment, total, opens + timedelta(days=2, hours=n), submit=False)
    votes.open_voting_period(preliminary, now - timedelta(days=2), now + timedelta(days=14), actor=organizer)
    return edition


def seed_demo() -> list[tuple[str, str, str]]:
    """Create both demo editions and the accounts; returns (role, email, password) lines to print."""
    now = utcnow()
    accounts, organizer, judges, members, applicants = _accounts(now)
    localities = db.session.scalars(select(Locality).order_by(Locality.id)).all()
    _seed_past_edition(now, organizer, judges, members, applicants, localities)
    _seed_current_edition(now, organizer, judges, members, applicants, localities)
    # The people are made up: the invitations, receipts and notices the operations queued go to nobody.
    discard_pending_messages()
    return accounts
