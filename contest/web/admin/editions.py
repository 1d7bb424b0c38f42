"""Organizers set up each year's edition: create or clone, configure section by section, check, open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from contest import editions
from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _, quoted
from contest.models import Edition, Locality, Role, Round, utcnow
from contest.phases import entry_tally
from contest.storage import StorageError, get_store
from contest.web.admin.forms_editions import (
    CategoryRow,
    CheckRow,
    CriterionRow,
    EditionCloneForm,
    EditionCreateForm,
    EditionGeneralForm,
    KindRow,
    LevelRow,
    LocalityRow,
    NewRoundForm,
    PresetForm,
    RoundForm,
    RowForm,
    RowsPageForm,
    RulesDocumentForm,
    parse_rows,
    rows_data,
    rows_for,
    validate_rows,
)
from contest.web.admin.routes import bp


def load_edition(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    return edition


def load_round(edition: Edition, round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.edition_id != edition.id:
        abort(404)
    return round_


def _recent_twin(year: int, name: str) -> Edition | None:
    """An edition with this year and name created in the last two minutes (a double submit)."""
    since = utcnow() - timedelta(minutes=2)
    return db.session.scalars(select(Edition).where(Edition.year == year, Edition.name == name.strip(),
                                                    Edition.created_at >= since)).first()


def _refused(exc: editions.EditionError) -> int:
    """Undo the request's changes, tell the organizer why, and give the status the page answers with."""
    db.session.rollback()
    flash(exc.message, "error")
    return exc.status


# ------------------------------------------------------------------------------------------------ list, create


@bp.route("/cuoc-thi", endpoint="editions")
@roles_required(Role.ORGANIZER)
def edition_list() -> str:
    rows = db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    return render_template("admin/editions/list.html", editions=rows)


