"""Cross-cutting web behaviour: error pages, security headers, proxies, safe redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.extensions import db
from contest.i18n import _


def is_safe_next(target: str | None) -> bool:
    """A ``next=`` target is followed only when it stays on this site (no scheme, no host)."""
    if not target:
        return False
    if target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Bạn không có quyền truy cập trang này",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    409: "Dữ liệu đã thay đổi",
    413: "Tệp quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Đã xảy ra lỗi hệ thống",
    503: "Dịch vụ tạm thời không khả dụng",
}


def _error_messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Yêu cầu không hợp lệ"), _("Yêu cầu gửi lên không hợp lệ. Vui lòng thử lại.")),
        403: (
            _("Bạn không có quyền truy cập trang này"),
            _("Tài khoản của bạn không được phép thực hiện thao tác này."),
        ),
        404: (_("Không tìm thấy trang"), _("Trang bạn tìm không tồn tại hoặc đã bị xoá.")),
        405: (_("Phương thức không được hỗ trợ"), _("Thao tác này không được hỗ trợ tại địa chỉ này.")),
        409: (_("Dữ liệu đã thay đổi"), _("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang.")),
        413: (_("Tệp quá lớn"), _("Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.")),
        429: (_("Quá nhiều yêu cầu"), _("Bạn thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại.")),
        500: (
            _("Đã xảy ra lỗi hệ thống"),
            _("Rất tiếc, đã có lỗi xảy ra. Dữ liệu của bạn không bị mất; vui lòng thử lại sau."),
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
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_error(
            400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
        )

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
