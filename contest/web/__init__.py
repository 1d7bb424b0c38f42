"""Cross-cutting web behaviour: error pages, security headers, proxies, safe redirects."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, flash, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.extensions import db
from contest.i18n import _


def _stays_on_site(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    # Control characters (a newline makes the Location header itself fail) and any other invisible separator.
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """The one rule for every redirect to a place the request names (``next=``, the referrer).

    Only a path on this site is followed: no scheme, no host, no scheme-relative ``//``, no backslash, no
    control or separator character — checked on the target as sent and on each percent-decoded form, so
    ``%2F%2F``, ``%5C`` or ``%0A`` cannot smuggle one in. Anything else answers ``fallback``.
    """
    if not isinstance(target, str) or not target or len(target) > 2000:
        return fallback
    decoded = target
    for _round in range(3):
        if not _stays_on_site(decoded):
            return fallback
        once_more = unquote(decoded)
        if once_more == decoded:
            return target
        decoded = once_more
    return fallback  # encoded more deeply than any link of ours


def from_this_site() -> bool:
    """Whether the browser says the request was sent from one of our pages.

    Browsers send ``Origin`` with every cross-site POST (``null`` from a sandbox) and a referrer unless told
    not to; a request with neither comes from no page of another site.
    """
    origin = request.headers.get("Origin")
    here = f"{request.scheme}://{request.host}"
    if origin is not None:
        return origin == here
    referrer = request.headers.get("Referer")
    return referrer is None or urlsplit(referrer).netloc == request.host


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập trang này",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    409: "Dữ liệu đã thay đổi",
    413: "Tệp quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Đã xảy ra lỗi hệ thống",
    503: "Dịch vụ tạm thời không khả dụng",
}


def commit_or_flash(action: Callable[[], object], refusal: type[Exception], done: Callable[[], str]) -> bool:
    """Run one page's operation and commit once: flash ``done()`` when it succeeds, or roll back and flash the
    operation's own message (``refusal.message``) when it refuses. Returns whether it succeeded."""
    try:
        action()
    except refusal as exc:
        db.session.rollback()
        flash(exc.message, "error")  # type: ignore[attr-defined]
        return False
    db.session.commit()
    flash(done(), "success")
    return True


def _error_messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Yêu cầu không hợp lệ"), _("Yêu cầu gửi lên không hợp lệ. Vui lòng thử lại.")),
        403: (
            _("Không có quyền truy cập trang này"),
            _("Tài khoản đang đăng nhập không được phép thực hiện thao tác này."),
        ),
        404: (_("Không tìm thấy trang"), _("Trang cần tìm không tồn tại hoặc đã bị xóa.")),
        405: (_("Phương thức không được hỗ trợ"), _("Thao tác này không được hỗ trợ tại địa chỉ này.")),
        409: (_("Dữ liệu đã thay đổi"), _("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang.")),
        413: (_("Tệp quá lớn"), _("Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.")),
        429: (_("Quá nhiều yêu cầu"), _("Thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại.")),
        500: (
            _("Đã xảy ra lỗi hệ thống"),
            _("Rất tiếc, đã có lỗi xảy ra. Dữ liệu đã lưu không bị mất; vui lòng thử lại sau."),
        ),
        503: (
            _("Dịch vụ tạm thời không khả dụng"),
            _("Hệ thống đang bận hoặc đang bảo trì. Vui lòng thử lại sau ít phút."),
        ),
    }


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = _error_messages().get(code, _error_messages()[500])
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    hops = app.config["PROXY_FIX_TRUSTED_HOPS"]
    if hops > 0:
        # Trust exactly the configured proxies: X-Forwarded-* from anyone else is ignored.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_error(
            400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
        )

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError) -> tuple[str, int]:
        # Versioned rows are compare-and-swap: two requests changed one row at once (two organizers, a double
        # click) and the other one was committed first. Nothing of this request was kept; it may be repeated.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        db.session.rollback()
        detail = error.description if getattr(error, "show_message", False) else None
        return render_error(error.code, detail)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # No inline script anywhere: scripts and styles come from this site only.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
