"""The chair's pages: the flagged entries of the panels they chair, and one decision per entry."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from contest import reviews
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _
from contest.labels import CHAIR_DECISION, RESULT_FLAG
from contest.models import Entry, ResultSet, Role, User
from contest.numbers import format_score
from contest.web.judge.forms import ChairDecisionForm
from contest.web.judge.routes import bp


def _chaired_set_or_404(rs_id: int) -> ResultSet:
    """404 when the set does not exist, 403 when the current judge does not chair its panel."""
    rs = db.session.get(ResultSet, rs_id)
    if rs is None:
        abort(404)
    if not reviews.is_chair_of(current_user, rs):
        abort(403)
    return rs


@bp.route("/chu-tich")
@roles_required(Role.JUDGE)
def chair_reviews() -> str:
    sets = reviews.chaired_result_sets(current_user)
    panels = []
    for rs in sets:
        decided = reviews.decisions_of(rs)
        rows = reviews.flagged_rows(rs)
        entries = {e.id: e for e in db.session.scalars(
            select(Entry).where(Entry.id.in_([int(r["entry_id"]) for r in rows])))}
        panels.append({"rs": rs, "rows": rows, "decided": decided, "entries": entries})
    return render_template("judge/chair/list.html", panels=panels, flag_label=_flag_label,
                           decision_label=_decision_label)


@bp.route("/chu-tich/bo/<int:rs_id>/bai/<int:entry_id>", methods=["GET", "POST"])
@roles_required(Role.JUDGE)
def chair_decide(rs_id: int, entry_id: int) -> str | tuple[str, int] | Response:
    rs = _chaired_set_or_404(rs_id)
    row = next((r for r in reviews.flagged_rows(rs) if int(r["entry_id"]) == entry_id), None)
    if row is None:
        abort(404)
    sheets = reviews.sheets_of(rs, entry_id)
    judges = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([int(s["judge_id"]) for s in sheets])))}
    existing = reviews.decisions_of(rs).get(entry_id)
    form = ChairDecisionForm(data={"decision": existing.decision, "judge_id": existing.judge_id or 0,
                                   "reason": existing.reason} if existing else None)
    form.decision.choices = [(k, str(v)) for k, v in CHAIR_DECISION.items()]
    form.judge_id.choices = [(0, _("— Không áp dụng —"))] + [
        (int(s["judge_id"]), f"{judges[int(s['judge_id'])].full_name} – {format_score(s['total'])}") for s in sheets]
    status = 200
    if form.validate_on_submit():
        try:
            reviews.record_chair_decision(rs, entry_id, form.decision.data, current_user,
                                          judge_id=form.judge_id.data or None, reason=form.reason.data)
        except reviews.ReviewError as error:
            db.session.rollback()
            rs = _chaired_set_or_404(rs_id)
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã ghi quyết định của chủ tịch hội đồng."), "success")
            return redirect(url_for("judge.chair_reviews"))
    elif form.is_submitted():
        status = 422
    return render_template("judge/chair/decide.html", rs=rs, row=row, sheets=sheets, judges=judges, form=form,
                           entry=db.session.get(Entry, entry_id), existing=existing, flag_label=_flag_label,
                           decision_label=_decision_label, review_flags=reviews.review_flags(row)), status


def _flag_label(code: str) -> str:
    return str(RESULT_FLAG.get(code, code))


def _decision_label(code: str) -> str:
    return str(CHAIR_DECISION.get(code, code))
