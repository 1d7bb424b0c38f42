"""The signed award decision's number and date."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Optional

from contest.forms import max_length, strip_text
from contest.i18n import _l


class AwardDecisionForm(FlaskForm):
    number = StringField(_l("Số quyết định khen thưởng (ví dụ: 45/QĐ-SKHCN)"), validators=[max_length(100)],
                         filters=[strip_text])
    signed_on = DateField(_l("Ngày ký quyết định"), validators=[Optional()])
