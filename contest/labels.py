"""Translated names of the platform's states, for templates and exports."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString

from contest.i18n import _l

ENTRY_STATUS: dict[str, LazyString] = {
    "draft": _l("Bản nháp"),
    "submitted": _l("Đã nộp"),
    "eligible": _l("Hợp lệ"),
    "ineligible": _l("Không hợp lệ"),
    "advanced": _l("Vào vòng trong"),
    "eliminated": _l("Dừng ở vòng này"),
    "awarded": _l("Đoạt giải"),
    "withdrawn": _l("Đã rút"),
}

RESULT_FLAG: dict[str, LazyString] = {
    "tie_at_boundary": _l("Đồng điểm tại ranh giới giải"),
    "tied": _l("Đồng hạng"),
    "single_judge": _l("Chỉ một giám khảo"),
    "judges_disagree": _l("Giám khảo chênh lệch nhiều"),
    "outlier_judge": _l("Có giám khảo bất thường"),
    "incomplete_sheet": _l("Phiếu chấm thiếu tiêu chí"),
    "separate_component": _l("Nhóm giám khảo tách rời"),
    "grey_zone": _l("Mức giải chưa chắc chắn"),
    "down_weighted_sheet": _l("Có phiếu của giám khảo bị giảm trọng số – chủ tịch hội đồng cần xem xét"),
    "outlying_sheet": _l("Có phiếu lệch xa các phiếu khác – chủ tịch hội đồng cần xem xét"),
}

CHAIR_DECISION: dict[str, LazyString] = {
    "keep": _l("Giữ giá trị đã tính"),
    "plain_mean": _l("Dùng trung bình cộng các phiếu"),
    "ask_review": _l("Đề nghị giám khảo xem lại phiếu chấm"),
    "exclude_sheet": _l("Loại một phiếu chấm (ghi rõ lý do)"),
}

APPLICANT_TYPE = {
    "individual": _l("Cá nhân"),
    "group": _l("Nhóm tác giả"),
    "enterprise": _l("Doanh nghiệp / tổ chức"),
    "student": _l("Học sinh, sinh viên"),
}

ROLE = {
    "applicant": _l("Người dự thi"),
    "judge": _l("Giám khảo"),
    "organizer": _l("Ban tổ chức"),
    "committee": _l("Thành viên Ban tổ chức"),
}

EDITION_STATUS = {
    "draft": _l("Đang chuẩn bị"),
    "open": _l("Đang diễn ra"),
    "closed": _l("Đã kết thúc"),
    "archived": _l("Lưu trữ"),
}

ROUND_STATUS = {"draft": _l("Chưa mở"), "open": _l("Đang chấm"), "closed": _l("Đã đóng")}

ROUND_MODE = {"assigned": _l("Phân công giám khảo"), "full_panel": _l("Toàn bộ hội đồng chấm")}

ASSIGNMENT_STATE = {
    "proposed": _l("Dự kiến"),
    "active": _l("Đã phân công"),
    "recused": _l("Đã từ chối do xung đột lợi ích"),
    "cancelled": _l("Đã hủy"),
}

SHEET_STATUS = {"none": _l("Chưa chấm"), "draft": _l("Đang chấm (nháp)"), "submitted": _l("Đã nộp phiếu")}

RESULT_STATUS = {
    "computed": _l("Bản tính thử"),
    "frozen": _l("Đã chốt"),
    "published": _l("Đã công bố"),
    "finalized": _l("Đã hoàn tất"),
    "superseded": _l("Đã được thay thế"),
}

# The scoring methods an organizer can choose (judging.normalize.METHODS); a method not listed shows its code.
RESULT_METHOD: dict[str, LazyString] = {
    "calibrated": _l("Hiệu chỉnh độ lệch giám khảo"),
    "zscore": _l("Chuẩn hóa z-score theo giám khảo"),
    "raw": _l("Điểm trung bình thô"),
}


def label(table: dict[str, LazyString], value: str | None) -> str:
    if value is None:
        return ""
    return str(table.get(value, value))


def init_app(app: Flask) -> None:
    tables = {
        "entry_status": ENTRY_STATUS,
        "applicant_type": APPLICANT_TYPE,
        "role": ROLE,
        "edition_status": EDITION_STATUS,
        "round_status": ROUND_STATUS,
        "round_mode": ROUND_MODE,
        "assignment_state": ASSIGNMENT_STATE,
        "sheet_status": SHEET_STATUS,
        "result_status": RESULT_STATUS,
        "result_method": RESULT_METHOD,
    }
    for name, table in tables.items():
        app.jinja_env.globals[f"{name}_label"] = lambda value, _t=table: label(_t, value)
