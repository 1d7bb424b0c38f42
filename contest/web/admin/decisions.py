"""The award decision of a result set: its .docx draft, and its number and date once signed."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from contest import decisions
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _
from contest.models import ResultSet, Role
from contest.storage import content_disposition
from contest.web.admin.forms_decisions import AwardDecisionForm
from contest.web.admin.routes import bp

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _result_set_or_404(rs_id: int) -> ResultSet:
    rs = db.session.get(ResultSet, rs_id)
    if rs is None:
        abort(404)
    return rs


@bp.route("/ket-qua/bo/<int:rs_id>/du-thao-quyet-dinh.docx")
@roles_required(Role.ORGANIZER)
def award_decision_draft(rs_id: int) -> Response:
    rs = _result_set_or_404(rs_id)
    try:
        body = decisions.award_decision_docx(rs)
    except decisions.DecisionError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.result_set", rs_id=rs.id))
    return Response(body, mimetype=DOCX_TYPE, headers={
        "Content-Disposition": content_disposition(f"du-thao-quyet-dinh-khen-thuong-{rs.id}.docx")})


@bp.route("/ket-qua/bo/<int:rs_id>/quyet-dinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def award_decision_record(rs_id: int) -> Response:
    rs = _result_set_or_404(rs_id)
    form = AwardDecisionForm()
    if not form.validate_on_submit():
        flash(_("Ngày ký quyết định không hợp lệ."), "error")
        return redirect(url_for("admin.result_set", rs_id=rs.id))
    try:
        decisions.record_decision(rs, number=form.number.data, signed_on=form.signed_on.data, actor=current_user)
    except decisions.DecisionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.result_set", rs_id=rs.id))
    db.session.commit()
    flash(_("Đã lưu số và ngày của quyết định khen thưởng."), "success")
    return redirect(url_for("admin.result_set", rs_id=rs.id))


@bp.context_processor
def _award_decision_helpers() -> dict[str, object]:
    """The result set page shows the decision's number and date and the annex citation."""
    return {"award_decision_of": decisions.decision_of, "annex_citation": decisions.annex_citation}
