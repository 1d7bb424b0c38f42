"""Organizers' assignment pages: run the engine for a round, preview the matrix, adjust, publish, fill holes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from contest.access import roles_required
from contest.assignments import (
    AssignmentError,
    adjust,
    assignment_board,
    conflict_reason_label,
    fill_holes,
    publish_assignment,
    round_entries,
    run_assignment,
)
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _
from contest.models import Assignment, Edition, Entry, Role, Round, RoundMode, User
from contest.web.admin.forms_judges import AdjustForm, RunAssignmentForm, run_form_class
from contest.web.admin.routes import bp


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound()
    return round_


@bp.route("/phan-cong")
@roles_required(Role.ORGANIZER)
def assignments_index() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    counts: dict[int, dict[str, int]] = {}
    for round_id, state, n in db.session.execute(
        select(Assignment.round_id, Assignment.state, func.count(Assignment.id))
        .group_by(Assignment.round_id, Assignment.state)
    ):
        counts.setdefault(round_id, {})[state] = n
    return render_template("admin/assignments/index.html", editions=editions, counts=counts)


def _problem(error: Exception) -> AssignmentError:
    """A refused operation, or a write that lost a race with another organizer's (the database said no)."""
    if isinstance(error, AssignmentError):
        return error
    return AssignmentError(_("Phân công vừa được người khác thay đổi. Vui lòng xem lại rồi thử lại."), status=409)


def _categories(round_: Round) -> list[tuple[str, str]]:
    """The fields of the round's entries, for the per-field "judges per entry" inputs."""
    seen: dict[str, str] = {}
    for entry in round_entries(round_):
        seen.setdefault(entry.category.code, entry.category.name)
    return list(seen.items())


def _board_page(
    round_: Round,
    *,
    run_form: RunAssignmentForm | None = None,
    adjust_form: AdjustForm | None = None,
    problem: AssignmentError | None = None,
    status: int = 200,
) -> tuple[str, int]:
    board = assignment_board(round_)
    categories = _categories(round_)
    if run_form is None:
        run_form = run_form_class(categories)(formdata=None)
        settings = board.settings
        run_form.per_entry.data = settings.per_entry
        run_form.min_load.data = settings.min_load
        run_form.max_load.data = settings.max_load
        run_form.seed.data = settings.seed
        run_form.expertise_only.data = settings.expertise_only
        for code, _name in categories:
            run_form[f"k_{code}"].data = settings.per_category.get(code)
    if adjust_form is None:
        adjust_form = AdjustForm(formdata=None)
    adjust_form.entry_id.choices = [(e.id, f"{e.reference_code} – {e.title}") for e in board.entries]
    adjust_form.judge_id.choices = [(j.id, j.full_name) for j in board.judges]
    return render_template(
        "admin/assignments/round.html",
        round=round_,
        board=board,
        run_form=run_form,
        category_fields=[run_form[f"k_{code}"] for code, _name in categories],
        adjust_form=adjust_form,
        action_form=ActionForm(),
        problem=problem,
        full_panel=round_.mode == RoundMode.FULL_PANEL.value,
        reason_label=conflict_reason_label,
    ), status


@bp.route("/phan-cong/vong/<int:round_id>")
@roles_required(Role.ORGANIZER)
def round_assignments(round_id: int) -> tuple[str, int]:
    return _board_page(_round_or_404(round_id))


