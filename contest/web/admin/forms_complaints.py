"""Forms of the organizers' complaint queue."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from contest.forms import max_length, required, strip_text
from contest.i18n import _l


class ComplaintDecisionForm(FlaskForm):
    decision = RadioField(
        _l("Quyết định"),
        choices=[("rejected", _l("Không chấp nhận khiếu nại")),
                 ("upheld", _l("Chấp nhận khiếu nại (tạo bản đính chính kết quả)"))],
        validators=[required()],
    )
    reason = TextAreaField(_l("Lý do (người khiếu nại sẽ đọc)"), validators=[required(), max_length(5000)],
                           filters=[strip_text])
