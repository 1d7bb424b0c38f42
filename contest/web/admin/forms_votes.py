"""Forms of the organizers' vote pages: opening a period, editing it, voiding votes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, ValidationError

from contest.forms import max_length, optional, required, strip_text
from contest.i18n import _l
from contest.models import VoteFrequency

FREQUENCY_CHOICES = [
    SelectChoice(VoteFrequency.ONCE.value, _l("Một lần cho mỗi bài trong cả đợt")),
    SelectChoice(VoteFrequency.DAILY.value, _l("Mỗi ngày một lần cho mỗi bài")),
]


class _Window:
    def validate_closes_at(self, field) -> None:
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Thời điểm đóng phải sau thời điểm mở."))


class OpenVotingPeriodForm(_Window, FlaskForm):
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[required()])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[required()])
    frequency = SelectField(_l("Tần suất"), choices=FREQUENCY_CHOICES, default=VoteFrequency.ONCE.value)
    max_entries_per_voter = IntegerField(
        _l("Số bài tối đa mỗi người được bình chọn (để trống: không giới hạn)"),
        validators=[optional(), NumberRange(min=1, max=1000, message=_l("Nhập số từ 1 đến 1000."))],
    )
    show_counts_live = BooleanField(_l("Hiện số phiếu trong khi bình chọn"))
    # Asked only when opening late (the round closed, results published): see votes.late_opening_warnings.
    confirm_late = BooleanField(_l("Tôi hiểu và vẫn muốn mở đợt bình chọn"))


class UpdateVotingPeriodForm(_Window, FlaskForm):
    opens_at = DateTimeLocalField(_l("Mở lúc"), format="%Y-%m-%dT%H:%M", render_kw={"disabled": True})
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[required()])
    show_counts_live = BooleanField(_l("Hiện số phiếu trong khi bình chọn"))
    removal_reason = TextAreaField(
        _l("Lý do bỏ khỏi danh sách bài đã có phiếu (các phiếu được giữ trong hồ sơ nhưng bị hủy)"),
        validators=[optional(), max_length(1000)], filters=[strip_text],
    )


class VoidVotesForm(FlaskForm):
    reason = TextAreaField(_l("Lý do hủy phiếu"), validators=[required(), max_length(1000)], filters=[strip_text])
