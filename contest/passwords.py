"""Password hashing (Argon2id) and the strength rule shown to users."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from contest.i18n import _

COMMON_PASSWORDS = {
    "12345678", "123456789", "1234567890", "password", "password1", "matkhau", "matkhau123",
    "qwerty123", "abc12345", "iloveyou", "11111111", "00000000", "admin123", "thainguyen",
}
MIN_LENGTH = 10


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Translated reasons why ``password`` is too weak (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_LENGTH))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(_("Mật khẩu phải có cả chữ và số."))
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        problems.append(_("Mật khẩu này quá phổ biến, dễ bị đoán."))
    local_part = (email or "").split("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        problems.append(_("Mật khẩu không được chứa địa chỉ email của tài khoản."))
    return problems
