"""Forms of the organizers' list of organizations and their decisions on names that look alike."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from contest.forms import max_length, optional, required, strip_text
from contest.i18n import _l
from contest.models import NearMatchVerdict


class OrganizationForm(FlaskForm):
    name = StringField(_l("Tên đầy đủ của đơn vị"), validators=[required(), max_length(300)], filters=[strip_text])
    short_name = StringField(_l("Tên viết tắt (nếu có)"), validators=[optional(), max_length(100)],
                             filters=[strip_text])


class MergeOrganizationForm(FlaskForm):
    target_id = SelectField(_l("Gộp vào đơn vị"), coerce=int, choices=[], validate_choice=True)


class NearMatchForm(FlaskForm):
    first_name = HiddenField(validators=[required(), max_length(300)])
    second_name = HiddenField(validators=[required(), max_length(300)])
    verdict = RadioField(_l("Kết luận"), validators=[required()], choices=[
        (NearMatchVerdict.CONFLICT.value, _l("Là xung đột lợi ích (cùng một đơn vị hoặc đơn vị liên quan)")),
        (NearMatchVerdict.DISTINCT.value, _l("Không phải xung đột (hai đơn vị khác nhau)")),
    ])
    note = TextAreaField(_l("Ghi chú"), validators=[optional(), max_length(2000)], filters=[strip_text])
