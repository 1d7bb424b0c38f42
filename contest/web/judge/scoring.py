"""The judge's entry page and score sheet: read the dossier, save drafts (autosave), submit, recuse."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user
from werkzeug.wrappers import Response

from contest.access import roles_required
from contest.entries import authors_hidden_from
from contest.extensions import db
from contest.i18n import _, to_local
from contest.models import Assignment, Attachment, Role, ScoreSheet, SheetStatus, utcnow
from contest.scoring import (
    ScoringError,
    SheetInput,
    closed_reason,
    judge_assignment_or_404,
    recuse_from_entry,
    save_score_sheet,
    sheet_of,
    sheet_running_total,
    sheet_values,
    submit_score_sheet,
)
from contest.web.judge.forms_scoring import BadSheetForm, RecuseForm, sheet_input_from
from contest.web.judge.routes import bp


def attachment_url(attachment: Attachment) -> str:
    """The entries area's file route (it checks access again, and shows PDFs and images inline)."""
    return url_for("entries.download", attachment_id=attachment.id)


def viewable_inline(attachment: Attachment) -> bool:
    kind = attachment.content_type or ""
    return kind == "application/pdf" or kind.startswith("image/") or kind.startswith("video/")


def time_left(deadline: datetime | None, now: datetime) -> dict[str, int] | None:
    """Days, hours and minutes until ``deadline`` (None without one; zeros once past)."""
    if deadline is None:
        return None
    seconds = max(0, int((deadline - now).total_seconds()))
    return {"days": seconds // 86400, "hours": seconds % 86400 // 3600, "minutes": seconds % 3600 // 60,
            "seconds": seconds}


def _display_values(sheet: ScoreSheet | None, data: SheetInput | None) -> dict[str, Any]:
    """What the form shows: the posted text after a refused save, otherwise the stored sheet."""
    if data is not None:
        return {
            "scores": {cid: (v or "") for cid, v in data.scores.items()},
            "comments": {cid: (v or "") for cid, v in data.comments.items()},
            "comment_to_applicant": data.comment_to_applicant or "",
            "private_note": data.private_note or "",
        }
    scores: dict[int, str] = {}
    comments: dict[int, str] = {}
    if sheet is not None:
        for s in sheet.scores:
            scores[s.criterion_id] = "" if s.value is None else _plain(s.value)
            comments[s.criterion_id] = s.comment or ""
    return {
        "scores": scores,
        "comments": comments,
        "comment_to_applicant": (sheet.comment_to_applicant or "") if sheet else "",
        "private_note": (sheet.private_note or "") if sheet else "",
    }


def display_number(value: Decimal | None) -> str:
    """A limit as people read it: 0,5 · 20 (Vietnamese decimal comma, no trailing zeros)."""
    return "" if value is None else format_decimal(value.normalize())


def _plain(value: Decimal) -> str:
    """A score as the number field wants it: 7.5, 20 (never 20.00 or 7,50)."""
    text = format(value.normalize(), "f")
    return text


def _render_sheet(assignment: Assignment, *, status: int = 200, data: SheetInput | None = None,
                  errors: dict[str, str] | None = None, message: str | None = None,
                  rejected: SheetInput | None = None) -> tuple[str, int]:
    now = utcnow()
    round_ = assignment.round
    sheet = assignment.sheet  # loaded with the assignment, in this transaction
    values = sheet_values(sheet)
    deadline = round_.scoring_deadline or round_.closes_at
    locked = sheet is not None and sheet.status == SheetStatus.SUBMITTED.value
    return render_template(
        "judge/scoring/sheet.html",
        assignment=assignment,
        entry=assignment.entry,
        round=round_,
        sheet=sheet,
        version=sheet.version if sheet else 0,
        shown=_display_values(sheet, data),
        rejected=_display_values(None, rejected) if rejected else None,
        errors=errors or {},
        message=message,
        total=sheet_running_total(round_, values),
        closed=closed_reason(round_, now),
        locked=locked,
        deadline=deadline,
        left=time_left(deadline, now),
        blind=authors_hidden_from(current_user, assignment.entry),
        attachment_url=attachment_url,
        viewable_inline=viewable_inline,
        recuse_form=RecuseForm(),
        num=display_number,
    ), status


