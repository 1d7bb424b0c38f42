"""Forms of the organizers' judge and assignment pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from contest.forms import (
    DeclareConflictForm,
    MultiCheckboxField,
    WholeNumberField,
    email_format,
    keyword_list,
    max_length,
    optional,
    required,
    strip_text,
)
from contest.i18n import _, _l


def _range(low: int, high: int) -> NumberRange:
    return NumberRange(min=low, max=high, message=_l("Giá trị phải từ %(min)s đến %(max)s."))


class InviteJudgeForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), email_format(), max_length(254)], filters=[strip_text])
    full_name = StringField(_l("Họ và tên"), validators=[required(), max_length(200)], filters=[strip_text])
    organization = StringField(_l("Đơn vị công tác"), validators=[optional(), max_length(300)], filters=[strip_text])
    title = StringField(_l("Học hàm, học vị, chức danh"), validators=[optional(), max_length(100)],
                        filters=[strip_text])
    fields = MultiCheckboxField(_l("Lĩnh vực chuyên môn"), choices=[], validate_choice=True)
    keywords = StringField(_l("Từ khóa chuyên môn (ngăn cách bằng dấu ;)"), validators=[optional(), max_length(1000)],
                           filters=[strip_text])
    max_load = WholeNumberField(_l("Số bài tối đa"), validators=[optional(), _range(0, 1000)])

    @property
    def keyword_items(self) -> list[str]:
        return keyword_list(self.keywords.data)


class ImportJudgesForm(FlaskForm):
    file = FileField(_l("Tệp danh sách (.csv hoặc .xlsx)"), validators=[required()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Lý do"), validators=[required(), max_length(2000)], filters=[strip_text])


# Organizers record a conflict with the same fields a judge declares one.
OrganizerConflictForm = DeclareConflictForm


class RunAssignmentForm(FlaskForm):
    per_entry = WholeNumberField(
        _l("Số giám khảo mỗi bài"),
        validators=[InputRequired(message=_l("Vui lòng nhập trường này.")), _range(1, 50)],
    )
    min_load = WholeNumberField(_l("Số bài tối thiểu mỗi giám khảo"), validators=[optional(), _range(0, 1000)])
    max_load = WholeNumberField(
        _l("Số bài tối đa mỗi giám khảo (để trống: theo hồ sơ từng người)"), validators=[optional(), _range(1, 1000)]
    )
    seed = WholeNumberField(_l("Số khởi tạo (để kết quả lặp lại được)"), validators=[optional(), _range(0, 10**9)])
    expertise_only = BooleanField(_l("Chỉ dùng giám khảo có lĩnh vực chuyên môn trùng với các bài trong vòng"))

    def validate_max_load(self, field: WholeNumberField) -> None:
        if field.data is not None and self.min_load.data is not None and self.min_load.data > field.data:
            raise ValidationError(_("Số bài tối đa phải không nhỏ hơn số bài tối thiểu."))

    def category_overrides(self, codes: list[str]) -> dict[str, int]:
        return {code: self[f"k_{code}"].data for code in codes if self[f"k_{code}"].data}


def run_form_class(categories: list[tuple[str, str]]) -> type[RunAssignmentForm]:
    """The run form with one optional "judges per entry" field per category of the round."""
    attrs = {
        f"k_{code}": WholeNumberField(name, validators=[optional(), _range(1, 50)])
        for code, name in categories
    }
    return type("RunAssignmentFormForRound", (RunAssignmentForm,), attrs)


class AdjustForm(FlaskForm):
    entry_id = SelectField(_l("Bài dự thi"), coerce=int, choices=[], validate_choice=False)
    judge_id = SelectField(_l("Giám khảo"), coerce=int, choices=[], validate_choice=False)
    action = SelectField(_l("Thao tác"), choices=[("add", _l("Thêm cặp")), ("remove", _l("Bỏ cặp"))])
    reason = StringField(_l("Lý do"), validators=[required(), max_length(2000)], filters=[strip_text])
