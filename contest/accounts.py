"""Account operations, each named for what the person does."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.mail import external_url, send_mail
from contest.models import ApplicantProfile, ApplicantType, AuditEvent, Role, User, utcnow
from contest.passwords import hash_password, verify_password
from contest.tokens import make_token, read_token


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def email_taken(email: str) -> bool:
    return find_user_by_email(email) is not None


def register_applicant(
    *,
    email: str,
    full_name: str,
    password: str,
    phone: str | None = None,
    applicant_type: str = ApplicantType.INDIVIDUAL.value,
    organization: str | None = None,
    locale: str = "vi",
) -> User:
    user = User(
        email=normalize_email(email),
        full_name=full_name,
        phone=phone or None,
        password_hash=hash_password(password),
        locale=locale,
    )
    user.add_role(Role.APPLICANT)
    user.applicant_profile = ApplicantProfile(applicant_type=applicant_type, organization=organization or None)
    db.session.add(user)
    db.session.flush()
    audit.record("user.registered", user, actor=user, after={"email": user.email, "roles": ["applicant"]})
    send_verification_email(user)
    return user


def send_verification_email(user: User) -> None:
    token = make_token("verify-email", {"uid": user.id, "email": user.email})
    send_mail(
        user.email,
        _("Xác minh địa chỉ email của bạn"),
        "verify_email",
        user=user,
        link=external_url("auth.verify_email", token=token),
    )


def verify_email(token: str) -> User:
    """Mark the address in ``token`` verified; raises TokenInvalid/TokenExpired."""
    from contest.tokens import TokenInvalid

    data = read_token("verify-email", token)
    user = db.session.get(User, data.get("uid"))
    # A token for an address the account no longer has is worthless.
    if user is None or user.email != data.get("email"):
        raise TokenInvalid()
    if user.email_verified_at is None:
        mark_email_verified(user)
    return user


def mark_email_verified(user: User) -> None:
    """The address is proven: only now may co-authorships that name it attach to the account."""
    from contest.entries import link_coauthorships

    user.email_verified_at = utcnow()
    audit.record("user.email_verified", user, actor=user)
    link_coauthorships(user)


class LoginRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


UNKNOWN_ACCOUNT_FAILURE = "user.login_failed_unknown_account"


@cache
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    # Hashed with the same cost as real passwords, so a missing account costs the same work.
    return hash_password(secrets.token_urlsafe(16))


def _address_key(email: str) -> str:
    """A keyed digest of a typed address: failures are counted without storing someone else's email."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, normalize_email(email).encode(), hashlib.sha256).hexdigest()


def _unknown_account_locked_until(key: str, now: datetime) -> datetime | None:
    """When failures for an address without an account lock it like a real one, the end of that lock."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    times = list(db.session.scalars(
        select(AuditEvent.created_at)
        .where(AuditEvent.action == UNKNOWN_ACCOUNT_FAILURE, AuditEvent.reason == key,
               AuditEvent.created_at >= now - window)
        .order_by(AuditEvent.created_at)
    ))
    if len(times) < config["LOGIN_MAX_FAILURES"]:
        return None
    started = times[config["LOGIN_MAX_FAILURES"] - 1]
    started = started if started.tzinfo else started.replace(tzinfo=now.tzinfo)
    return started + window


def _locked_message(locked_until: datetime, now: datetime) -> str:
    return _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau %(m)d phút.",
             m=max(1, int((locked_until - now).total_seconds() // 60) + 1))


def authenticate(email: str, password: str) -> User:
    """Check credentials, counting failures and locking the account for a while after too many.

    An address without an account gets the same answers after the same work (a hash against a dummy, the
    same lockout), so the login form does not tell who has an account.
    """
    user = find_user_by_email(email)
    now = utcnow()
    generic = _("Email hoặc mật khẩu không đúng.")
    if user is None:
        key = _address_key(email)
        locked_until = _unknown_account_locked_until(key, now)
        if locked_until and locked_until > now:
            raise LoginRefused(_locked_message(locked_until, now))
        config = current_app.config
        verify_password(_dummy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"]), password)
        audit.record(UNKNOWN_ACCOUNT_FAILURE, reason=key)
        raise LoginRefused(generic)
    if user.locked_until and user.locked_until > now:
        raise LoginRefused(_locked_message(user.locked_until, now))
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            audit.record("user.locked", user, actor=user)
        raise LoginRefused(generic)
    if not user.active:
        raise LoginRefused(_("Tài khoản này đã bị vô hiệu hóa. Vui lòng liên hệ Ban tổ chức."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("user.logged_in", user, actor=user)
    return user


def log_out(user: User) -> None:
    """End the session for good: a copy of its cookie carries the old version and is refused from now on."""
    user.session_version += 1
    audit.record("user.logged_out", user, actor=user)
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    # The hash fragment makes the link die as soon as the password changes.
    token = make_token("reset-password", {"uid": user.id, "v": user.session_version})
    send_mail(
        user.email,
        _("Đặt lại mật khẩu"),
        "reset_password",
        user=user,
        link=external_url("auth.reset_password", token=token),
        hours=current_app.config["TOKEN_MAX_AGE_SECONDS"] // 3600,
    )
    audit.record("user.password_reset_requested", user, actor=user)


def user_for_reset_token(token: str) -> User:
    from contest.tokens import TokenInvalid

    data = read_token("reset-password", token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.session_version != data.get("v"):
        raise TokenInvalid()
    return user


def set_new_password(user: User, password: str, *, action: str) -> None:
    """Store a new password and end every other session (their ids carry the old version)."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record(action, user, actor=user)
    if action == "user.password_reset" and user.email_verified_at is None:
        # Following the emailed link proves the address.
        mark_email_verified(user)


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    set_new_password(user, new, action="user.password_changed")
    return True


def create_organizer(email: str, full_name: str, password: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalize_email(email), full_name=full_name, password_hash=hash_password(password))
        db.session.add(user)
    else:
        user.password_hash = hash_password(password)
        user.session_version += 1
    user.email_verified_at = user.email_verified_at or utcnow()
    user.add_role(Role.ORGANIZER)
    db.session.flush()
    audit.record("user.organizer_created", user, after={"email": user.email})
    return user
