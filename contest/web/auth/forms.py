from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, ValidationError

from contest.accounts import email_taken, normalize_email
from contest.forms import email_format, max_length, optional, required, strip_text
from contest.i18n import _, _l
from contest.models import ApplicantType
from contest.passwords import password_problems


def applicant_type_choices() -> list[tuple[str, str]]:
    return [
        (ApplicantType.INDIVIDUAL.value, _l("Cá nhân")),
        (ApplicantType.GROUP.value, _l("Nhóm tác giả")),
        (ApplicantType.ENTERPRISE.value, _l("Doanh nghiệp / tổ chức")),
        (ApplicantType.STUDENT.value, _l("Học sinh, sinh viên")),
    ]


class _StrongPassword:
    def __init__(self, email_field: str | None = "email"):
        self.email_field = email_field

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        email = form[self.email_field].data if self.email_field and self.email_field in form else None
        problems = password_problems(field.data or "", email)
        if problems:
            raise ValidationError(" ".join(problems))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[required(), max_length(200)], filters=[strip_text])
    email = EmailField(_l("Email"), validators=[required(), email_format(), max_length(254)], filters=[strip_text])
    phone = StringField(_l("Số điện thoại"), validators=[optional(), max_length(30)], filters=[strip_text])
    applicant_type = SelectField(_l("Bạn tham gia với tư cách"), choices=applicant_type_choices)
    organization = StringField(
        _l("Đơn vị / tổ chức (nếu có)"), validators=[optional(), max_length(300)], filters=[strip_text]
    )
    password = PasswordField(_l("Mật khẩu"), validators=[required(), _StrongPassword()])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"),
        validators=[required(), EqualTo("password", message=_l("Hai mật khẩu không khớp nhau."))],
    )

    def validate_email(self, field: EmailField) -> None:
        if email_taken(field.data):
            raise ValidationError(_("Email này đã được đăng ký: vui lòng đăng nhập, "
                                    "hoặc đặt lại mật khẩu nếu đã quên."))

    def validate_phone(self, field: StringField) -> None:
        if field.data and not all(c.isdigit() or c in "+ .-()" for c in field.data):
            raise ValidationError(_("Số điện thoại chỉ gồm chữ số và các ký tự + . - ( )."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), max_length(254)], filters=[strip_text])
    password = PasswordField(_l("Mật khẩu"), validators=[required()])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), email_format(), max_length(254)], filters=[strip_text])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[required(), _StrongPassword(None)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[required(), EqualTo("password", message=_l("Hai mật khẩu không khớp nhau."))],
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[required()])
    password = PasswordField(_l("Mật khẩu mới"), validators=[required(), _StrongPassword(None)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[required(), EqualTo("password", message=_l("Hai mật khẩu không khớp nhau."))],
    )


__all__ = ["RegisterForm", "LoginForm", "ForgotPasswordForm", "ResetPasswordForm", "ChangePasswordForm",
           "normalize_email"]
