"""Signed, expiring tokens for links sent by email (verification, reset, invitations)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenInvalid(Exception):
    """The token was tampered with, is for another purpose, or no longer applies."""


class TokenExpired(TokenInvalid):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"contest.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int | None = None) -> dict[str, Any]:
    max_age = max_age if max_age is not None else current_app.config["TOKEN_MAX_AGE_SECONDS"]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(data, dict):
        raise TokenInvalid()
    return data
