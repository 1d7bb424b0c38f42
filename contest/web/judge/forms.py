"""Forms of the judge's own pages: accepting an invitation, the profile, declaring conflicts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, NumberRange, ValidationError

from contest.forms import (
    MultiCheckboxField,
    WholeNumberField,
    keyword_list,
    max_length,
    optional,
    required,
    strip_text,
)
from contest.i18n import _l
from contest.passwords import password_problems


class ProfileForm(FlaskForm):
    organization = StringField(_l("Đơn vị công tác"), validators=[optional(), max_length(300)], filters=[strip_text])
    title = StringField(_l("Học hàm, học vị, chức danh"), validators=[optional(), max_length(100)],
                        filters=[strip_text])
    fields = MultiCheckboxField(_l("Lĩnh vực chuyên môn"), choices=[])
    keywords = StringField(_l("Từ khóa chuyên môn (ngăn cách bằng dấu ;)"), validators=[optional(), max_length(1000)],
                           filters=[strip_text])
    max_load = WholeNumberField(
        _l("Số bài tối đa có thể chấm trong một vòng"),
        validators=[optional(), NumberRange(min=0, max=1000, message=_l("Giá trị phải từ %(min)s đến %(max)s."))],
    )

    @property
    def keyword_items(self) -> list[str]:
        return keyword_list(self.keywords.data)


class _StrongPassword:
    def __init__(self, email: str | None):
        self.email = email

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.email)
        if problems:
            raise ValidationError(" ".join(problems))


def accept_form_class(email: str) -> type[ProfileForm]:
    """The invitation form: the profile plus a name and a password checked against the invitee's email."""

    class AcceptInvitationForm(ProfileForm):
        full_name = StringField(_l("Họ và tên"), validators=[required(), max_length(200)], filters=[strip_text])
        password = PasswordField(_l("Mật khẩu"), validators=[required(), _StrongPassword(email)])
        confirm = PasswordField(
            _l("Nhập lại mật khẩu"),
            validators=[required(), EqualTo("password", message=_l("Hai mật khẩu không khớp nhau."))],
        )

    return AcceptInvitationForm


class ChairDecisionForm(FlaskForm):
    """The chair's decision on one flagged entry; a judge is named for a review or an exclusion."""

    decision = RadioField(_l("Quyết định"), choices=[], validators=[required()])
    judge_id = SelectField(_l("Phiếu chấm của giám khảo"), choices=[], coerce=int)
    reason = TextAreaField(_l("Lý do"), validators=[optional(), max_length(2000)], filters=[strip_text])
