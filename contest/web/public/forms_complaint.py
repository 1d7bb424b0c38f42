"""The applicant's complaint form on their result page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from contest.forms import max_length, required, strip_text
from contest.i18n import _l


class ComplaintForm(FlaskForm):
    body = TextAreaField(_l("Nội dung khiếu nại"), validators=[required(), max_length(10_000)], filters=[strip_text])
    file = FileField(_l("Tệp kèm theo (không bắt buộc; PDF, JPEG hoặc PNG, tối đa 10 MB)"))
