"""An applicant files a complaint (khiếu nại) about their entry's published result."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from contest import complaints
from contest.extensions import db
from contest.i18n import _
from contest.models import Entry, ResultSet
from contest.storage import get_store
from contest.web.public.forms_complaint import ComplaintForm
from contest.web.public.routes import bp


def complaint_context(entry: Entry, rs: ResultSet | None) -> dict[str, Any]:
    """What the result page shows about complaints: earlier ones, and the form while one may be filed."""
    problem = complaints.filing_problem(entry, rs, current_user)
    return {
        "complaints": complaints.complaints_of(entry),
        "complaint_form": ComplaintForm() if problem is None else None,
        "complaint_window": rs is not None and complaints.window_open(rs),
    }


@bp.route("/ket-qua/bai/<int:entry_id>/khieu-nai", methods=["POST"])
@login_required
def file_complaint(entry_id: int) -> Response:
    from contest.web.public.results import _own_entry_or_404, published_award

    entry = _own_entry_or_404(entry_id)
    award = published_award(entry)
    back = url_for("public.my_result", entry_id=entry.id)
    form = ComplaintForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng trình bày nội dung khiếu nại."), "error")
        return redirect(back)
    upload = None
    if form.file.data and form.file.data.filename:
        stream = form.file.data.stream
        upload = complaints.ComplaintFile(form.file.data.filename, iter(lambda: stream.read(64 * 1024), b""))
    try:
        complaint = complaints.file_complaint(entry, award.result_set if award else None, actor=current_user,
                                              body=form.body.data or "", upload=upload)
    except complaints.ComplaintError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    try:
        db.session.commit()
    except Exception:
        if complaint.file_key:
            get_store().delete(complaint.file_key)
        raise
    flash(_("Đã gửi khiếu nại. Ban tổ chức sẽ trả lời qua email và trên trang này."), "success")
    return redirect(back)
