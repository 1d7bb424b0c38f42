"""Forms of the organizers' round pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from contest.forms import max_length, required, strip_text
from contest.i18n import _l
from contest.models import AdvancementRule


class AdvanceForm(FlaskForm):
    rule = RadioField(
        _l("Cách xét"),
        choices=[
            SelectChoice(AdvancementRule.TOP_N.value, _l("N bài điểm cao nhất mỗi lĩnh vực")),
            SelectChoice(AdvancementRule.THRESHOLD.value, _l("Mọi bài đạt từ điểm sàn trở lên")),
            SelectChoice(AdvancementRule.MANUAL.value, _l("Chọn thủ công (ghi rõ lý do)")),
        ],
        validators=[required()],
    )
    top_n = IntegerField(
        _l("Số bài mỗi lĩnh vực (N)"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Nhập số từ 1 đến 1000."))],
    )
    threshold = DecimalField(
        _l("Điểm sàn"),
        places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Điểm sàn không được âm."))],
    )
    chosen = SelectMultipleField(
        _l("Bài được chọn vào vòng sau"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )
    reason = TextAreaField(_l("Lý do"), validators=[Optional(), max_length(2000)], filters=[strip_text])


class ReopenSheetForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do mở lại phiếu"), validators=[required(), max_length(2000)], filters=[strip_text]
    )
