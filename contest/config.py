"""Settings from the environment, in one place.

Every variable read here is listed in the README.  Development gets safe
defaults (SQLite and files in the instance folder, mail written to a folder);
production (``CONTEST_ENV=production``) refuses to start without a real
``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


class ConfigurationError(RuntimeError):
    pass


def serving_base_url() -> str:
    """Where the site is served by ``make run`` (HOST, PORT): emailed links follow it by default.

    A wildcard bind address is no address to mail; the machine's own loopback stands in for it.
    """
    host = os.environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT') or '5000'}"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigurationError("SECRET_KEY must be set when CONTEST_ENV=production")
    # Generated once and kept, so sessions survive restarts of the development server.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


# Settings that were renamed: a deployment still setting the old name is told at start, never silently
# served the default instead of the limit it chose.
RENAMED_SETTINGS = {
    "VOTE_LIMIT_CHALLENGE_ADDRESS": "VOTE_LIMIT_CHALLENGE_DEVICE",
    "VOTE_LIMIT_CODE_ADDRESS": "VOTE_LIMIT_CODE_DEVICE",
    "VOTE_LIMIT_VERIFY_ADDRESS": "VOTE_LIMIT_VERIFY_DEVICE",
    "VOTE_LIMIT_VOTE_ADDRESS": "VOTE_LIMIT_VOTE_DEVICE",
}


def load_config(instance_path: str) -> dict[str, Any]:
    retired = sorted(name for name in RENAMED_SETTINGS if name in os.environ)
    if retired:
        raise RuntimeError("Renamed settings: " + ", ".join(f"{old} is now {RENAMED_SETTINGS[old]}" for old in retired))
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ.get("CONTEST_ENV", "development")
    production = env == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'contest.db'}"
    mail_server = os.environ.get("MAIL_SERVER") or None
    return {
        "ENV_NAME": env,
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_URL": os.environ.get("STORAGE_URL") or f"file://{instance / 'objects'}",
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Ban tổ chức cuộc thi <no-reply@localhost>"
        ),
        # Without an SMTP server, mail is written here as .eml files (and the link is logged).
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR") or str(instance / "outbox"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "vi"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ["vi", "en"],
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or serving_base_url(),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        # How many reverse proxies in front of the app add X-Forwarded-* headers. 0 (the default) trusts none:
        # an app server reachable directly must not let a client pick its own address for the rate limits.
        "PROXY_FIX_TRUSTED_HOPS": _int("PROXY_FIX_TRUSTED_HOPS", 0),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "MAX_FILE_BYTES": _int("MAX_FILE_BYTES", 50 * 1024 * 1024),
        "MAX_ENTRY_BYTES": _int("MAX_ENTRY_BYTES", 200 * 1024 * 1024),
        "TOKEN_MAX_AGE_SECONDS": _int("TOKEN_MAX_AGE_SECONDS", 24 * 3600),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "RESULTS_CACHE_SECONDS": _int("RESULTS_CACHE_SECONDS", 60),
        "RESULTS_STABILITY_RESAMPLES": _int("RESULTS_STABILITY_RESAMPLES", 200),
        "JUDGE_INVITE_MAX_AGE_SECONDS": _int("JUDGE_INVITE_MAX_AGE_SECONDS", 14 * 24 * 3600),
        # Rate-limit storage failures (e.g. Redis unreachable) let the request through rather than fail it.
        "RATELIMIT_SWALLOW_ERRORS": _bool("RATELIMIT_SWALLOW_ERRORS", production),
        # The public vote: proof of work, one-time codes, review thresholds, rate limits.
        "VOTE_POW_BITS": _int("VOTE_POW_BITS", 16),
        "VOTE_POW_SECONDS": _int("VOTE_POW_SECONDS", 900),
        "VOTE_CODE_MINUTES": _int("VOTE_CODE_MINUTES", 15),
        "VOTE_CODE_MAX_ATTEMPTS": _int("VOTE_CODE_MAX_ATTEMPTS", 5),
        "VOTE_CODE_RESEND_SECONDS": _int("VOTE_CODE_RESEND_SECONDS", 60),
        "VOTE_CODES_PER_HOUR": _int("VOTE_CODES_PER_HOUR", 5),
        "VOTE_REVIEW_NETWORK_BURST": _int("VOTE_REVIEW_NETWORK_BURST", 20),
        "VOTE_REVIEW_NETWORK_MINUTES": _int("VOTE_REVIEW_NETWORK_MINUTES", 10),
        "VOTE_REVIEW_NEW_VOTERS": _int("VOTE_REVIEW_NEW_VOTERS", 30),
        "VOTE_REVIEW_NEW_VOTERS_MINUTES": _int("VOTE_REVIEW_NEW_VOTERS_MINUTES", 5),
        "VOTE_REVIEW_DEVICE_VOTERS": _int("VOTE_REVIEW_DEVICE_VOTERS", 3),
        # Per device (the ballot's cookie; the address only for a client that sends none) and per network
        # block for bursts: a school's Wi-Fi or a mobile carrier's shared address (carrier-grade NAT) puts a
        # whole classroom behind one address, so no limit counts the address alone.
        "VOTE_LIMIT_CHALLENGE_DEVICE": os.environ.get("VOTE_LIMIT_CHALLENGE_DEVICE", "120 per minute"),
        "VOTE_LIMIT_CHALLENGE_NETWORK": os.environ.get("VOTE_LIMIT_CHALLENGE_NETWORK", "2000 per minute"),
        "VOTE_LIMIT_CODE_DEVICE": os.environ.get("VOTE_LIMIT_CODE_DEVICE", "5 per 10 minutes"),
        "VOTE_LIMIT_CODE_NETWORK": os.environ.get("VOTE_LIMIT_CODE_NETWORK", "200 per 10 minutes"),
        "VOTE_LIMIT_VERIFY_DEVICE": os.environ.get("VOTE_LIMIT_VERIFY_DEVICE", "20 per 10 minutes"),
        "VOTE_LIMIT_VERIFY_NETWORK": os.environ.get("VOTE_LIMIT_VERIFY_NETWORK", "800 per 10 minutes"),
        "VOTE_LIMIT_VOTE_DEVICE": os.environ.get("VOTE_LIMIT_VOTE_DEVICE", "60 per minute"),
        "VOTE_LIMIT_VOTE_NETWORK": os.environ.get("VOTE_LIMIT_VOTE_NETWORK", "600 per minute"),
    }
