"""Forms of the organizers' entry pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired

from contest.forms import max_length, optional, required, strip_text
from contest.i18n import _l


class ScreenForm(FlaskForm):
    """The checklist boxes are plain inputs named check-<id>, read by the route (their number varies)."""

    decision = SelectField(_l("Kết luận"), choices=[("eligible", _l("Hợp lệ")), ("ineligible", _l("Không hợp lệ"))],
                           validators=[required()])
    reason = TextAreaField(_l("Lý do không hợp lệ (người dự thi sẽ đọc)"), filters=[strip_text],
                           validators=[optional(), max_length(2000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Lý do mở lại (người dự thi sẽ đọc)"), filters=[strip_text],
                           validators=[required(), max_length(2000)])


class BulkForm(FlaskForm):
    action = SelectField(_l("Thao tác"), choices=[("eligible", _l("Đánh dấu hợp lệ")),
                                                  ("ineligible", _l("Đánh dấu không hợp lệ"))],
                         validators=[required()])
    ids = SelectMultipleField(coerce=int, validate_choice=False,
                              validators=[InputRequired(message=_l("Vui lòng chọn ít nhất một bài."))])
    reason = TextAreaField(_l("Lý do (khi đánh dấu không hợp lệ)"), filters=[strip_text],
                           validators=[optional(), max_length(2000)])