@bp.route("/phan-cong/vong/<int:round_id>/chay", methods=["POST"])
@roles_required(Role.ORGANIZER)
def run_round_assignment(round_id: int) -> tuple[str, int] | Response:
    round_ = _round_or_404(round_id)
    categories = _categories(round_)
    form = run_form_class(categories)()
    if not form.validate_on_submit():
        return _board_page(round_, run_form=form, status=400)
    try:
        report = run_assignment(
            round_,
            per_entry=form.per_entry.data,
            per_category=form.category_overrides([code for code, _name in categories]),
            min_load=form.min_load.data,
            max_load=form.max_load.data,
            seed=form.seed.data or 0,
            expertise_only=form.expertise_only.data,
            actor=_actor(),
        )
        db.session.commit()
    except (AssignmentError, IntegrityError) as error:
        db.session.rollback()
        problem = _problem(error)
        return _board_page(round_, run_form=form, problem=problem, status=problem.status)
    flash(_("Đã tính phân công dự kiến: %(n)d cặp giám khảo – bài. Hãy xem lại rồi công bố.", n=report.created),
          "success")
    return redirect(url_for("admin.round_assignments", round_id=round_.id))


@bp.route("/phan-cong/vong/<int:round_id>/cong-bo", methods=["POST"])
@roles_required(Role.ORGANIZER)
def publish_round_assignment(round_id: int) -> tuple[str, int] | Response:
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        return _board_page(round_, status=400)
    try:
        report = publish_assignment(round_, actor=_actor())
        db.session.commit()
    except (AssignmentError, IntegrityError) as error:
        db.session.rollback()
        problem = _problem(error)
        flash(problem.message, "warning")
        return redirect(url_for("admin.round_assignments", round_id=round_.id))
    flash(_("Đã công bố %(n)d phân công và gửi thư cho %(j)d giám khảo.", n=report.published, j=len(report.judges)),
          "success")
    if report.dropped:
        flash(_("%(n)d cặp bị hủy do xung đột lợi ích mới hoặc giám khảo đã ngừng hoạt động; hãy bổ sung chỗ trống.",
                n=report.dropped), "warning")
    return redirect(url_for("admin.round_assignments", round_id=round_.id))


@bp.route("/phan-cong/vong/<int:round_id>/bo-sung", methods=["POST"])
@roles_required(Role.ORGANIZER)
def fill_round_holes(round_id: int) -> tuple[str, int] | Response:
    round_ = _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        return _board_page(round_, status=400)
    try:
        report = fill_holes(round_, actor=_actor())
        db.session.commit()
    except (AssignmentError, IntegrityError) as error:
        db.session.rollback()
        problem = _problem(error)
        return _board_page(round_, problem=problem, status=problem.status)
    if report.created:
        flash(_("Đã bổ sung %(n)d cặp giám khảo – bài (dự kiến); các phân công khác giữ nguyên. Hãy công bố để gửi "
                "thư cho giám khảo.", n=report.created), "success")
    else:
        flash(_("Không có chỗ trống nào cần bổ sung."), "info")
    return redirect(url_for("admin.round_assignments", round_id=round_.id))


@bp.route("/phan-cong/vong/<int:round_id>/dieu-chinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def adjust_round_assignment(round_id: int) -> tuple[str, int] | Response:
    round_ = _round_or_404(round_id)
    form = AdjustForm()
    if not form.validate_on_submit():
        return _board_page(round_, adjust_form=form, status=400)
    entry = db.session.get(Entry, form.entry_id.data)
    judge = db.session.get(User, form.judge_id.data)
    if entry is None or judge is None:
        return _board_page(
            round_, adjust_form=form, status=404,
            problem=AssignmentError(_("Không tìm thấy bài dự thi hoặc giám khảo đã chọn."), status=404),
        )
    try:
        adjust(round_, entry=entry, judge=judge, action=form.action.data, reason=form.reason.data, actor=_actor())
        db.session.commit()
    except (AssignmentError, IntegrityError) as error:
        db.session.rollback()
        problem = _problem(error)
        return _board_page(round_, adjust_form=form, problem=problem, status=problem.status)
    if form.action.data == "add":
        flash(_("Đã thêm %(name)s cho bài %(code)s (dự kiến, cần công bố).", name=judge.full_name,
                code=entry.reference_code), "success")
    else:
        flash(_("Đã bỏ %(name)s khỏi bài %(code)s.", name=judge.full_name, code=entry.reference_code), "success")
    return redirect(url_for("admin.round_assignments", round_id=round_.id))
