"""How the edition's certificates are signed: place, date, signer's title and name."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Optional

from contest.forms import max_length, required, strip_text
from contest.i18n import _l


class CertificateSettingsForm(FlaskForm):
    place = StringField(_l("Địa danh nơi ký"), validators=[required(), max_length(100)], filters=[strip_text])
    signed_on = DateField(_l("Ngày ký (để trống: ngày hoàn tất kết quả)"), validators=[Optional()])
    signer_title = StringField(_l("Chức danh người ký (ví dụ: KT. GIÁM ĐỐC – PHÓ GIÁM ĐỐC)"),
                               validators=[max_length(200)], filters=[strip_text])
    signer_name = StringField(_l("Họ và tên người ký"), validators=[max_length(200)], filters=[strip_text])
