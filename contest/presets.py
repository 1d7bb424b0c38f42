"""Configuration presets: this contest's published scoring, ready to apply to an edition.

What the contest's published scoring page states, and so what the preset fills as fact: an expert
council scores Tính đổi mới sáng tạo (20), Hiệu quả kinh tế – xã hội (30) and Khả năng áp dụng (30),
80 points in all; the public vote adds up to 20 points (20 × votes ÷ the highest count, rounded to
one decimal): 100 in total; each award needs ⌈2/3⌉ of the committee.

Everything else the preset fills (minimum scores, quotas, prize amounts, advancement rules, judges
per entry) comes from similar contests, not from this contest's decision: those values are listed
in the edition's values_to_confirm until the organizer confirms or changes each one.
"""

from __future__ import annotations

from decimal import Decimal

from contest.i18n import _l
from contest.models import (
    AdvancementRule,
    AttachmentKind,
    AwardLevel,
    AwardScope,
    Category,
    Criterion,
    Edition,
    EligibilityCheck,
    Round,
    RoundMode,
)

CRITERIA_2025 = [
    (
        "doi_moi",
        "Tính đổi mới sáng tạo",
        "Innovation and creativity",
        20,
        "Giải pháp kỹ thuật, công nghệ hoặc quản lý mới, không trùng với giải pháp đã công bố.",
        "A new technical, technological or management solution that repeats nothing already published.",
    ),
    (
        "hieu_qua",
        "Hiệu quả kinh tế – xã hội",
        "Economic and social effectiveness",
        30,
        "Lợi ích kinh tế trực tiếp, hoặc tạo việc làm, cải thiện điều kiện sống và làm việc, sức khỏe, "
        "an toàn lao động, môi trường.",
        "Direct economic benefit, or jobs, living and working conditions, health, labour safety, environment.",
    ),
    (
        "ap_dung",
        "Khả năng áp dụng",
        "Applicability",
        30,
        "Có thể áp dụng rộng rãi trong sản xuất, kinh doanh và đời sống trên địa bàn tỉnh.",
        "Can be applied widely in production, business and life in the province.",
    ),
]

FIELDS = [
    ("cntt", "Công nghệ thông tin – điện tử – viễn thông", "IT, electronics and telecommunications"),
    ("co_khi", "Cơ khí – tự động hóa – xây dựng – giao thông", "Mechanics, automation, construction, transport"),
    ("vat_lieu", "Vật liệu – hóa chất – năng lượng", "Materials, chemicals, energy"),
    (
        "nong_nghiep",
        "Nông – lâm – ngư nghiệp, tài nguyên và môi trường",
        "Agriculture, forestry, fisheries, natural resources, environment",
    ),
    ("y_duoc", "Y – dược", "Medicine and pharmacy"),
    ("giao_duc", "Giáo dục và lĩnh vực khác", "Education and other fields"),
]

