"""Form helpers shared by every blueprint: Vietnamese validator messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

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


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the edition's fields), easier on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        known = {value for value, _label in self.choices or []}
        for value in self.data or []:
            if value not in known:
                raise ValidationError(_("Lĩnh vực “%(v)s” không có trong cuộc thi.", v=value))


def keyword_list(text: str | None) -> list[str]:
    return [" ".join(k.split()) for k in (text or "").split(";") if k.strip()]


class DeclareConflictForm(FlaskForm):
    entry_code = StringField(_l("Mã bài dự thi"), validators=[optional(), max_length(30)], filters=[strip_text])
    organization = StringField(_l("hoặc tên đơn vị"), validators=[optional(), max_length(300)], filters=[strip_text])
    reason = TextAreaField(_l("Lý do"), validators=[required(), max_length(2000)], filters=[strip_text])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.entry_code.data and not self.organization.data:
            self.organization.errors = [*self.organization.errors, _("Hãy ghi mã bài dự thi hoặc tên đơn vị.")]
            return False
        return valid
