"""Forms of the public vote: the voter's e-mail address and the one-time code."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Regexp

from contest.forms import email_format, max_length, required, strip_text
from contest.i18n import _l


class VoteEmailForm(FlaskForm):
    email = EmailField(_l("Email của bạn"), validators=[required(), email_format(), max_length(254)],
                       filters=[strip_text])


class VoteCodeForm(FlaskForm):
    code = StringField(
        _l("Mã xác minh (6 chữ số)"),
        validators=[required(), Regexp(r"^\s*\d{6}\s*$", message=_l("Mã gồm đúng 6 chữ số."))],
        filters=[strip_text],
    )
