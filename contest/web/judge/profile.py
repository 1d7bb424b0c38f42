"""The judge's own profile and conflicts, and the page where an invitee accepts the invitation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from contest.access import roles_required
from contest.extensions import db, limiter
from contest.forms import DeclareConflictForm
from contest.i18n import _
from contest.judges import (
    JudgeError,
    accept_invitation,
    add_conflict,
    current_edition,
    declared_conflicts,
    field_choices,
    find_entry,
    judge_for_invitation,
    pending_affiliations,
    split_expertise,
    update_judge_profile,
)
from contest.models import ConflictSource, Role, User
from contest.tokens import TokenExpired, TokenInvalid
from contest.web.judge.forms import ProfileForm, accept_form_class
from contest.web.judge.routes import bp


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _expertise(form: ProfileForm) -> tuple[list[str], list[str]]:
    """Ticked fields plus any field named among the keywords; the rest stay keywords."""
    edition = current_edition()
    codes, keywords = split_expertise(form.keyword_items, edition.categories if edition else [])
    return list(dict.fromkeys([*(form.fields.data or []), *codes])), keywords


def _fill(form: ProfileForm, user: User) -> None:
    profile = user.judge_profile
    if profile is None:
        return
    form.organization.data = profile.organization
    form.title.data = profile.title
    form.fields.data = list(profile.expertise_categories or [])
    form.keywords.data = "; ".join(profile.keywords)
    form.max_load.data = profile.max_load


def _profile_page(form: ProfileForm | None = None, conflict_form: DeclareConflictForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    me = _me()
    edition = current_edition()
    if form is None:
        form = ProfileForm(formdata=None)
        _fill(form, me)
    form.fields.choices = field_choices(edition)
    return render_template(
        "judge/profile/edit.html",
        form=form,
        conflict_form=conflict_form or DeclareConflictForm(formdata=None),
        declared=declared_conflicts(me),
        edition=edition,
        recorded_organization=me.judge_profile.organization if me.judge_profile else None,
        pending=pending_affiliations(me),
    ), status


@bp.route("/ho-so", methods=["GET", "POST"])
@roles_required(Role.JUDGE)
def profile() -> tuple[str, int] | Response:
    form = ProfileForm()
    form.fields.choices = field_choices(current_edition())
    if not form.is_submitted():
        return _profile_page()
    if not form.validate():
        return _profile_page(form=form, status=400)
    me = _me()
    codes, keywords = _expertise(form)
    waiting = {a.id for a in pending_affiliations(me)}
    ended = update_judge_profile(
        me, organization=form.organization.data, title=form.title.data, categories=codes, keywords=keywords,
        max_load=form.max_load.data, actor=me,
    )
    db.session.commit()
    flash(_("Đã lưu hồ sơ giám khảo."), "success")
    for proposal in pending_affiliations(me):
        if proposal.id not in waiting:
            flash(_("Đơn vị “%(name)s” đã được gửi Ban tổ chức xác nhận. Trong lúc chờ, cả đơn vị đã ghi nhận và đơn "
                    "vị mới đều được tính khi kiểm tra xung đột lợi ích.", name=proposal.typed_name), "info")
    if ended:
        flash(_("Đơn vị công tác mới gây xung đột lợi ích với %(n)d bài đã phân công; các bài này đã được rút khỏi "
                "danh sách của ông/bà.", n=len(ended)), "warning")
    return redirect(url_for("judge.profile"))


@bp.route("/ho-so/xung-dot", methods=["POST"])
@roles_required(Role.JUDGE)
def declare_own_conflict() -> tuple[str, int] | Response:
    form = DeclareConflictForm()
    if not form.validate_on_submit():
        return _profile_page(conflict_form=form, status=400)
    me = _me()
    entry = None
    if form.entry_code.data:
        entry = find_entry(current_edition(), form.entry_code.data)
        if entry is None:
            form.entry_code.errors = [_("Không tìm thấy bài dự thi có mã %(code)s.", code=form.entry_code.data)]
            return _profile_page(conflict_form=form, status=422)
    try:
        _conflict, ended = add_conflict(
            me, source=ConflictSource.JUDGE, entry=entry, organization=form.organization.data,
            reason=form.reason.data, actor=me,
        )
    except JudgeError as problem:
        form.reason.errors = [problem.message]
        return _profile_page(conflict_form=form, status=problem.status)
    db.session.commit()
    flash(_("Đã ghi nhận khai báo xung đột lợi ích. Cảm ơn ông/bà."), "success")
    if ended:
        flash(_("%(n)d bài đã phân công bị rút khỏi danh sách của ông/bà do xung đột này.", n=len(ended)), "warning")
    return redirect(url_for("judge.profile"))


@bp.route("/loi-moi/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
@limiter.limit("30 per hour", methods=["POST"])
def accept_invitation_page(token: str) -> tuple[str, int] | Response:
    """Open to a visitor who is not logged in: the signed link is the proof of identity."""
    try:
        invitee = judge_for_invitation(token)
    except TokenExpired:
        return render_template(
            "judge/profile/invitation_problem.html",
            message=_("Liên kết mời đã hết hạn. Vui lòng liên hệ Ban tổ chức để được gửi lại thư mời."),
        ), 400
    except TokenInvalid:
        return render_template(
            "judge/profile/invitation_problem.html",
            message=_("Liên kết mời không hợp lệ, đã bị thay đổi hoặc đã được sử dụng. Nếu ông/bà đã đặt mật khẩu, "
                      "vui lòng đăng nhập."),
        ), 400
    form = accept_form_class(invitee.email)()
    edition = current_edition()
    form.fields.choices = field_choices(edition)
    if not form.is_submitted():
        _fill(form, invitee)
        form.full_name.data = invitee.full_name
    elif form.validate():
        codes, keywords = _expertise(form)
        accept_invitation(
            invitee, password=form.password.data, full_name=form.full_name.data,
            organization=form.organization.data, title=form.title.data, categories=codes, keywords=keywords,
            max_load=form.max_load.data,
        )
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        login_user(invitee)
        flash(_("Chào mừng ông/bà tham gia Hội đồng giám khảo."), "success")
        return redirect(url_for("judge.dashboard"))
    status = 400 if form.is_submitted() else 200
    return render_template("judge/profile/accept.html", form=form, invitee=invitee, edition=edition), status

