"""The organizers set how an edition's certificates are signed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from contest import certificates
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _
from contest.models import Edition, Role, utcnow
from contest.web.admin.forms_certificates import CertificateSettingsForm
from contest.web.admin.routes import bp


@bp.route("/cuoc-thi/<int:edition_id>/chung-nhan", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def certificate_settings(edition_id: int) -> Response | str:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    settings = certificates.settings_for(edition)
    form = CertificateSettingsForm(obj=settings if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            certificates.update_settings(edition, place=form.place.data or "", signed_on=form.signed_on.data,
                                         signer_title=form.signer_title.data, signer_name=form.signer_name.data,
                                         actor=current_user)
        except certificates.CertificateError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã lưu thông tin ký giấy chứng nhận."), "success")
            return redirect(url_for("admin.certificate_settings", edition_id=edition.id))
    example = certificates.administrative_date(form.place.data or settings.place,
                                               form.signed_on.data or utcnow())
    return render_template("admin/certificates/settings.html", edition=edition, form=form, example=example)