ATTACHMENT_KINDS = [
    ("phieu_dang_ky", "Phiếu đăng ký dự thi", "Registration form", True, False, ["application/pdf"]),
    (
        "thuyet_minh",
        "Bản thuyết minh giải pháp",
        "Description of the solution",
        True,
        False,
        ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ),
    (
        "trinh_chieu",
        "Bài trình chiếu",
        "Slides",
        False,
        False,
        ["application/pdf", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
    ),
    ("hinh_anh", "Hình ảnh sản phẩm", "Product photos", False, False, ["image/jpeg", "image/png", "image/webp"]),
    ("video", "Video giới thiệu (tệp hoặc liên kết)", "Demo video (file or link)", False, True, ["video/mp4"]),
]

ELIGIBILITY_CHECKS = [
    (
        "Giải pháp đã được áp dụng hoặc thử nghiệm trên địa bàn tỉnh trong 5 năm gần đây",
        "Applied or trialled in the province within the last five years",
        "Giải pháp chưa được áp dụng hoặc thử nghiệm trên địa bàn tỉnh trong 5 năm gần đây.",
        "The solution was not applied or trialled in the province within the last five years.",
    ),
    (
        "Tác giả không phải thành viên Ban tổ chức, Tổ thư ký hoặc Hội đồng giám khảo",
        "No author is a member of the organizing committee, secretariat or jury",
        "Tác giả là thành viên Ban tổ chức, Tổ thư ký hoặc Hội đồng giám khảo nên không được dự thi.",
        "An author belongs to the organizing committee, secretariat or jury and may not enter.",
    ),
    (
        "Giải pháp chưa đoạt giải thưởng cấp tỉnh hoặc cấp quốc gia",
        "Has not already won a provincial or national prize",
        "Giải pháp đã đoạt giải thưởng cấp tỉnh hoặc cấp quốc gia.",
        "The solution has already won a provincial or national prize.",
    ),
]

AWARD_LEVELS = [
    ("Giải Nhất", "First prize", 1, Decimal("70"), 24_000_000),
    ("Giải Nhì", "Second prize", 2, Decimal("70"), 16_000_000),
    ("Giải Ba", "Third prize", 3, Decimal("70"), 10_000_000),
    ("Giải Khuyến khích", "Encouragement prize", 4, Decimal("70"), 5_000_000),
]


def criteria_for_round(round_: Round) -> None:
    round_.criteria = [
        Criterion(
            key=key,
            name=name,
            name_en=name_en,
            guidance=guidance,
            guidance_en=guidance_en,
            weight=Decimal(points),
            min_score=Decimal(0),
            max_score=Decimal(points),
            step=Decimal("0.5"),
            position=i,
        )
        for i, (key, name, name_en, points, guidance, guidance_en) in enumerate(CRITERIA_2025)
    ]
    round_.scale = sum(points for _, _, _, points, _, _ in CRITERIA_2025)


# Keys of values a preset may fill without the contest's decision stating them.
AWARD_VALUE_FIELDS = ("min_score", "quota", "prize_amount")
ROUND_JUDGES = "judges_per_entry"
ROUND_ADVANCEMENT = "advancement"
ROUND_ADVANCEMENT_FIELDS = ("advancement_rule", "advance_top_n", "min_total_to_advance", "zero_eliminates")


def award_value_key(field_name: str) -> str:
    return f"award_levels:{field_name}"


def round_value_key(round_id: int, what: str) -> str:
    return f"round:{round_id}:{what}"


def keys_touched_by_round_change(round_id: int, changed: set[str]) -> set[str]:
    """The awaiting values a change to these round fields settles."""
    keys = set()
    if ROUND_JUDGES in changed:
        keys.add(round_value_key(round_id, ROUND_JUDGES))
    if set(ROUND_ADVANCEMENT_FIELDS) & changed:
        keys.add(round_value_key(round_id, ROUND_ADVANCEMENT))
    return keys


def mark_values_to_confirm(edition: Edition) -> None:
    """List the filled values the published scoring does not state (rounds need their ids: flush first)."""
    keys = [award_value_key(name) for name in AWARD_VALUE_FIELDS]
    for round_ in sorted(edition.rounds, key=lambda r: r.position):
        keys.append(round_value_key(round_.id, ROUND_JUDGES))
        if round_.advancement_rule != AdvancementRule.MANUAL.value:
            keys.append(round_value_key(round_.id, ROUND_ADVANCEMENT))
    edition.values_to_confirm = keys


def apply_thai_nguyen_2025(edition: Edition) -> Edition:
    """Fill an empty edition with the published scoring, and suggested values to confirm for the rest."""
    edition.expert_points = 80
    edition.vote_points = 20
    edition.max_group_size = 5
    edition.allowed_applicant_types = ["individual", "group", "enterprise", "student"]
    edition.categories = [
        Category(code=code, name=name, name_en=name_en, sub_panel=f"Tiểu ban {name}", position=i)
        for i, (code, name, name_en) in enumerate(FIELDS)
    ]
    edition.attachment_kinds = [
        AttachmentKind(
            code=code, name=name, name_en=name_en, required=required, allows_link=link,
            allowed_types=types, position=i,
            max_size_bytes=(200 if code == "video" else 50) * 1024 * 1024,
        )
        for i, (code, name, name_en, required, link, types) in enumerate(ATTACHMENT_KINDS)
    ]
    edition.eligibility_checks = [
        EligibilityCheck(label=label, label_en=label_en, failure_reason=reason, failure_reason_en=reason_en, position=i)
        for i, (label, label_en, reason, reason_en) in enumerate(ELIGIBILITY_CHECKS)
    ]
    preliminary = Round(
        position=1, name="Vòng sơ khảo", name_en="Preliminary round", mode=RoundMode.ASSIGNED.value,
        judges_per_entry=3, advancement_rule=AdvancementRule.TOP_N.value, advance_top_n=5,
        min_total_to_advance=Decimal("40"), zero_eliminates=True,
    )
    final = Round(
        position=2, name="Vòng chung khảo", name_en="Final round", mode=RoundMode.FULL_PANEL.value,
        judges_per_entry=5, advancement_rule=AdvancementRule.MANUAL.value,
    )
    criteria_for_round(preliminary)
    criteria_for_round(final)
    edition.rounds = [preliminary, final]
    edition.award_levels = [
        AwardLevel(name=name, name_en=name_en, position=pos, quota=pos if pos < 4 else 4,
                   min_score=min_score, prize_amount=amount, scope=AwardScope.PER_CATEGORY.value)
        for name, name_en, pos, min_score, amount in AWARD_LEVELS
    ]
    return edition


# The presets an organizer can pick on the edition page: key -> (label, fill, mark values to confirm).
PRESETS = {
    "thai_nguyen_2025": (
        _l("Cách chấm đã công bố: 20 + 30 + 30 = 80 điểm của Hội đồng giám khảo, 20 điểm bình chọn; "
           "các giá trị khác cần đối chiếu với quyết định của đơn vị"),
        apply_thai_nguyen_2025,
        mark_values_to_confirm,
    ),
}
