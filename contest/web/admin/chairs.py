"""The organizer appoints each panel's chair: the round's final panel and every field's sub-panel."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from contest import reviews
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _, localized
from contest.models import Category, Role, Round, User
from contest.web.admin.forms_chairs import AppointChairForm
from contest.web.admin.routes import bp


@bp.route("/ket-qua/vong/<int:round_id>/chu-tich", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def round_chairs(round_id: int) -> str | tuple[str, int] | Response:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    panels = reviews.panels_of(round_)
    form = AppointChairForm()
    form.category_id.choices = [(c.id if c else 0, localized(c, "name") if c else _("Hội đồng chung khảo của vòng"))
                                for c, _chair in panels]
    form.user_id.choices = [(u.id, u.full_name) for u in reviews.eligible_chairs()]
    status = 200
    if form.validate_on_submit():
        category = db.session.get(Category, form.category_id.data) if form.category_id.data else None
        user = db.session.get(User, form.user_id.data)
        try:
            reviews.appoint_chair(round_, category, user, actor=current_user)
        except reviews.ReviewError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã phân công chủ tịch hội đồng %(name)s.", name=user.full_name), "success")
            return redirect(url_for("admin.round_chairs", round_id=round_.id))
    elif form.is_submitted():
        flash(_("Vui lòng chọn hội đồng và giám khảo làm chủ tịch."), "error")
        status = 422
    return render_template("admin/results/chairs.html", round_=round_, panels=reviews.panels_of(round_),
                           form=form), status
