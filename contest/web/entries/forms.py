"""The applicant's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, InputRequired, StopValidation, ValidationError

from contest.forms import email_format, max_length, optional, required, strip_text
from contest.i18n import _l
from contest.labels import APPLICANT_TYPE


def with_id_prefix(form: FlaskForm, prefix: str) -> FlaskForm:
    """Prefix every field's id (and its label's ``for``) so that several forms can share one page with
    unique ids; the field names, which the routes read, stay as they are."""
    for field in form:
        field.id = f"{prefix}-{field.id}"
        field.label.field_id = field.id
    return form


def applicant_type_choices(allowed: list[str] | None = None) -> list[tuple[str, str]]:
    return [(value, str(text)) for value, text in APPLICANT_TYPE.items() if allowed is None or value in allowed]


class CreateEntryForm(FlaskForm):
    category = SelectField(_l("Cuộc thi và lĩnh vực dự thi"), coerce=int, validate_choice=True,
                           validators=[InputRequired(message=_l("Vui lòng chọn lĩnh vực."))])
    applicant_type = SelectField(_l("Đối tượng dự thi"), choices=applicant_type_choices(), validators=[required()])
    title = StringField(_l("Tên giải pháp"), filters=[strip_text], validators=[required(), max_length(500)])
    organization = StringField(_l("Đơn vị / tổ chức (nếu có)"), filters=[strip_text],
                               validators=[optional(), max_length(300)])


class EditEntryForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Tên giải pháp"), filters=[strip_text], validators=[required(), max_length(500)])
    category = SelectField(_l("Lĩnh vực dự thi"), coerce=int, validate_choice=True)
    applicant_type = SelectField(_l("Đối tượng dự thi"), choices=applicant_type_choices(), validators=[required()])
    organization = StringField(_l("Đơn vị / tổ chức"), filters=[strip_text], validators=[optional(), max_length(300)])
    locality = SelectField(_l("Xã, phường nơi áp dụng giải pháp"), coerce=int, validate_choice=True)
    summary = TextAreaField(_l("Tóm tắt giải pháp"), filters=[strip_text], validators=[optional(), max_length(3000)])
    description = TextAreaField(_l("Mô tả chi tiết: tính mới, hiệu quả, khả năng áp dụng"), filters=[strip_text],
                                validators=[optional(), max_length(30000)])
    public_consent = BooleanField(
        _l("Tôi đồng ý công khai tên giải pháp, tóm tắt, tên tác giả và hình ảnh sản phẩm trên trang bình chọn")
    )


class MemberForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), filters=[strip_text], validators=[required(), max_length(200)])
    role = StringField(_l("Vai trò (tác giả, đồng tác giả…)"), filters=[strip_text],
                       validators=[optional(), max_length(200)])
    organization = StringField(_l("Đơn vị công tác"), filters=[strip_text], validators=[optional(), max_length(300)])
    email = StringField(_l("Email"), filters=[strip_text], validators=[optional(), email_format(), max_length(254)])
    phone = StringField(_l("Điện thoại"), filters=[strip_text], validators=[optional(), max_length(30)])


class ConflictForm(FlaskForm):
    organization = StringField(_l("Tổ chức"), filters=[strip_text], validators=[optional(), max_length(300)])
    person_name = StringField(_l("Họ tên người"), filters=[strip_text], validators=[optional(), max_length(200)])
    reason = StringField(_l("Lý do"), filters=[strip_text], validators=[optional(), max_length(1000)])

    def validate_person_name(self, field: StringField) -> None:
        if not field.data and not self.organization.data:
            raise ValidationError(_l("Vui lòng nêu tên tổ chức hoặc tên người cần tránh."))


def link_given(form: FlaskForm, field: StringField) -> None:
    """An empty link is refused like a required field, without marking the field required: the video itself
    is optional, and this small form only saves a link when one is pasted."""
    if not field.data:
        raise StopValidation(_l("Vui lòng dán liên kết video."))


class LinkForm(FlaskForm):
    url = StringField(
        _l("Liên kết video (YouTube, Google Drive…)"),
        filters=[strip_text],
        validators=[link_given, max_length(1000),
                    URL(require_tld=True, message=_l("Liên kết không hợp lệ; hãy dán địa chỉ bắt đầu bằng https://"))],
    )

    def validate_url(self, field: StringField) -> None:
        if not (field.data or "").lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Liên kết không hợp lệ; hãy dán địa chỉ bắt đầu bằng https://"))


class WithdrawForm(FlaskForm):
    confirm = BooleanField(_l("Tôi hiểu rằng bài dự thi đã rút sẽ không được chấm và không thể khôi phục"),
                           validators=[InputRequired(message=_l("Vui lòng đánh dấu để xác nhận rút bài."))])
    reason = TextAreaField(_l("Lý do (không bắt buộc)"), filters=[strip_text], validators=[optional(),
                                                                                           max_length(1000)])
