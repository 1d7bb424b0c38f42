"""Organizers' judge pages: the panel, invitations, imports, deactivation and conflicts of interest."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from contest import personal_data
from contest.access import roles_required
from contest.assignments import conflict_reason_label, open_assignments
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _, _l
from contest.judges import (
    ImportRejected,
    JudgeError,
    add_conflict,
    affiliations,
    confirm_judge_affiliation,
    conflicts_in_edition,
    current_edition,
    deactivate_judge,
    declared_conflicts,
    field_choices,
    find_entry,
    import_judges,
    invite_judge,
    reactivate_judge,
    reject_judge_affiliation,
    resend_invitation,
    split_expertise,
    withdraw_conflict,
)
from contest.models import (
    AffiliationStatus,
    ConflictOfInterest,
    ConflictSource,
    Edition,
    JudgeAffiliation,
    JudgeProfile,
    Role,
    User,
)
from contest.web.admin.forms_judges import (
    ImportJudgesForm,
    InviteJudgeForm,
    OrganizerConflictForm,
    ReasonForm,
)
from contest.web.admin.routes import bp

CONFLICT_SOURCES = {
    ConflictSource.JUDGE.value: _l("Giám khảo khai báo"),
    ConflictSource.APPLICANT.value: _l("Người dự thi nêu"),
    ConflictSource.ORGANIZER.value: _l("Ban tổ chức thêm"),
    ConflictSource.AUTOMATIC.value: _l("Hệ thống phát hiện"),
}


AFFILIATION_LABELS = {
    AffiliationStatus.CONFIRMED.value: _l("Ban tổ chức đã xác nhận"),
    AffiliationStatus.PENDING.value: _l("Giám khảo đề xuất, chờ xác nhận"),
    AffiliationStatus.REJECTED.value: _l("Không chấp nhận"),
}


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _judge_or_404(user_id: int) -> User:
    """A person who is or was a judge (has a judge profile); 404 for anyone else."""
    user = db.session.get(User, user_id)
    if user is None or user.judge_profile is None:
        raise NotFound()
    return user


def _all_judges() -> list[User]:
    return list(db.session.scalars(
        select(User).join(JudgeProfile, JudgeProfile.user_id == User.id)
        .options(selectinload(User.judge_profile)).order_by(User.full_name, User.id)
    ))


def _source_label(source: str) -> str:
    return str(CONFLICT_SOURCES.get(source, source))


def _index(invite_form: InviteJudgeForm | None = None, import_form: ImportJudgesForm | None = None,
           problems: list[tuple[int, str]] | None = None, status: int = 200) -> tuple[str, int]:
    edition = current_edition()
    invite_form = invite_form or InviteJudgeForm(formdata=None)
    invite_form.fields.choices = field_choices(edition)
    return render_template(
        "admin/judges/index.html",
        judges=_all_judges(),
        edition=edition,
        field_names=dict(field_choices(edition)),
        invite_form=invite_form,
        import_form=import_form or ImportJudgesForm(formdata=None),
        problems=problems or [],
        action_form=ActionForm(),
    ), status



def _flash_ended_assignments(ended: list) -> None:
    """Tell the organizer which assignments a newly known conflict ended, so the holes get filled."""
    if ended:
        flash(_("Đã hủy %(n)d phân công bị xung đột: %(codes)s. Hãy bổ sung chỗ trống ở trang phân công.",
                n=len(ended), codes=", ".join(a.entry.reference_code for a in ended)), "warning")


@bp.route("/giam-khao")
@roles_required(Role.ORGANIZER)
def judges_index() -> tuple[str, int]:
    return _index()


@bp.route("/giam-khao/moi", methods=["POST"])
@roles_required(Role.ORGANIZER)
def invite_judge_page() -> tuple[str, int] | Response:
    edition = current_edition()
    form = InviteJudgeForm()
    form.fields.choices = field_choices(edition)
    if not form.validate_on_submit():
        return _index(invite_form=form, status=400)
    codes, keywords = split_expertise(form.keyword_items, edition.categories if edition else [])
    try:
        user = invite_judge(
            email=form.email.data, full_name=form.full_name.data, organization=form.organization.data,
            title=form.title.data, categories=list(dict.fromkeys([*form.fields.data, *codes])), keywords=keywords,
            max_load=form.max_load.data, invited_by=_actor(),
        )
        db.session.commit()
    except (JudgeError, IntegrityError) as error:
        db.session.rollback()
        problem = error if isinstance(error, JudgeError) else JudgeError(
            _("%(email)s vừa được mời hoặc đăng ký. Vui lòng tải lại trang.", email=form.email.data))
        form.email.errors = [*form.email.errors, problem.message]
        return _index(invite_form=form, status=problem.status)
    flash(_("Đã gửi thư mời tới %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.judges_index"))


@bp.route("/giam-khao/nhap", methods=["POST"])
@roles_required(Role.ORGANIZER)
def import_judges_page() -> tuple[str, int] | Response:
    form = ImportJudgesForm()
    if not form.validate_on_submit():
        return _index(import_form=form, status=400)
    upload = form.file.data
    try:
        users = import_judges(upload.filename or "", upload.read(), edition=current_edition(), invited_by=_actor())
        db.session.commit()
    except ImportRejected as rejected:
        db.session.rollback()
        flash(rejected.message, "error")
        return _index(import_form=form, problems=rejected.problems, status=422)
    except IntegrityError:
        db.session.rollback()
        flash(_("Một số email trong danh sách vừa được mời hoặc đăng ký. Chưa có giám khảo nào được thêm; "
                "vui lòng thử lại."), "error")
        return _index(import_form=form, status=409)
    flash(_("Đã nhập và gửi thư mời tới %(n)d giám khảo.", n=len(users)), "success")
    return redirect(url_for("admin.judges_index"))


@bp.route("/giam-khao/<int:user_id>")
@roles_required(Role.ORGANIZER)
def judge_detail(user_id: int) -> tuple[str, int]:
    return _detail(personal_data.viewed(_judge_or_404(user_id)))


def _detail(judge: User, conflict_form: OrganizerConflictForm | None = None,
            reason_form: ReasonForm | None = None, status: int = 200) -> tuple[str, int]:
    edition = current_edition()
    return render_template(
        "admin/judges/detail.html",
        judge=judge,
        edition=edition,
        field_names=dict(field_choices(edition)),
        declared=declared_conflicts(judge),
        affiliations=affiliations(judge),
        affiliation_labels=AFFILIATION_LABELS,
        found=conflicts_in_edition(edition, [judge]) if edition else [],
        assignments=open_assignments(judge),
        conflict_form=conflict_form or OrganizerConflictForm(formdata=None),
        reason_form=reason_form or ReasonForm(formdata=None),
        action_form=ActionForm(),
        source_label=_source_label,
        reason_label=conflict_reason_label,
    ), status


@bp.route("/giam-khao/<int:user_id>/gui-lai-loi-moi", methods=["POST"])
@roles_required(Role.ORGANIZER)
def resend_judge_invitation(user_id: int) -> Response:
    judge = _judge_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            resend_invitation(judge, actor=_actor())
        except JudgeError as problem:
            flash(problem.message, "warning")
        else:
            db.session.commit()
            flash(_("Đã gửi lại thư mời tới %(email)s.", email=judge.email), "success")
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/<int:user_id>/ngung", methods=["POST"])
@roles_required(Role.ORGANIZER)
def deactivate_judge_page(user_id: int) -> tuple[str, int] | Response:
    judge = _judge_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail(judge, reason_form=form, status=400)
    report = deactivate_judge(judge, reason=form.reason.data, actor=_actor())
    db.session.commit()
    flash(_("Đã ngừng hoạt động giám khảo %(name)s.", name=judge.full_name), "success")
    for round_, entries in report.holes_by_round():
        flash(
            _("%(round)s: %(n)d bài thiếu giám khảo (%(codes)s). Hãy bổ sung chỗ trống ở trang phân công.",
              round=round_.name, n=len(entries), codes=", ".join(e.reference_code for e in entries)),
            "warning",
        )
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/<int:user_id>/kich-hoat", methods=["POST"])
@roles_required(Role.ORGANIZER)
def reactivate_judge_page(user_id: int) -> Response:
    judge = _judge_or_404(user_id)
    if ActionForm().validate_on_submit():
        reactivate_judge(judge, actor=_actor())
        db.session.commit()
        flash(_("Giám khảo %(name)s hoạt động trở lại.", name=judge.full_name), "success")
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/<int:user_id>/xung-dot", methods=["POST"])
@roles_required(Role.ORGANIZER)
def add_judge_conflict(user_id: int) -> tuple[str, int] | Response:
    judge = _judge_or_404(user_id)
    form = OrganizerConflictForm()
    if not form.validate_on_submit():
        return _detail(judge, conflict_form=form, status=400)
    entry = None
    if form.entry_code.data:
        entry = find_entry(current_edition(), form.entry_code.data)
        if entry is None:
            form.entry_code.errors = [_("Không tìm thấy bài dự thi có mã %(code)s.", code=form.entry_code.data)]
            return _detail(judge, conflict_form=form, status=422)
    try:
        _conflict, ended = add_conflict(
            judge, source=ConflictSource.ORGANIZER, entry=entry, organization=form.organization.data,
            reason=form.reason.data, actor=_actor(),
        )
    except JudgeError as problem:
        form.reason.errors = [problem.message]
        return _detail(judge, conflict_form=form, status=problem.status)
    db.session.commit()
    flash(_("Đã ghi nhận xung đột lợi ích."), "success")
    _flash_ended_assignments(ended)
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/<int:user_id>/xung-dot/<int:conflict_id>/go", methods=["POST"])
@roles_required(Role.ORGANIZER)
def withdraw_judge_conflict(user_id: int, conflict_id: int) -> tuple[str, int] | Response:
    judge = _judge_or_404(user_id)
    conflict = db.session.get(ConflictOfInterest, conflict_id)
    if conflict is None or conflict.judge_id != judge.id:
        raise NotFound()
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi lý do gỡ xung đột lợi ích."), "error")
        return redirect(url_for("admin.judge_detail", user_id=judge.id))
    withdraw_conflict(conflict, reason=form.reason.data, actor=_actor())
    db.session.commit()
    flash(_("Đã gỡ khai báo xung đột lợi ích."), "success")
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/xung-dot")
@roles_required(Role.ORGANIZER)
def conflicts_index() -> str:
    edition_id = request.args.get("edition", type=int)
    edition = db.session.get(Edition, edition_id) if edition_id else current_edition()
    if edition_id and edition is None:
        raise NotFound()
    judges = _all_judges()
    return render_template(
        "admin/judges/conflicts.html",
        edition=edition,
        editions=db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all(),
        found=conflicts_in_edition(edition, judges) if edition else [],
        declared=list(db.session.scalars(
            select(ConflictOfInterest).where(ConflictOfInterest.entry_id.is_(None))
            .options(selectinload(ConflictOfInterest.judge)).order_by(ConflictOfInterest.created_at)
        )),
        source_label=_source_label,
        reason_label=conflict_reason_label,
    )


def _affiliation_or_404(judge: User, affiliation_id: int) -> JudgeAffiliation:
    affiliation = db.session.get(JudgeAffiliation, affiliation_id)
    if affiliation is None or affiliation.judge_id != judge.id:
        raise NotFound()
    return affiliation


@bp.route("/giam-khao/<int:user_id>/don-vi/<int:affiliation_id>/xac-nhan", methods=["POST"])
@roles_required(Role.ORGANIZER)
def confirm_judge_organization(user_id: int, affiliation_id: int) -> Response:
    judge = _judge_or_404(user_id)
    affiliation = _affiliation_or_404(judge, affiliation_id)
    if ActionForm().validate_on_submit():
        try:
            ended = confirm_judge_affiliation(affiliation, actor=_actor())
            db.session.commit()
        except JudgeError as problem:
            db.session.rollback()
            flash(problem.message, "warning")
            return redirect(url_for("admin.judge_detail", user_id=judge.id))
        flash(_("Đã xác nhận đơn vị “%(name)s”; đơn vị trước đó được giữ trong lịch sử và vẫn được tính cho xung "
                "đột lợi ích của cuộc thi đang diễn ra.", name=affiliation.typed_name), "success")
        _flash_ended_assignments(ended)
    return redirect(url_for("admin.judge_detail", user_id=judge.id))


@bp.route("/giam-khao/<int:user_id>/don-vi/<int:affiliation_id>/tu-choi", methods=["POST"])
@roles_required(Role.ORGANIZER)
def reject_judge_organization(user_id: int, affiliation_id: int) -> Response:
    judge = _judge_or_404(user_id)
    affiliation = _affiliation_or_404(judge, affiliation_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi lý do không chấp nhận đơn vị đề xuất."), "error")
        return redirect(url_for("admin.judge_detail", user_id=judge.id))
    try:
        reject_judge_affiliation(affiliation, reason=form.reason.data, actor=_actor())
        db.session.commit()
    except JudgeError as problem:
        db.session.rollback()
        flash(problem.message, "warning")
        return redirect(url_for("admin.judge_detail", user_id=judge.id))
    flash(_("Đã không chấp nhận đơn vị “%(name)s”.", name=affiliation.typed_name), "success")
    return redirect(url_for("admin.judge_detail", user_id=judge.id))
