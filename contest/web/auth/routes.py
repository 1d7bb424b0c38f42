"""Pages every visitor meets: register, verify email, log in and out, passwords."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from contest import accounts
from contest.extensions import db, limiter
from contest.forms import ActionForm
from contest.i18n import _, current_language
from contest.models import Role
from contest.tokens import TokenExpired, TokenInvalid
from contest.web import safe_redirect_target
from contest.web.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)

bp = Blueprint("auth", __name__)


def home_for(user: object) -> str:
    if user.has_role(Role.ORGANIZER):  # type: ignore[attr-defined]
        return url_for("admin.dashboard")
    if user.has_role(Role.JUDGE):  # type: ignore[attr-defined]
        return url_for("judge.dashboard")
    if user.has_role(Role.COMMITTEE):  # type: ignore[attr-defined]
        return url_for("admin.committee_home")
    return url_for("entries.my_entries")


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_applicant(
                email=form.email.data,
                full_name=form.full_name.data,
                password=form.password.data,
                phone=form.phone.data,
                applicant_type=form.applicant_type.data,
                organization=form.organization.data,
                locale=current_language(),
            )
            db.session.commit()
        except IntegrityError:
            # Two registrations of one address raced: the database kept the first.
            db.session.rollback()
            form.email.errors.append(_("Email này đã được đăng ký: vui lòng đăng nhập, "
                                       "hoặc đặt lại mật khẩu nếu đã quên."))
            return render_template("auth/register.html", form=form), 409
        login_user(user)
        flash(_("Đăng ký thành công. Chúng tôi đã gửi thư xác minh tới %(email)s.", email=user.email), "success")
        return redirect(url_for("entries.my_entries"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/xac-minh/<token>")
def verify_email(token: str) -> str | Response:
    try:
        user = accounts.verify_email(token)
        db.session.commit()
    except TokenExpired:
        return render_template(
            "auth/token_problem.html",
            message=_("Liên kết xác minh đã hết hạn. Hãy đăng nhập và yêu cầu gửi lại thư xác minh."),
        ), 400
    except TokenInvalid:
        return render_template(
            "auth/token_problem.html", message=_("Liên kết xác minh không hợp lệ hoặc đã bị thay đổi.")
        ), 400
    flash(_("Đã xác minh địa chỉ email %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.login") if not current_user.is_authenticated else home_for(current_user))


@bp.route("/gui-lai-xac-minh", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def resend_verification() -> Response:
    if ActionForm().validate_on_submit() and not current_user.email_verified:
        accounts.send_verification_email(current_user)
        db.session.commit()
        flash(_("Đã gửi lại thư xác minh tới %(email)s.", email=current_user.email), "success")
    return redirect(safe_redirect_target(request.referrer, url_for("public.index")))


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response:
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_redirect_target(next_url, home_for(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except accounts.LoginRefused as refused:
            db.session.commit()  # keep the failure count and any lockout
            form.password.errors.append(refused.message)
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        # A fresh session at login: nothing planted before it (a fixed session, a pending vote) survives.
        session.clear()
        login_user(user, remember=form.remember.data)
        session["lang"] = user.locale
        flash(_("Xin chào, %(name)s!", name=user.full_name), "success")
        return redirect(safe_redirect_target(next_url, home_for(user)))
    return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/dang-xuat", methods=["POST"])
def logout() -> Response:
    if ActionForm().validate_on_submit():
        lang = session.get("lang")
        if current_user.is_authenticated:
            accounts.log_out(current_user._get_current_object())
            db.session.commit()
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("public.index"))


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _("Nếu email này có tài khoản, chúng tôi đã gửi hướng dẫn đặt lại mật khẩu. Vui lòng kiểm tra hộp thư."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    try:
        user = accounts.user_for_reset_token(token)
    except TokenExpired:
        return render_template(
            "auth/token_problem.html", message=_("Liên kết đặt lại mật khẩu đã hết hạn. Vui lòng yêu cầu liên kết mới.")
        ), 400
    except TokenInvalid:
        return render_template(
            "auth/token_problem.html",
            message=_("Liên kết đặt lại mật khẩu không hợp lệ hoặc đã được sử dụng."),
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.set_new_password(user, form.password.data, action="user.password_reset")
        db.session.commit()
        logout_user()
        flash(_("Đã đặt mật khẩu mới. Vui lòng đăng nhập."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if accounts.change_password(user, form.current.data, form.password.data):
            db.session.commit()
            # Re-issue this session under the new version; every other session is now invalid.
            login_user(user)
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success")
            return redirect(home_for(user))
        form.current.errors.append(_("Mật khẩu hiện tại không đúng."))
        return render_template("auth/change_password.html", form=form), 400
    return render_template("auth/change_password.html", form=form), 400 if form.is_submitted() else 200
