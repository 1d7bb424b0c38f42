"""Forms of the committee pages: members of the committee and decisions on awards."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from contest.forms import email_format, max_length, optional, required, strip_text
from contest.i18n import _l


class AddMemberForm(FlaskForm):
    email = EmailField(_l("Email tài khoản của thành viên"), validators=[required(), email_format(),
                                                                       max_length(254)], filters=[strip_text])
    title = StringField(_l("Chức danh trong Ban tổ chức"), validators=[optional(), max_length(200)],
                        filters=[strip_text])


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Quyết định"),
        choices=[SelectChoice("approve", _l("Phê duyệt")), SelectChoice("reject", _l("Không phê duyệt"))],
        validators=[DataRequired(message=_l("Vui lòng chọn “Phê duyệt” hoặc “Không phê duyệt”."))],
    )
    comment = TextAreaField(_l("Ý kiến (không bắt buộc)"), validators=[optional(), max_length(1500)],
                            filters=[strip_text])
