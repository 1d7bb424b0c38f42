"""Forms of the organizers' results workspace."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import Optional

from contest.forms import max_length, required, strip_text
from contest.i18n import _l

METHOD_LABELS = {
    "calibrated": _l("Hiệu chỉnh độ lệch giám khảo (khuyến nghị)"),
    "zscore": _l("Chuẩn hóa z-score theo giám khảo"),
    "raw": _l("Điểm trung bình thô"),
}


class ComputeForm(FlaskForm):
    method = SelectField(_l("Phương pháp tính điểm"), choices=list(METHOD_LABELS.items()), default="calibrated")
    category_id = SelectField(_l("Lĩnh vực"), coerce=int, default=0)


class OverrideForm(FlaskForm):
    level_id = SelectField(_l("Mức giải"), coerce=int)
    reason = TextAreaField(_l("Lý do điều chỉnh"), validators=[required(), max_length(2000)], filters=[strip_text])
    below_minimum = BooleanField(_l("Vẫn trao dù tổng điểm thấp hơn điểm tối thiểu của mức này"))


class PublishForm(FlaskForm):
    complaint_ends_at = DateTimeLocalField(
        _l("Hạn khiếu nại (giờ Việt Nam, để trống nếu không có)"), format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Lý do"), validators=[required(), max_length(2000)], filters=[strip_text])
    recompute = BooleanField(_l("Tính lại từ các phiếu chấm hiện tại"))


class NonWinnersForm(FlaskForm):
    list_non_winners = BooleanField(_l("Công bố cả các bài không đoạt giải"))
