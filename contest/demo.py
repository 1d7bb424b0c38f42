"""Demo data: a realistic 2025 edition with accounts for every role and a dozen entries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest import audit
from contest.entries import next_reference_code
from contest.extensions import db
from contest.models import (
    ApplicantProfile,
    CommitteeMembership,
    Edition,
    EditionStatus,
    Entry,
    EntryMember,
    EntryStatus,
    JudgeProfile,
    Locality,
    Role,
    User,
    utcnow,
)
from contest.passwords import hash_password
from contest.presets import apply_thai_nguyen_2025
from contest.search import fold

DEMO_SLUG = "2025"
DEMO_PASSWORD = "Demo2025thainguyen"

LOCALITIES = [
    ("Phường Phan Đình Phùng", "phường"), ("Phường Quyết Thắng", "phường"), ("Phường Gia Sàng", "phường"),
    ("Phường Tích Lương", "phường"), ("Phường Sông Công", "phường"), ("Phường Phổ Yên", "phường"),
    ("Phường Đức Xuân", "phường"), ("Xã Đại Từ", "xã"), ("Xã Định Hóa", "xã"), ("Xã Phú Bình", "xã"),
    ("Xã Võ Nhai", "xã"), ("Xã Chợ Mới", "xã"), ("Xã Ba Bể", "xã"), ("Xã Ngân Sơn", "xã"),
]

JUDGES = [
    ("gk.cntt@demo.vn", "PGS.TS. Nguyễn Văn Hùng", "Đại học Thái Nguyên", ["cntt"], "chuyển đổi số;IoT;phần mềm"),
    ("gk.cokhi@demo.vn", "TS. Trần Thị Lan", "Trường Đại học Kỹ thuật Công nghiệp", ["co_khi", "vat_lieu"], "tự động hoá;cơ khí"),
    ("gk.nongnghiep@demo.vn", "TS. Hoàng Minh Đức", "Trường Đại học Nông Lâm", ["nong_nghiep"], "chè;nông nghiệp sạch"),
    ("gk.yduoc@demo.vn", "BS.CKII. Lê Thu Hà", "Bệnh viện Trung ương Thái Nguyên", ["y_duoc"], "y tế;dược liệu"),
    ("gk.giaoduc@demo.vn", "ThS. Phạm Quang Vinh", "Sở Giáo dục và Đào tạo", ["giao_duc"], "giáo dục;STEM"),
    ("gk.nangluong@demo.vn", "TS. Đỗ Thanh Bình", "Viện Năng lượng", ["vat_lieu", "co_khi"], "năng lượng tái tạo"),
]

COMMITTEE = [
    ("hd.truongban@demo.vn", "Ông Vũ Đức Thắng", "Trưởng ban"),
    ("hd.phoban@demo.vn", "Bà Ngô Thị Mai", "Phó trưởng ban"),
    ("hd.uyvien@demo.vn", "Ông Bùi Văn Nam", "Uỷ viên"),
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
    (1, "cntt", "Cổng thông tin số hoá hồ sơ thủ tục cấp xã", "Số hoá và tra cứu hồ sơ hành chính.", "withdrawn", None),
    (0, "giao_duc", "Mô hình thư viện sách nói cho người khiếm thị", "Thu âm sách giáo khoa bằng giọng tình nguyện viên.",
     "eligible", None),
    (3, "nong_nghiep", "Mô hình trồng nấm dưới tán rừng", "Tận dụng tán rừng trồng nấm linh chi.", "draft", None),
]


def _user(email: str, name: str, roles: list[Role], verified: bool = True) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=name, password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(user)
    for role in roles:
        user.add_role(role)
    if verified:
        user.email_verified_at = user.email_verified_at or utcnow()
    return user


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo edition and accounts; returns (role, email, password) lines to print."""
    now = utcnow()
    for name, kind in LOCALITIES:
        if not db.session.scalar(select(Locality).where(Locality.name == name)):
            db.session.add(Locality(name=name, kind=kind, province="Thái Nguyên"))
    db.session.flush()
    localities = db.session.scalars(select(Locality).order_by(Locality.id)).all()

    slug = DEMO_SLUG
    suffix = 1
    while db.session.scalar(select(Edition).where(Edition.slug == slug)):
        suffix += 1
        slug = f"{DEMO_SLUG}-{suffix}"
    edition = Edition(
        year=2025,
        slug=slug,
        name="Cuộc thi “Đổi mới sáng tạo – Vì Thái Nguyên thân yêu” năm 2025",
        name_en="“Innovation – For our beloved Thái Nguyên” contest 2025",
        description="Tôn vinh sáng chế, cải tiến kỹ thuật và sáng kiến của người dân, doanh nghiệp, tổ chức "
        "trên địa bàn tỉnh, triển khai Nghị quyết 57-NQ/TW.",
        status=EditionStatus.OPEN.value,
        code_prefix="TN",
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now + timedelta(days=30),
        decision_reference="QĐ 16/QĐ-BTCCT ngày 24/01/2025",
    )
    apply_thai_nguyen_2025(edition)
    edition.rounds[0].opens_at = now + timedelta(days=31)
    edition.rounds[0].closes_at = now + timedelta(days=45)
    edition.rounds[0].scoring_deadline = now + timedelta(days=45)
    edition.rounds[1].opens_at = now + timedelta(days=50)
    edition.rounds[1].closes_at = now + timedelta(days=51)
    edition.vote_opens_at = now + timedelta(days=46)
    edition.vote_closes_at = now + timedelta(days=52)
    edition.results_announced_at = now + timedelta(days=55)
    edition.complaint_ends_at = now + timedelta(days=62)
    db.session.add(edition)
    db.session.flush()
    audit.record("edition.created", edition, after={"slug": edition.slug, "preset": "thai_nguyen_2025"})

    accounts = [("Ban tổ chức", "btc@demo.vn", DEMO_PASSWORD)]
    _user("btc@demo.vn", "Ban tổ chức (Sở KH&CN)", [Role.ORGANIZER])
    for email, name, organization, fields, keywords in JUDGES:
        judge = _user(email, name, [Role.JUDGE])
        if judge.judge_profile is None:
            judge.judge_profile = JudgeProfile(
                organization=organization, expertise_categories=fields, expertise_keywords=keywords,
                max_load=15, profile_completed_at=now,
            )
        accounts.append(("Giám khảo", email, DEMO_PASSWORD))
    for email, name, title in COMMITTEE:
        member = _user(email, name, [Role.COMMITTEE])
        db.session.flush()
        db.session.add(CommitteeMembership(edition_id=edition.id, user_id=member.id, title=title))
        accounts.append(("Thành viên BTC", email, DEMO_PASSWORD))

    applicants = []
    for i, (email, name, kind, organization) in enumerate(APPLICANTS):
        applicant = _user(email, name, [Role.APPLICANT])
        if applicant.applicant_profile is None:
            applicant.applicant_profile = ApplicantProfile(
                applicant_type=kind, organization=organization, locality_id=localities[i % len(localities)].id
            )
        applicants.append(applicant)
        accounts.append(("Người dự thi", email, DEMO_PASSWORD))
    db.session.flush()

    categories = {c.code: c for c in edition.categories}
    for i, (who, code, title, summary, status, reason) in enumerate(ENTRIES):
        owner = applicants[who]
        profile = owner.applicant_profile
        entry = Entry(
            edition=edition,
            category=categories[code],
            owner=owner,
            reference_code=next_reference_code(edition),
            title=title,
            summary=summary,
            description=summary,
            applicant_type=profile.applicant_type if profile else "individual",
            organization=profile.organization if profile else None,
            locality_id=localities[(i * 5) % len(localities)].id,
            status=status,
            ineligible_reason=reason,
            public_consent=status != "draft",
            created_at=now - timedelta(days=20 - i),
            updated_at=now - timedelta(days=10 - i % 5),
        )
        if status != EntryStatus.DRAFT:
            entry.submitted_at = now - timedelta(days=10 - i % 5)
        if status in (EntryStatus.ELIGIBLE, EntryStatus.INELIGIBLE):
            entry.screened_at = now - timedelta(days=2)
        if status == EntryStatus.WITHDRAWN:
            entry.withdrawn_at = now - timedelta(days=1)
        entry.members = [EntryMember(full_name=owner.full_name, role="Tác giả chính", organization=entry.organization,
                                     email=owner.email, user_id=owner.id, position=0)]
        if profile and profile.applicant_type in ("group", "student", "enterprise"):
            entry.members.append(EntryMember(full_name="Phạm Thị Thu", role="Đồng tác giả",
                                             organization=entry.organization, position=1))
        entry.search_text = fold(" ".join(filter(None, [entry.reference_code, title, summary, entry.organization,
                                                         owner.full_name])))
        db.session.add(entry)
        db.session.flush()
        audit.record("entry.created", entry, actor=owner, after={"reference_code": entry.reference_code})
    return accounts
