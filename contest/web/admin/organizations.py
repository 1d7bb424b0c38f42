"""Organizers' list of organizations: add, rename, confirm proposals, merge variants; decide near matches."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _
from contest.judges import current_edition, near_matches_in_edition
from contest.models import (
    JudgeProfile,
    NearMatchDecision,
    NearMatchVerdict,
    Organization,
    OrganizationStatus,
    Role,
    User,
)
from contest.organizations import (
    OrganizationError,
    add_organization,
    confirm_organization,
    decide_near_match,
    kept_organizations,
    merge_organization,
    possible_duplicates,
    rename_organization,
)
from contest.web.admin.forms_organizations import MergeOrganizationForm, NearMatchForm, OrganizationForm
from contest.web.admin.routes import bp


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _organization_or_404(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None or organization.status == OrganizationStatus.MERGED.value:
        raise NotFound()
    return organization


def _organizations_page(add_form: OrganizationForm | None = None, status: int = 200) -> tuple[str, int]:
    organizations = kept_organizations()
    return render_template(
        "admin/organizations/index.html",
        organizations=organizations,
        duplicates=possible_duplicates(organizations),
        add_form=add_form or OrganizationForm(formdata=None),
        action_form=ActionForm(),
        merge_choices=[(o.id, o.name) for o in organizations],
    ), status


@bp.route("/don-vi")
@roles_required(Role.ORGANIZER)
def organizations_index() -> tuple[str, int]:
    return _organizations_page()


@bp.route("/don-vi/them", methods=["POST"])
@roles_required(Role.ORGANIZER)
def organization_add() -> tuple[str, int] | Response:
    form = OrganizationForm()
    if not form.validate_on_submit():
        return _organizations_page(add_form=form, status=400)
    try:
        organization = add_organization(form.name.data, short_name=form.short_name.data, actor=_actor())
        db.session.commit()
    except (OrganizationError, IntegrityError) as error:
        db.session.rollback()
        message = error.message if isinstance(error, OrganizationError) else _("Tên này vừa được thêm.")
        form.name.errors = [*form.name.errors, message]
        return _organizations_page(add_form=form, status=409)
    flash(_("Đã thêm đơn vị “%(name)s”.", name=organization.name), "success")
    return redirect(url_for("admin.organizations_index"))


@bp.route("/don-vi/<int:organization_id>/xac-nhan", methods=["POST"])
@roles_required(Role.ORGANIZER)
def organization_confirm(organization_id: int) -> Response:
    organization = _organization_or_404(organization_id)
    if ActionForm().validate_on_submit():
        try:
            confirm_organization(organization, actor=_actor())
            db.session.commit()
            flash(_("Đã xác nhận đơn vị “%(name)s”.", name=organization.name), "success")
        except OrganizationError as problem:
            db.session.rollback()
            flash(problem.message, "warning")
    return redirect(url_for("admin.organizations_index"))


@bp.route("/don-vi/<int:organization_id>/doi-ten", methods=["POST"])
@roles_required(Role.ORGANIZER)
def organization_rename(organization_id: int) -> Response:
    organization = _organization_or_404(organization_id)
    form = OrganizationForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng nhập tên đơn vị."), "error")
        return redirect(url_for("admin.organizations_index"))
    try:
        rename_organization(organization, name=form.name.data, short_name=form.short_name.data, actor=_actor())
        db.session.commit()
    except (OrganizationError, IntegrityError) as error:
        db.session.rollback()
        flash(error.message if isinstance(error, OrganizationError) else _("Tên này vừa được dùng."), "error")
        return redirect(url_for("admin.organizations_index"))
    flash(_("Đã đổi tên đơn vị; tên cũ vẫn được giữ làm tên khác của đơn vị."), "success")
    return redirect(url_for("admin.organizations_index"))


@bp.route("/don-vi/<int:organization_id>/gop", methods=["POST"])
@roles_required(Role.ORGANIZER)
def organization_merge(organization_id: int) -> Response:
    organization = _organization_or_404(organization_id)
    form = MergeOrganizationForm()
    form.target_id.choices = [(o.id, o.name) for o in kept_organizations()]
    if not form.validate_on_submit():
        flash(_("Hãy chọn đơn vị để gộp vào."), "error")
        return redirect(url_for("admin.organizations_index"))
    target = _organization_or_404(form.target_id.data)
    try:
        merge_organization(organization, target, actor=_actor())
        db.session.commit()
    except OrganizationError as problem:
        db.session.rollback()
        flash(problem.message, "error")
        return redirect(url_for("admin.organizations_index"))
    flash(_("Đã gộp “%(source)s” vào “%(target)s”.", source=organization.name, target=target.name), "success")
    return redirect(url_for("admin.organizations_index"))


def _active_judges() -> list[User]:
    return [u for u in db.session.scalars(
        select(User).join(JudgeProfile, JudgeProfile.user_id == User.id).options(selectinload(User.judge_profile))
    ) if u.active and u.has_role(Role.JUDGE)]


@bp.route("/don-vi/gan-giong")
@roles_required(Role.ORGANIZER)
def near_matches() -> str:
    edition = current_edition()
    return render_template(
        "admin/organizations/near_matches.html",
        edition=edition,
        groups=near_matches_in_edition(edition, _active_judges()) if edition else [],
        decided=db.session.scalars(select(NearMatchDecision).order_by(NearMatchDecision.decided_at.desc())).all(),
        verdict_labels={NearMatchVerdict.CONFLICT.value: _("Xung đột"),
                        NearMatchVerdict.DISTINCT.value: _("Không phải xung đột")},
        form_class=NearMatchForm,
    )


@bp.route("/don-vi/gan-giong/quyet-dinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def near_match_decide() -> Response:
    form = NearMatchForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn kết luận cho cặp tên đơn vị."), "error")
        return redirect(url_for("admin.near_matches"))
    try:
        decide_near_match(form.first_name.data, form.second_name.data, verdict=NearMatchVerdict(form.verdict.data),
                          note=form.note.data, actor=_actor())
        db.session.commit()
    except (OrganizationError, IntegrityError) as error:
        db.session.rollback()
        flash(error.message if isinstance(error, OrganizationError) else _("Cặp tên này vừa được xác nhận."),
              "error")
        return redirect(url_for("admin.near_matches"))
    flash(_("Đã ghi nhận kết luận cho “%(a)s” và “%(b)s”.", a=form.first_name.data, b=form.second_name.data),
          "success")
    return redirect(url_for("admin.near_matches"))
