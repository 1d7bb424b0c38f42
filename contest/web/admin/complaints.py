"""The organizers' complaint queue: read, take up, decide with reasons; an upheld one opens a correction."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from contest import complaints
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _
from contest.models import Complaint, ComplaintStatus, Role
from contest.storage import ObjectNotFound, StorageUnavailable, content_disposition, get_store
from contest.web import commit_or_flash
from contest.web.admin.forms_complaints import ComplaintDecisionForm
from contest.web.admin.routes import bp


def _complaint_or_404(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        abort(404)
    return complaint


@bp.route("/khieu-nai")
@roles_required(Role.ORGANIZER)
def complaints_queue() -> str:
    status = request.args.get("trang-thai") or None
    if status not in {s.value for s in ComplaintStatus}:
        status = None
    return render_template("admin/complaints/index.html", rows=complaints.queue(status), status=status,
                           statuses=[s.value for s in ComplaintStatus])


@bp.route("/khieu-nai/<int:complaint_id>")
@roles_required(Role.ORGANIZER)
def complaint_detail(complaint_id: int) -> str:
    from contest.forms import ActionForm

    complaint = _complaint_or_404(complaint_id)
    return render_template("admin/complaints/detail.html", complaint=complaint, award=complaints.award_of(complaint),
                           form=ComplaintDecisionForm(), action_form=ActionForm())


@bp.route("/khieu-nai/<int:complaint_id>/xem-xet", methods=["POST"])
@roles_required(Role.ORGANIZER)
def complaint_review(complaint_id: int) -> Response:
    from contest.forms import ActionForm

    complaint = _complaint_or_404(complaint_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    commit_or_flash(lambda: complaints.start_review(complaint, actor=current_user), complaints.ComplaintError,
                    lambda: _("Khiếu nại đã chuyển sang trạng thái đang xem xét."))
    return redirect(url_for("admin.complaint_detail", complaint_id=complaint.id))


@bp.route("/khieu-nai/<int:complaint_id>/quyet-dinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def complaint_decide(complaint_id: int) -> Response | str:
    complaint = _complaint_or_404(complaint_id)
    form = ComplaintDecisionForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng chọn quyết định và ghi rõ lý do."), "error")
        return render_template("admin/complaints/detail.html", complaint=complaint,
                               award=complaints.award_of(complaint), form=form, action_form=None), 422
    try:
        complaints.decide_complaint(complaint, actor=current_user, upheld=form.decision.data == "upheld",
                                    reason=form.reason.data or "")
    except complaints.ComplaintError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.complaint_detail", complaint_id=complaint.id))
    db.session.commit()
    if complaint.correction_id:
        flash(_("Đã chấp nhận khiếu nại và tạo bản đính chính; hãy điều chỉnh giải và gửi phê duyệt lại."), "success")
        return redirect(url_for("admin.result_set", rs_id=complaint.correction_id))
    flash(_("Đã ghi quyết định và gửi thư trả lời người khiếu nại."), "success")
    return redirect(url_for("admin.complaints_queue"))


@bp.route("/khieu-nai/<int:complaint_id>/tep")
@roles_required(Role.ORGANIZER)
def complaint_file(complaint_id: int) -> Response:
    complaint = _complaint_or_404(complaint_id)
    if not complaint.file_key:
        abort(404)
    try:
        reader = get_store().open(complaint.file_key)
    except ObjectNotFound:
        abort(404)
    except StorageUnavailable:
        abort(503)
    response = Response(reader, mimetype=complaint.file_type or "application/octet-stream", direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(complaint.file_name or "tep")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