@bp.route("/cuoc-thi/moi", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_new() -> Response | tuple[str, int] | str:
    form = EditionCreateForm()
    if form.validate_on_submit():
        twin = _recent_twin(form.year.data, form.name.data)
        if twin is not None:  # a double submit: the first one already created it
            return redirect(url_for("admin.edition_overview", edition_id=twin.id))
        try:
            edition = editions.create_edition(form.year.data, form.name.data, name_en=form.name_en.data or None)
            if form.preset.data:
                editions.apply_preset(edition, form.preset.data)
        except editions.EditionError as exc:
            _refused(exc)
        else:
            db.session.commit()
            flash(_("Đã tạo cuộc thi %(name)s.", name=quoted(edition.name)), "success")
            return redirect(url_for("admin.edition_overview", edition_id=edition.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/editions/new.html", form=form), status


@bp.route("/cuoc-thi/<int:edition_id>/nhan-ban", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_clone(edition_id: int) -> Response | tuple[str, int]:
    source = load_edition(edition_id)
    form = EditionCloneForm(data=None if request.method == "POST" else {
        "year": source.year + 1, "name": editions.name_for_year(source.name, source.year, source.year + 1),
        "name_en": editions.name_for_year(source.name_en, source.year, source.year + 1)})
    if form.validate_on_submit():
        twin = _recent_twin(form.year.data, form.name.data)
        if twin is not None and twin.cloned_from_id == source.id:
            return redirect(url_for("admin.edition_overview", edition_id=twin.id))
        try:
            edition = editions.clone_edition(source, form.year.data, form.name.data, name_en=form.name_en.data)
        except editions.EditionError as exc:
            _refused(exc)
        else:
            db.session.commit()
            flash(_("Đã nhân bản cấu hình từ %(source)s. Hãy kiểm tra lại lịch và các nội dung.",
                    source=quoted(source.name)), "success")
            return redirect(url_for("admin.edition_overview", edition_id=edition.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/editions/clone.html", form=form, source=source), status


# ------------------------------------------------------------------------------------------------ overview


@bp.route("/cuoc-thi/<int:edition_id>")
@roles_required(Role.ORGANIZER)
def edition_overview(edition_id: int) -> str:
    edition = load_edition(edition_id)
    return render_template("admin/editions/overview.html", edition=edition, problems=editions.validate_edition(edition),
                           counts=editions.edition_counts(edition), tally=entry_tally(edition.id),
                           preset_form=PresetForm(), action=ActionForm())


@bp.route("/cuoc-thi/<int:edition_id>/ap-dung-mau", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_preset(edition_id: int) -> Response:
    edition = load_edition(edition_id)
    form = PresetForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        editions.apply_preset(edition, form.preset.data)
    except editions.EditionError as exc:
        _refused(exc)
    else:
        db.session.commit()
        flash(_("Đã áp dụng mẫu thể lệ. Hãy đặt lịch cho cuộc thi và các vòng chấm."), "success")
    return redirect(url_for("admin.edition_overview", edition_id=edition.id))


@bp.route("/cuoc-thi/<int:edition_id>/kiem-tra")
@roles_required(Role.ORGANIZER)
def edition_validate(edition_id: int) -> str:
    edition = load_edition(edition_id)
    return render_template("admin/editions/validate.html", edition=edition,
                           problems=editions.validate_edition(edition), action=ActionForm())


@bp.route("/cuoc-thi/<int:edition_id>/xac-nhan-gia-tri", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_confirm_value(edition_id: int) -> Response:
    edition = load_edition(edition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if editions.confirm_value(edition, request.form.get("key", "")):
        db.session.commit()
        flash(_("Đã xác nhận giá trị theo quyết định của đơn vị."), "success")
    return redirect(url_for("admin.edition_validate", edition_id=edition.id))


@bp.route("/cuoc-thi/<int:edition_id>/mo", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_open(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        editions.open_edition(edition)
    except editions.NotReady as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("admin/editions/validate.html", edition=edition, problems=exc.problems,
                               action=ActionForm()), 409
    except editions.EditionError as exc:
        _refused(exc)
        return redirect(url_for("admin.edition_overview", edition_id=edition.id))
    db.session.commit()
    flash(_("Cuộc thi đã mở. Thể lệ đã được công bố trên trang công khai."), "success")
    return redirect(url_for("admin.edition_overview", edition_id=edition.id))


# ------------------------------------------------------------------------------------------------ general


@bp.route("/cuoc-thi/<int:edition_id>/thong-tin", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_general(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    form = EditionGeneralForm(obj=edition, data=None if request.method == "POST" else {
        "max_entry_mb": edition.max_entry_bytes // (1024 * 1024)})
    need_reason = False
    failed = 422
    if form.validate_on_submit():
        try:
            changed = editions.update_edition(edition, form.changes(), reason=form.reason.data)
        except editions.ReasonRequired as exc:
            failed = _refused(exc)
            need_reason = True
        except editions.EditionError as exc:
            failed = _refused(exc)
        else:
            db.session.commit()
            flash(_("Đã lưu thông tin chung.") if changed else _("Không có gì thay đổi."), "success")
            return redirect(url_for("admin.edition_general", edition_id=edition.id))
    status = failed if request.method == "POST" else 200
    return render_template("admin/editions/general.html", edition=edition, form=form, need_reason=need_reason,
                           document_form=RulesDocumentForm()), status


@bp.route("/cuoc-thi/<int:edition_id>/quyet-dinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_rules_document(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    form = RulesDocumentForm()
    if not form.validate_on_submit():
        for error in form.document.errors or [_("Vui lòng chọn tệp PDF.")]:
            flash(str(error), "error")
        return redirect(url_for("admin.edition_general", edition_id=edition.id) + "#decision")
    upload = form.document.data
    try:
        old_key = editions.attach_rules_document(edition, upload.stream, upload.filename or "quyet-dinh.pdf")
    except editions.EditionError as exc:
        _refused(exc)
        return redirect(url_for("admin.edition_general", edition_id=edition.id) + "#decision")
    except ValueError:  # the storage's InvalidUpload (bad name, too large) is a ValueError
        db.session.rollback()
        flash(_("Tệp không hợp lệ hoặc vượt quá 20 MB."), "error")
        return redirect(url_for("admin.edition_general", edition_id=edition.id) + "#decision")
    except StorageError:
        db.session.rollback()
        flash(_("Kho lưu trữ tệp tạm thời không khả dụng. Vui lòng thử lại sau."), "error")
        return redirect(url_for("admin.edition_general", edition_id=edition.id) + "#decision")
    db.session.commit()
    if old_key:
        try:
            get_store().delete(old_key)
        except StorageError:
            pass  # an orphan for find_orphans to report; the new document is in place
    flash(_("Đã tải lên quyết định ban hành thể lệ."), "success")
    return redirect(url_for("admin.edition_general", edition_id=edition.id) + "#decision")


# ------------------------------------------------------------------------------------------------ rows


def _rows_page(edition: Edition, *, row_cls: type[RowForm], objects: list[Any], save: Callable[..., Any],
               title: str, anchor: str, endpoint: str, intro: str = "",
               extra: dict[str, Any] | None = None) -> Response | tuple[str, int]:
    page_form = RowsPageForm()
    need_reason = False
    if request.method == "POST":
        rows = parse_rows(row_cls, request.form)
        status = 422
        if page_form.validate_on_submit() and validate_rows(rows):
            try:
                plan = save(rows_data(rows), reason=page_form.reason.data)
            except editions.ReasonRequired as exc:
                status = _refused(exc)
                need_reason = True
            except editions.EditionError as exc:
                status = _refused(exc)
            else:
                db.session.commit()
                flash(_("Đã lưu thay đổi.") if plan.any else _("Không có gì thay đổi."), "success")
                return redirect(url_for(endpoint, edition_id=edition.id))
    else:
        rows = rows_for(row_cls, objects)
        status = 200
    blank = row_cls(prefix="row-__i__-")
    return render_template("admin/editions/rows.html", edition=edition, rows=rows, blank=blank, form=page_form,
                           title=title, anchor=anchor, intro=intro, need_reason=need_reason,
                           action_url=url_for(endpoint, edition_id=edition.id), **(extra or {})), status


@bp.route("/cuoc-thi/<int:edition_id>/linh-vuc", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_categories(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    return _rows_page(edition, row_cls=CategoryRow, objects=edition.categories,
                      save=lambda rows, reason: editions.save_categories(edition, rows, reason=reason),
                      title=_("Lĩnh vực và tiểu ban chấm"), anchor="category", endpoint="admin.edition_categories",
                      intro=_("Mỗi lĩnh vực do một tiểu ban của hội đồng giám khảo chấm."))


@bp.route("/cuoc-thi/<int:edition_id>/dieu-kien", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_checklist(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    return _rows_page(edition, row_cls=CheckRow, objects=edition.eligibility_checks,
                      save=lambda rows, reason: editions.save_eligibility_checks(edition, rows, reason=reason),
                      title=_("Điều kiện dự thi"), anchor="check", endpoint="admin.edition_checklist",
                      intro=_("Tổ thư ký đánh dấu từng điều kiện cho mỗi bài; người dự thi thấy lý do khi "
                              "bài không đạt."))


@bp.route("/cuoc-thi/<int:edition_id>/ho-so", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_attachments(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    return _rows_page(edition, row_cls=KindRow, objects=edition.attachment_kinds,
                      save=lambda rows, reason: editions.save_attachment_kinds(edition, rows, reason=reason),
                      title=_("Thành phần hồ sơ dự thi"), anchor="kind", endpoint="admin.edition_attachments",
                      intro=_("Các loại tệp người dự thi nộp, loại nào bắt buộc và dung lượng tối đa."))


@bp.route("/cuoc-thi/<int:edition_id>/giai-thuong", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_awards(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    return _rows_page(edition, row_cls=LevelRow, objects=edition.award_levels,
                      save=lambda rows, reason: editions.save_award_levels(edition, rows, reason=reason),
                      title=_("Cơ cấu giải thưởng"), anchor="level", endpoint="admin.edition_awards",
                      intro=_("Xếp từ giải cao nhất. Số lượng là tối đa, có thể không trao hết; điểm tối "
                              "thiểu tính trên tổng %(total)s điểm.", total=edition.total_points))


# ------------------------------------------------------------------------------------------------ rounds


@bp.route("/cuoc-thi/<int:edition_id>/vong-thi", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_rounds(edition_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    form = NewRoundForm()
    if form.validate_on_submit():
        round_ = editions.add_round(edition, {"name": form.name.data, "mode": form.mode.data, "scale": form.scale.data})
        db.session.commit()
        flash(_("Đã thêm vòng “%(name)s”.", name=round_.name), "success")
        return redirect(url_for("admin.edition_round", edition_id=edition.id, round_id=round_.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/editions/rounds.html", edition=edition, form=form, action=ActionForm()), status


@bp.route("/cuoc-thi/<int:edition_id>/vong-thi/<int:round_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def edition_round(edition_id: int, round_id: int) -> Response | tuple[str, int]:
    edition = load_edition(edition_id)
    round_ = load_round(edition, round_id)
    need_reason = False
    if request.method == "POST":
        form = RoundForm()
        rows = parse_rows(CriterionRow, request.form)
        status = 422
        if form.validate_on_submit() & validate_rows(rows):
            try:
                editions.update_round(round_, form.changes(), reason=form.reason.data)
                editions.save_criteria(round_, rows_data(rows), reason=form.reason.data)
            except editions.ReasonRequired as exc:
                status = _refused(exc)
                need_reason = True
            except editions.EditionError as exc:
                status = _refused(exc)
            else:
                db.session.commit()
                flash(_("Đã lưu vòng “%(name)s”.", name=round_.name), "success")
                return redirect(url_for("admin.edition_round", edition_id=edition.id, round_id=round_.id))
    else:
        form = RoundForm(obj=round_)
        rows = rows_for(CriterionRow, round_.criteria)
        status = 200
    total = sum((c.max_score - c.min_score for c in round_.criteria), 0)
    return render_template("admin/editions/round.html", edition=edition, round=round_, form=form, rows=rows,
                           blank=CriterionRow(prefix="row-__i__-"), need_reason=need_reason, total=total,
                           scored=editions.round_is_scored(round_), action=ActionForm()), status


@bp.route("/cuoc-thi/<int:edition_id>/vong-thi/<int:round_id>/thu-tu", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_round_move(edition_id: int, round_id: int) -> Response:
    edition = load_edition(edition_id)
    round_ = load_round(edition, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    offset = {"len": -1, "xuong": 1}.get(request.form.get("huong", ""))
    if offset is None:
        abort(400)
    try:
        moved = editions.move_round(round_, offset)
    except editions.EditionError as exc:
        _refused(exc)
    else:
        db.session.commit()
        if moved:
            flash(_("Đã đổi thứ tự vòng thi."), "success")
    return redirect(url_for("admin.edition_rounds", edition_id=edition.id))


@bp.route("/cuoc-thi/<int:edition_id>/vong-thi/<int:round_id>/xoa", methods=["POST"])
@roles_required(Role.ORGANIZER)
def edition_round_delete(edition_id: int, round_id: int) -> Response:
    edition = load_edition(edition_id)
    round_ = load_round(edition, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        editions.delete_round(round_)
    except editions.EditionError as exc:
        _refused(exc)
        return redirect(url_for("admin.edition_round", edition_id=edition.id, round_id=round_id))
    db.session.commit()
    flash(_("Đã xóa vòng thi."), "success")
    return redirect(url_for("admin.edition_rounds", edition_id=edition.id))


# ------------------------------------------------------------------------------------------------ localities


@bp.route("/dia-ban", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def localities() -> Response | tuple[str, int]:
    page_form = RowsPageForm()
    if request.method == "POST":
        rows = parse_rows(LocalityRow, request.form)
        status = 422
        if page_form.validate_on_submit() and validate_rows(rows):
            try:
                plan = editions.save_localities(rows_data(rows))
            except editions.EditionError as exc:
                status = _refused(exc)
            else:
                db.session.commit()
                flash(_("Đã lưu danh sách địa bàn.") if plan.any else _("Không có gì thay đổi."), "success")
                return redirect(url_for("admin.localities"))
    else:
        objects = list(db.session.scalars(select(Locality).order_by(Locality.province, Locality.name)))
        rows = rows_for(LocalityRow, objects)
        status = 200
    return render_template("admin/editions/localities.html", rows=rows, blank=LocalityRow(prefix="row-__i__-"),
                           form=page_form), status
