"""Forms of the edition setup pages.

Repeating sections (fields, checklist, attachment kinds, award levels, criteria, localities) are lists of
small row forms named ``row-<i>-<field>``: the page always renders two blank rows, so it works without
JavaScript; static/js/editions.js only adds more blank rows on demand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from contest.forms import max_length, optional, required, strip_text
from contest.i18n import _l, local_to_utc, to_local
from contest.labels import APPLICANT_TYPE, ROUND_MODE
from contest.presets import PRESETS

DATETIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
BLANK_ROWS = 2


def number_range(low: float | None = None, high: float | None = None) -> NumberRange:
    if low is not None and high is not None:
        message = _l("Giá trị phải từ %(min)s đến %(max)s.")
    elif low is not None:
        message = _l("Giá trị phải từ %(min)s trở lên.")
    else:
        message = _l("Giá trị không được vượt quá %(max)s.")
    return NumberRange(min=low, max=high, message=message)


def required_input() -> InputRequired:
    """Required for numbers: unlike DataRequired it keeps the "not a number" message and accepts 0."""
    return InputRequired(message=_l("Vui lòng nhập trường này."))


def not_a_number() -> str:
    return str(_l("Vui lòng nhập một số."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LocalDateTimeField(DateTimeLocalField):
    """An HTML datetime-local input read as Asia/Ho_Chi_Minh time and handed on as aware UTC."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators or [optional()], format=DATETIME_FORMAT, **kwargs)

    def process_data(self, value: Any) -> None:
        super().process_data(to_local(value).replace(tzinfo=None) if value is not None else None)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(_l("Ngày giờ không hợp lệ (dd/mm/yyyy hh:mm)."))) from error

    @property
    def utc(self) -> Any:
        return local_to_utc(self.data) if self.data is not None else None


def _dec(places: int = 2, **kwargs: Any) -> dict[str, Any]:
    return {"places": places, **kwargs}


class IntField(IntegerField):
    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(not_a_number()) from error
        if self.data is None and valuelist and valuelist[0].strip():
            raise ValueError(not_a_number())


