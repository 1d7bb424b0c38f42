"""Personal data pages: applicants download theirs and ask for erasure; organizers decide the requests."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, TextAreaField

from contest import personal_data as pd
from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm, max_length, optional, required, strip_text
from contest.i18n import _, _l
from contest.models import DeletionRequest, DeletionStatus, Role
from contest.storage import content_disposition
from contest.web.entries.routes import bp

PER_PAGE = 30


class DeletionRequestForm(FlaskForm):
    reason = TextAreaField(_l("Lý do (không bắt buộc)"), filters=[strip_text], validators=[optional(),
                                                                                           max_length(2000)])
    confirm = BooleanField(_l("Tôi hiểu rằng tài khoản sẽ bị vô hiệu hóa và dữ liệu cá nhân bị xóa vĩnh viễn"))


class RejectDeletionForm(FlaskForm):
    note = TextAreaField(_l("Lý do từ chối"), filters=[strip_text], validators=[required(), max_length(2000)])


def status_labels() -> dict[str, str]:
    return {
        DeletionStatus.PENDING.value: _("Chờ xử lý"),
        DeletionStatus.COMPLETED.value: _("Đã xóa dữ liệu"),
        DeletionStatus.REJECTED.value: _("Bị từ chối"),
        DeletionStatus.CANCELLED.value: _("Đã hủy"),
    }


def _me():
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _privacy_page(form: DeletionRequestForm | None = None, status: int = 200):
    user = _me()
    return render_template(
        "entries/privacy/index.html",
        form=form or DeletionRequestForm(formdata=None),
        action_form=ActionForm(),
        problem=pd.deletion_problem(user),
        pending=pd.pending_request(user),
        requests=pd.requests_of(user),
        status_labels=status_labels(),
    ), status


@bp.route("/du-lieu-ca-nhan")
@login_required
def privacy() -> tuple[str, int]:
    return _privacy_page()


@bp.route("/du-lieu-ca-nhan/tai-ve.json")
@login_required
def privacy_download() -> Response:
    user = _me()
    document = pd.export_data(user)
    pd.record_export(user)
    db.session.commit()
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": content_disposition(f"du-lieu-ca-nhan-{user.id}.json"),
        "Cache-Control": "private, no-store",
    })


@bp.route("/du-lieu-ca-nhan/yeu-cau-xoa", methods=["POST"])
@login_required
def privacy_request_deletion():
    form = DeletionRequestForm()
    if not form.validate():
        return _privacy_page(form, 422)
    if not form.confirm.data:
        form.confirm.errors = [_("Vui lòng đánh dấu để xác nhận yêu cầu xóa dữ liệu.")]
        return _privacy_page(form, 422)
    try:
        pd.request_deletion(_me(), form.reason.data)
    except pd.PersonalDataError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _privacy_page(form, error.status)
    db.session.commit()
    flash(_("Đã gửi yêu cầu xóa dữ liệu cá nhân. Ban tổ chức sẽ xử lý và thông báo cho bạn."), "success")
    return redirect(url_for("entries.privacy"))


def _own_request(request_id: int) -> DeletionRequest:
    req = db.session.get(DeletionRequest, request_id)
    if req is None or req.user_id != current_user.id:
        abort(404)
    return req


@bp.route("/du-lieu-ca-nhan/yeu-cau-xoa/<int:request_id>/huy", methods=["POST"])
@login_required
def privacy_cancel_deletion(request_id: int):
    req = _own_request(request_id)
    if not ActionForm().validate():
        abort(400)
    if req.status == DeletionStatus.CANCELLED:
        return redirect(url_for("entries.privacy"))
    try:
        pd.cancel_deletion(req, _me())
    except pd.PersonalDataError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _privacy_page(status=error.status)
    db.session.commit()
    flash(_("Đã hủy yêu cầu xóa dữ liệu."), "success")
    return redirect(url_for("entries.privacy"))


# --------------------------------------------------------------------------------------------------
# Organizers


def _request_or_404(request_id: int) -> DeletionRequest:
    req = db.session.get(DeletionRequest, request_id)
    if req is None:
        abort(404)
    return req


def _requests_page(reject_form: RejectDeletionForm | None = None, rejecting: int | None = None,
                   status: int = 200):
    from flask import request

    page_no = request.args.get("page", "1")
    page = db.paginate(
        select(DeletionRequest).order_by(
            (DeletionRequest.status == DeletionStatus.PENDING.value).desc(), DeletionRequest.requested_at.desc()),
        page=int(page_no) if page_no.isdigit() else 1, per_page=PER_PAGE, error_out=False,
    )
    problems = {r.id: pd.deletion_problem(r.user) for r in page.items if r.status == DeletionStatus.PENDING}
    return render_template(
        "entries/privacy/requests.html", page=page, problems=problems, action_form=ActionForm(),
        reject_form=reject_form or RejectDeletionForm(formdata=None), rejecting=rejecting,
        status_labels=status_labels(),
    ), status


@bp.route("/yeu-cau-xoa-du-lieu")
@roles_required(Role.ORGANIZER)
def privacy_requests() -> tuple[str, int]:
    return _requests_page()


@bp.route("/yeu-cau-xoa-du-lieu/<int:request_id>/thuc-hien", methods=["POST"])
@roles_required(Role.ORGANIZER)
def privacy_execute_deletion(request_id: int):
    req = _request_or_404(request_id)
    if not ActionForm().validate():
        abort(400)
    if req.status == DeletionStatus.COMPLETED:
        flash(_("Yêu cầu này đã được thực hiện."), "info")
        return redirect(url_for("entries.privacy_requests"))
    try:
        keys = pd.execute_deletion(req, _me())
    except pd.PersonalDataError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _requests_page(status=error.status)
    db.session.commit()
    pd.discard_objects(keys)
    flash(_("Đã xóa dữ liệu cá nhân theo yêu cầu."), "success")
    return redirect(url_for("entries.privacy_requests"))


@bp.route("/yeu-cau-xoa-du-lieu/<int:request_id>/tu-choi", methods=["POST"])
@roles_required(Role.ORGANIZER)
def privacy_reject_deletion(request_id: int):
    req = _request_or_404(request_id)
    form = RejectDeletionForm()
    if not form.validate():
        return _requests_page(form, rejecting=req.id, status=422)
    try:
        pd.reject_deletion(req, _me(), form.note.data)
    except pd.PersonalDataError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _requests_page(status=error.status)
    db.session.commit()
    flash(_("Đã từ chối yêu cầu xóa dữ liệu."), "success")
    return redirect(url_for("entries.privacy_requests"))
