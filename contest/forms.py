"""Form helpers shared by every blueprint: Vietnamese validator messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, Email, Length, Optional

from contest.i18n import _, _l


def required() -> DataRequired:
    return DataRequired(message=_l("Vui lòng nhập trường này."))


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("Tối đa %(max)d ký tự.", max=n))


def email_format() -> Email:
    return Email(message=_l("Địa chỉ email không hợp lệ."), check_deliverability=False)


optional = Optional


def strip_text(value: str | None) -> str | None:
    """Trim white space and drop control characters that nobody types on purpose."""
    if value is None:
        return None
    cleaned = "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()
    return cleaned.replace("\x7f", "")


class ActionForm(FlaskForm):
    """An empty form: CSRF protection for button-only POSTs."""


class WholeNumberField(IntegerField):
    """An integer field: empty means None, and its parse error is in Vietnamese."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_("Vui lòng nhập một số nguyên.")) from None