class DecField(DecimalField):
    """A decimal accepting the Vietnamese comma ("8,5")."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            raw = valuelist[0].strip().replace(" ", "")
            if not raw:
                self.data = None
                return
            valuelist = [raw.replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(not_a_number()) from error
        if self.data is None and valuelist and valuelist[0]:
            raise ValueError(not_a_number())


# ------------------------------------------------------------------------------------------------ edition


class EditionCreateForm(FlaskForm):
    year = IntField(_l("Năm tổ chức"), validators=[required_input(), number_range(2000, 2100)])
    name = StringField(_l("Tên cuộc thi"), validators=[required(), max_length(300)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(300)], filters=[strip_text])
    preset = SelectField(_l("Cấu hình ban đầu"), choices=[], validate_choice=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preset.choices = [("", str(_l("Để trống, tự cấu hình")))] + [
            (key, str(label)) for key, (label, *_) in PRESETS.items()]


class EditionCloneForm(FlaskForm):
    year = IntField(_l("Năm tổ chức"), validators=[required_input(), number_range(2000, 2100)])
    name = StringField(_l("Tên cuộc thi"), validators=[required(), max_length(300)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(300)], filters=[strip_text])


class ReasonMixin:
    reason = TextAreaField(_l("Lý do thay đổi (bắt buộc khi đã có bài dự thi hoặc đã chấm)"),
                           validators=[optional(), max_length(2000)], filters=[strip_text])


class EditionGeneralForm(ReasonMixin, FlaskForm):
    name = StringField(_l("Tên cuộc thi"), validators=[required(), max_length(300)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(300)], filters=[strip_text])
    description = TextAreaField(_l("Giới thiệu"), validators=[optional(), max_length(5000)], filters=[strip_text])
    code_prefix = StringField(_l("Tiền tố mã bài"), validators=[required(), max_length(10)], filters=[strip_text])
    decision_reference = StringField(_l("Số, ngày quyết định ban hành thể lệ"),
                                     validators=[optional(), max_length(200)], filters=[strip_text])
    blind_judging = BooleanField(_l("Ẩn tên tác giả với giám khảo"))
    compare_across_fields = BooleanField(_l("So sánh bài giữa các lĩnh vực"))
    allowed_applicant_types = MultiCheckboxField(_l("Đối tượng được dự thi"), choices=[])
    max_group_size = IntField(_l("Số thành viên tối đa của nhóm"), validators=[optional(), number_range(1, 100)])
    max_entries_per_person = IntField(_l("Số bài tối đa mỗi người (để trống: không giới hạn)"),
                                      validators=[optional(), number_range(1, 100)])
    max_entry_mb = IntField(_l("Dung lượng tối đa mỗi bài (MB)"), validators=[required_input(), number_range(1, 2000)])
    registration_opens_at = LocalDateTimeField(_l("Mở nhận bài"))
    registration_closes_at = LocalDateTimeField(_l("Đóng nhận bài"))
    vote_opens_at = LocalDateTimeField(_l("Bắt đầu bình chọn"))
    vote_closes_at = LocalDateTimeField(_l("Kết thúc bình chọn"))
    results_announced_at = LocalDateTimeField(_l("Công bố kết quả"))
    complaint_ends_at = LocalDateTimeField(_l("Hạn tiếp nhận khiếu nại"))
    expert_points = IntField(_l("Điểm của Hội đồng giám khảo (tối đa)"),
                             validators=[required_input(), number_range(1, 1000)])
    vote_points = IntField(_l("Điểm bình chọn của cộng đồng (0: không bình chọn)"),
                           validators=[optional(), number_range(0, 1000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_applicant_types.choices = [(k, str(v)) for k, v in APPLICANT_TYPE.items()]

    def _ordered(self, first: LocalDateTimeField, second: LocalDateTimeField) -> None:
        if first.data and second.data and second.data <= first.data:
            second.errors.append(str(_l("Phải sau thời điểm “%(label)s”.", label=first.label.text)))

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        self._ordered(self.registration_opens_at, self.registration_closes_at)
        self._ordered(self.vote_opens_at, self.vote_closes_at)
        return ok and not any(f.errors for f in (self.registration_closes_at, self.vote_closes_at))

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name.data, "name_en": self.name_en.data or None,
            "description": self.description.data or None, "code_prefix": self.code_prefix.data,
            "decision_reference": self.decision_reference.data or None,
            "blind_judging": bool(self.blind_judging.data),
            "compare_across_fields": bool(self.compare_across_fields.data),
            "allowed_applicant_types": [t for t in APPLICANT_TYPE if t in (self.allowed_applicant_types.data or [])],
            "max_group_size": self.max_group_size.data, "max_entries_per_person": self.max_entries_per_person.data,
            "max_entry_bytes": self.max_entry_mb.data * 1024 * 1024,
            "registration_opens_at": self.registration_opens_at.utc,
            "registration_closes_at": self.registration_closes_at.utc,
            "vote_opens_at": self.vote_opens_at.utc, "vote_closes_at": self.vote_closes_at.utc,
            "results_announced_at": self.results_announced_at.utc, "complaint_ends_at": self.complaint_ends_at.utc,
            "expert_points": self.expert_points.data, "vote_points": self.vote_points.data or 0,
        }


class RulesDocumentForm(FlaskForm):
    document = FileField(_l("Quyết định ban hành thể lệ đã ký (PDF)"),
                         validators=[FileRequired(_l("Vui lòng chọn tệp PDF."))])


class PresetForm(FlaskForm):
    preset = SelectField(_l("Mẫu thể lệ"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preset.choices = [(key, str(label)) for key, (label, *_) in PRESETS.items()]


class RowsPageForm(ReasonMixin, FlaskForm):
    """The CSRF token and the reason of a page of rows; the rows themselves are parsed by :func:`parse_rows`."""


# ------------------------------------------------------------------------------------------------ rows


class RowForm(Form):
    """One row of a repeating section.  Blank new rows are ignored; ``delete`` removes a saved row."""

    id = HiddenField()
    delete = BooleanField(_l("Xóa dòng này"))
    # Fields whose emptiness makes a new row blank.
    key_fields: tuple[str, ...] = ("name",)

    @property
    def row_id(self) -> int | None:
        try:
            return int(self.id.data) if self.id.data else None
        except ValueError:
            return -1

    def is_blank(self) -> bool:
        return self.row_id is None and not any(
            (getattr(self, name).data not in (None, "", [])) for name in self.key_fields)

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def as_row(self) -> dict[str, Any]:
        if self.delete.data:
            return {"id": self.row_id, "delete": True}
        return {"id": self.row_id, **self.values()}


def _code() -> list[Any]:
    return [required(), max_length(40)]


CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")


def validate_code(form: Form, field: Any) -> None:
    if field.data and not CODE_PATTERN.match(field.data):
        raise ValidationError(str(_l("Mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới.")))


class CategoryRow(RowForm):
    key_fields = ("code", "name", "sub_panel")
    code = StringField(_l("Mã"), validators=[*_code(), validate_code], filters=[strip_text])
    name = StringField(_l("Tên lĩnh vực"), validators=[required(), max_length(300)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(300)], filters=[strip_text])
    sub_panel = StringField(_l("Tiểu ban chấm"), validators=[optional(), max_length(300)], filters=[strip_text])
    description = TextAreaField(_l("Mô tả"), validators=[optional(), max_length(2000)], filters=[strip_text])

    def values(self) -> dict[str, Any]:
        return {"code": self.code.data, "name": self.name.data, "name_en": self.name_en.data or None,
                "sub_panel": self.sub_panel.data or None, "description": self.description.data or None}


class CheckRow(RowForm):
    key_fields = ("label", "failure_reason")
    label = StringField(_l("Điều kiện"), validators=[required(), max_length(500)], filters=[strip_text])
    label_en = StringField(_l("Điều kiện (tiếng Anh)"), validators=[optional(), max_length(500)],
                           filters=[strip_text])
    failure_reason = StringField(_l("Lý do hiển thị cho người dự thi khi không đạt"),
                                 validators=[required(), max_length(500)], filters=[strip_text])
    failure_reason_en = StringField(_l("Lý do (tiếng Anh)"), validators=[optional(), max_length(500)],
                                    filters=[strip_text])

    def values(self) -> dict[str, Any]:
        return {"label": self.label.data, "label_en": self.label_en.data or None,
                "failure_reason": self.failure_reason.data, "failure_reason_en": self.failure_reason_en.data or None}


FILE_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (PPTX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "video/mp4": "MP4",
}


class KindRow(RowForm):
    key_fields = ("code", "name")
    code = StringField(_l("Mã"), validators=[*_code(), validate_code], filters=[strip_text])
    name = StringField(_l("Tên loại tệp"), validators=[required(), max_length(200)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(200)], filters=[strip_text])
    required = BooleanField(_l("Bắt buộc"))
    allows_link = BooleanField(_l("Cho phép nộp liên kết (video)"))
    multiple = BooleanField(_l("Cho phép nhiều tệp"))
    max_size_mb = IntField(_l("Dung lượng tối đa (MB)"), validators=[number_range(1, 2000)])
    allowed_types = MultiCheckboxField(_l("Định dạng được chấp nhận"), choices=list(FILE_TYPES.items()))

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None, **kwargs: Any) -> None:
        if obj is not None and data is None:
            data = {"max_size_mb": max(1, obj.max_size_bytes // (1024 * 1024))}
        super().process(formdata, obj, data, **kwargs)

    def values(self) -> dict[str, Any]:
        return {"code": self.code.data, "name": self.name.data, "name_en": self.name_en.data or None,
                "required": bool(self.required.data), "allows_link": bool(self.allows_link.data),
                "multiple": bool(self.multiple.data), "max_size_bytes": self.max_size_mb.data * 1024 * 1024,
                "allowed_types": [t for t in FILE_TYPES if t in (self.allowed_types.data or [])]}


class LevelRow(RowForm):
    name = StringField(_l("Tên giải"), validators=[required(), max_length(100)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(100)], filters=[strip_text])
    scope = SelectField(_l("Phạm vi"), choices=[("per_category", _l("Mỗi lĩnh vực")),
                                               ("overall", _l("Toàn cuộc thi"))])
    quota = IntField(_l("Số lượng tối đa"), validators=[number_range(0, 1000)])
    min_score = DecField(_l("Điểm tối thiểu"), validators=[optional(), number_range(0, 10000)], **_dec())
    prize_amount = IntField(_l("Tiền thưởng (đồng)"), validators=[optional(), number_range(0, 2_000_000_000)])

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "name_en": self.name_en.data or None, "scope": self.scope.data,
                "quota": self.quota.data, "min_score": self.min_score.data, "prize_amount": self.prize_amount.data}


class CriterionRow(RowForm):
    key_fields = ("key", "name")
    key = StringField(_l("Mã"), validators=[*_code(), validate_code], filters=[strip_text])
    name = StringField(_l("Tên tiêu chí"), validators=[required(), max_length(300)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(300)], filters=[strip_text])
    guidance = TextAreaField(_l("Hướng dẫn chấm"), validators=[optional(), max_length(5000)], filters=[strip_text])
    guidance_en = TextAreaField(_l("Hướng dẫn (tiếng Anh)"), validators=[optional(), max_length(5000)],
                                filters=[strip_text])
    max_score = DecField(_l("Điểm tối đa"), validators=[number_range(0.01, 10000)], **_dec())
    step = DecField(_l("Bước điểm"), validators=[optional(), number_range(0.01, 1000)], **_dec())
    weight = DecField(_l("Trọng số (để trống: bằng điểm tối đa)"), validators=[optional(),
                                                                             number_range(0.001, 10000)], **_dec(3))

    def values(self) -> dict[str, Any]:
        return {"key": self.key.data, "name": self.name.data, "name_en": self.name_en.data or None,
                "guidance": self.guidance.data or None, "guidance_en": self.guidance_en.data or None,
                "max_score": self.max_score.data, "step": self.step.data,
                "weight": self.weight.data if self.weight.data is not None else self.max_score.data}


class LocalityRow(RowForm):
    name = StringField(_l("Tên xã, phường"), validators=[required(), max_length(200)], filters=[strip_text])
    kind = SelectField(_l("Loại"), choices=[("xã", _l("Xã")), ("phường", _l("Phường")),
                                           ("đặc khu", _l("Đặc khu"))])
    province = StringField(_l("Tỉnh"), validators=[required(), max_length(100)], filters=[strip_text],
                           default="Thái Nguyên")
    active = BooleanField(_l("Đang sử dụng"), default=True)

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "kind": self.kind.data, "province": self.province.data,
                "active": bool(self.active.data)}


ROW_KEY = re.compile(r"^row-(\d+)-")


def parse_rows(row_cls: type[RowForm], formdata: Any) -> list[RowForm]:
    """Every row form present in the POST, in the order of their indices."""
    indices = sorted({int(m.group(1)) for key in formdata for m in [ROW_KEY.match(key)] if m})
    return [row_cls(formdata, prefix=f"row-{i}-") for i in indices[:500]]


def rows_for(row_cls: type[RowForm], objects: list[Any]) -> list[RowForm]:
    """Forms for the saved rows followed by blank ones."""
    forms = [row_cls(obj=obj, prefix=f"row-{i}-") for i, obj in enumerate(objects)]
    forms += [row_cls(prefix=f"row-{len(objects) + j}-") for j in range(BLANK_ROWS)]
    return forms


def validate_rows(rows: list[RowForm]) -> bool:
    ok = True
    for row in rows:
        if row.delete.data or row.is_blank():
            continue
        if row.row_id == -1 or not row.validate():
            ok = False
    return ok


def rows_data(rows: list[RowForm]) -> list[dict[str, Any]]:
    return [row.as_row() for row in rows if not row.is_blank()]


# ------------------------------------------------------------------------------------------------ rounds


class RoundForm(ReasonMixin, FlaskForm):
    name = StringField(_l("Tên vòng"), validators=[required(), max_length(200)], filters=[strip_text])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[optional(), max_length(200)], filters=[strip_text])
    mode = SelectField(_l("Hình thức chấm"), choices=[])
    judges_per_entry = IntField(_l("Số giám khảo chấm mỗi bài (khi phân công)"),
                                validators=[required_input(), number_range(1, 50)])
    opens_at = LocalDateTimeField(_l("Bắt đầu chấm"))
    closes_at = LocalDateTimeField(_l("Kết thúc chấm"))
    scoring_deadline = LocalDateTimeField(_l("Hạn nộp phiếu chấm"))
    presentation_at = LocalDateTimeField(_l("Thời gian buổi thuyết trình"))
    presentation_place = StringField(_l("Địa điểm buổi thuyết trình"), validators=[optional(), max_length(300)],
                                     filters=[strip_text])
    scale = IntField(_l("Thang điểm của vòng"), validators=[required_input(), number_range(1, 1000)])
    advancement_rule = SelectField(_l("Cách chọn bài vào vòng sau"), choices=[
        ("top_n", _l("N bài điểm cao nhất mỗi lĩnh vực")), ("threshold", _l("Mọi bài đạt điểm tối thiểu")),
        ("manual", _l("Ban tổ chức quyết định, ghi rõ lý do"))])
    advance_top_n = IntField(_l("Số bài vào vòng sau mỗi lĩnh vực (N)"), validators=[optional(),
                                                                                  number_range(1, 1000)])
    min_total_to_advance = DecField(_l("Điểm tối thiểu để vào vòng sau"),
                                    validators=[optional(), number_range(0, 10000)], **_dec())
    zero_eliminates = BooleanField(_l("Có tiêu chí bị 0 điểm thì bị loại"))
    disagreement_percent = DecField(_l("Ngưỡng cảnh báo giám khảo chênh lệch (% thang điểm)"),
                                    validators=[required_input(), number_range(0, 100)], **_dec(1))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        obj = kwargs.get("obj")
        if obj is not None and "data" not in kwargs:
            kwargs["data"] = {"disagreement_percent": (obj.disagreement_threshold or 0) * 100}
        super().__init__(*args, **kwargs)
        self.mode.choices = [(k, str(v)) for k, v in ROUND_MODE.items()]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        if self.opens_at.data and self.closes_at.data and self.closes_at.data <= self.opens_at.data:
            self.closes_at.errors.append(str(_l("Phải sau thời điểm bắt đầu chấm.")))
            ok = False
        if self.presentation_at.data and not self.presentation_place.data:
            self.presentation_place.errors.append(str(_l("Vui lòng nhập địa điểm của buổi thuyết trình.")))
            ok = False
        if self.presentation_place.data and not self.presentation_at.data:
            self.presentation_at.errors.append(str(_l("Vui lòng nhập thời gian của buổi thuyết trình.")))
            ok = False
        return ok

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name.data, "name_en": self.name_en.data or None, "mode": self.mode.data,
            "judges_per_entry": self.judges_per_entry.data, "opens_at": self.opens_at.utc,
            "closes_at": self.closes_at.utc, "scoring_deadline": self.scoring_deadline.utc, "scale": self.scale.data,
            "presentation_at": self.presentation_at.utc, "presentation_place": self.presentation_place.data or None,
            "advancement_rule": self.advancement_rule.data, "advance_top_n": self.advance_top_n.data,
            "min_total_to_advance": self.min_total_to_advance.data, "zero_eliminates": bool(self.zero_eliminates.data),
            "disagreement_threshold": (self.disagreement_percent.data / 100).quantize(Decimal("0.001")),
        }


class NewRoundForm(FlaskForm):
    name = StringField(_l("Tên vòng mới"), validators=[required(), max_length(200)], filters=[strip_text])
    mode = SelectField(_l("Hình thức chấm"), choices=[])
    scale = IntField(_l("Thang điểm của vòng"), validators=[required_input(), number_range(1, 1000)], default=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode.choices = [(k, str(v)) for k, v in ROUND_MODE.items()]