@bp.route("/cham/<int:assignment_id>")
@roles_required(Role.JUDGE)
def score_entry(assignment_id: int) -> tuple[str, int]:
    assignment = judge_assignment_or_404(current_user, assignment_id, with_dossier=True)
    return _render_sheet(assignment)


@bp.route("/cham/<int:assignment_id>", methods=["POST"])
@roles_required(Role.JUDGE)
def post_sheet(assignment_id: int) -> Response | tuple[str, int]:
    """The no-script path: "Lưu nháp" and "Nộp phiếu" buttons post the whole form here."""
    assignment = judge_assignment_or_404(current_user, assignment_id, with_dossier=True)
    try:
        data = sheet_input_from(request.form, assignment.round)
    except BadSheetForm:
        return _render_sheet(assignment, status=400,
                             message=_("Biểu mẫu phiếu chấm không hợp lệ. Vui lòng tải lại trang."))
    submitting = request.form.get("action") == "submit"
    try:
        if submitting:
            newly = submit_score_sheet(assignment, data)[1]
        else:
            save_score_sheet(assignment, data)
        db.session.commit()
    except ScoringError as error:
        db.session.rollback()
        assignment = judge_assignment_or_404(current_user, assignment_id, with_dossier=True)
        if error.status == 409:
            # Show the newer stored sheet, and what this save carried so nothing typed is lost.
            return _render_sheet(assignment, status=409, message=error.message, rejected=data)
        return _render_sheet(assignment, status=error.status, data=data, errors=error.errors, message=error.message)
    if submitting:
        flash(_("Đã nộp phiếu chấm bài %(code)s.", code=assignment.entry.reference_code) if newly
              else _("Phiếu chấm này đã được nộp trước đó; nội dung đã nộp được giữ nguyên."), "success")
        return redirect(url_for("judge.dashboard"))
    flash(_("Đã lưu nháp phiếu chấm."), "success")
    return redirect(url_for("judge.score_entry", assignment_id=assignment.id))


@bp.route("/cham/<int:assignment_id>/nhap", methods=["POST"])
@roles_required(Role.JUDGE)
def autosave(assignment_id: int) -> tuple[Response, int]:
    """The autosave endpoint: the same form, answered in JSON (the page's script posts here)."""
    assignment = judge_assignment_or_404(current_user, assignment_id)
    try:
        data = sheet_input_from(request.form, assignment.round)
    except BadSheetForm:
        return jsonify(ok=False, message=_("Biểu mẫu phiếu chấm không hợp lệ. Vui lòng tải lại trang."),
                       errors={}), 400
    try:
        sheet = save_score_sheet(assignment, data)
        # The answer is read before the commit, which would expire every loaded row and cost a reload.
        saved_at = to_local(sheet.updated_at).strftime("%H:%M:%S")
        answer = {
            "ok": True,
            "version": sheet.version,
            "saved_at": saved_at,
            "total": sheet_running_total(assignment.round, sheet_values(sheet)),
            "message": _("Đã lưu lúc %(time)s", time=saved_at),
        }
        db.session.commit()
    except ScoringError as error:
        db.session.rollback()
        current = sheet_of(judge_assignment_or_404(current_user, assignment_id))
        return jsonify(ok=False, message=error.message, errors=error.errors,
                       version=current.version if current else 0), error.status
    return jsonify(answer), 200


@bp.route("/cham/<int:assignment_id>/tu-choi", methods=["GET", "POST"])
@roles_required(Role.JUDGE)
def recuse(assignment_id: int) -> Response | tuple[str, int] | str:
    assignment = judge_assignment_or_404(current_user, assignment_id)
    form = RecuseForm()
    if form.validate_on_submit():
        code = assignment.entry.reference_code
        recuse_from_entry(assignment, reason=form.reason.data, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("Ông/bà đã từ chối chấm bài %(code)s do xung đột lợi ích. Ban tổ chức đã được thông báo.", code=code),
              "success")
        return redirect(url_for("judge.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("judge/scoring/recuse.html", assignment=assignment, entry=assignment.entry,
                           form=form, blind=assignment.entry.edition.blind_judging), status

