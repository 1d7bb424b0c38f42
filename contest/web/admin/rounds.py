"""Organizers' round pages: open and close scoring, progress, reminders, exports, advancement, reopening sheets."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from wtforms.fields.choices import SelectChoice

from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _
from contest.models import AdvancementRule, Edition, Role, Round, RoundStatus, ScoreSheet
from contest.rounds import (
    RoundError,
    advance_entries,
    close_round,
    export_csv,
    export_xlsx,
    latest_result,
    next_round,
    open_round,
    reopen_sheet,
    round_progress,
    round_warnings,
    send_reminders,
    standings,
    starts_later,
)
from contest.scoring import sheet_total, sheet_values
from contest.web.admin.forms_rounds import AdvanceForm, ReopenSheetForm
from contest.web.admin.routes import bp


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound()
    return round_


def _actor():
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.route("/vong-cham")
@roles_required(Role.ORGANIZER)
def rounds_index() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    progress = {r.id: round_progress(r) for e in editions for r in e.rounds}
    return render_template("admin/rounds/index.html", editions=editions, progress=progress)


@bp.route("/vong-cham/<int:round_id>", endpoint="round_progress")
@roles_required(Role.ORGANIZER)
def round_progress_page(round_id: int) -> tuple[str, int]:
    return _progress_page(_round_or_404(round_id))


def _progress_page(round_: Round, status: int = 200) -> tuple[str, int]:
    result = latest_result(round_)
    following = next_round(round_)
    return render_template(
        "admin/rounds/progress.html",
        round=round_,
        progress=round_progress(round_),
        result=result,
        following=following,
        standings=standings(round_, result) if result else [],
        warnings=round_warnings(round_),
        starts_later=starts_later(round_),
        assignments_url=url_for("admin.round_assignments", round_id=round_.id),
        action_form=ActionForm(),
    ), status


def _round_action(round_id: int, action: str) -> Response | tuple[str, int]:
    round_ = _round_or_404(round_id)
    try:
        if action == "open":
            start_now = request.form.get("start_now") == "1"
            was_open = round_.status == RoundStatus.OPEN.value
            open_round(round_, actor=_actor(), start_now=start_now)
            if was_open:
                message = _("Giám khảo có thể chấm %(name)s từ bây giờ.", name=round_.name)
            else:
                message = _("Đã mở chấm %(name)s.", name=round_.name)
        else:
            result = close_round(round_, actor=_actor())
            message = _("Đã đóng %(name)s và tính kết quả (%(n)d bài được xếp hạng).", name=round_.name,
                        n=len(result.payload.get("ranking", [])))
        db.session.commit()
    except RoundError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _progress_page(_round_or_404(round_id), error.status)
    flash(message, "success")
    return redirect(url_for("admin.round_progress", round_id=round_id))


@bp.route("/vong-cham/<int:round_id>/mo", methods=["POST"])
@roles_required(Role.ORGANIZER)
def round_open(round_id: int) -> Response | tuple[str, int]:
    return _round_action(round_id, "open")


@bp.route("/vong-cham/<int:round_id>/dong", methods=["POST"])
@roles_required(Role.ORGANIZER)
def round_close(round_id: int) -> Response | tuple[str, int]:
    return _round_action(round_id, "close")


@bp.route("/vong-cham/<int:round_id>/nhac-cham", methods=["POST"])
@roles_required(Role.ORGANIZER)
def round_remind(round_id: int) -> Response:
    round_ = _round_or_404(round_id)
    report = send_reminders(round_, actor=_actor())
    db.session.commit()
    if report.sent:
        flash(_("Đã gửi email nhắc chấm tới %(n)d giám khảo.", n=len(report.sent)), "success")
    elif report.already:
        flash(_("Hôm nay đã nhắc các giám khảo còn nợ phiếu; không gửi lại."), "info")
    else:
        flash(_("Không có giám khảo nào cần nhắc."), "info")
    return redirect(url_for("admin.round_progress", round_id=round_id))


@bp.route("/vong-cham/<int:round_id>/diem-tho.<fmt>")
@roles_required(Role.ORGANIZER)
def round_export(round_id: int, fmt: str) -> Response:
    round_ = _round_or_404(round_id)
    stem = f"diem-tho-{round_.edition.slug}-vong-{round_.position}"
    if fmt == "csv":
        return Response(export_csv(round_), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    if fmt == "xlsx":
        return Response(export_xlsx(round_),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    raise NotFound()


@bp.route("/vong-cham/<int:round_id>/xet-vao-vong-sau", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def round_advance(round_id: int) -> Response | tuple[str, int] | str:
    round_ = _round_or_404(round_id)
    result = latest_result(round_)
    table = standings(round_, result) if result else []
    form = AdvanceForm()
    form.chosen.choices = [SelectChoice(s.entry.id, s.entry.reference_code) for s in table]
    if request.method == "GET":
        form.rule.data = round_.advancement_rule
        form.top_n.data = round_.advance_top_n
        form.threshold.data = round_.min_total_to_advance
    errors: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        try:
            outcome = advance_entries(
                round_, form.rule.data, top_n=form.top_n.data, threshold=form.threshold.data,
                chosen=form.chosen.data or [], reason=form.reason.data or None, actor=_actor(),
            )
            db.session.commit()
        except RoundError as error:
            db.session.rollback()
            flash(error.message, "error")
            errors = error.errors
            status = error.status
        else:
            flash(_("Đã xét vào vòng sau: %(a)d bài vào %(next)s, %(e)d bài dừng ở vòng này.",
                    a=len(outcome.advanced), e=len(outcome.eliminated), next=outcome.next_round.name), "success")
            return redirect(url_for("admin.round_progress", round_id=round_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "admin/rounds/advance.html", round=round_, form=form, standings=table, result=result,
        following=next_round(round_), errors=errors, rules=AdvancementRule,
    ), status


@bp.route("/phieu-cham/<int:sheet_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def sheet_detail(sheet_id: int) -> Response | tuple[str, int]:
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise NotFound()
    form = ReopenSheetForm()
    status = 200
    if form.validate_on_submit():
        try:
            reopen_sheet(sheet, reason=form.reason.data, actor=_actor())
            db.session.commit()
        except RoundError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("Đã mở lại phiếu chấm; giám khảo đã được thông báo qua email."), "success")
            return redirect(url_for("admin.round_progress", round_id=sheet.assignment.round_id))
    elif request.method == "POST":
        status = 422
    assignment = sheet.assignment
    return render_template(
        "admin/rounds/sheet.html", sheet=sheet, assignment=assignment, round=assignment.round,
        total=sheet_total(assignment.round, sheet_values(sheet)), form=form,
    ), status
