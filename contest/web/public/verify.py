"""Anyone holding a certificate checks it at /xac-minh/<code> (the QR code on the certificate leads here)."""

from __future__ import annotations

from flask import current_app, render_template, request

from contest import certificates
from contest.exports import authors
from contest.extensions import limiter
from contest.web.public.routes import bp


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/xac-minh/<code>")
@limiter.limit(lambda: current_app.config.get("VERIFY_LIMIT_ADDRESS") or "30 per minute", key_func=_address)
def verify_certificate(code: str) -> tuple[str, int] | str:
    certificate = certificates.find(code[:40])
    if certificate is None:
        # The same answer for every unknown code: the page reveals nothing but what a code names.
        return render_template("public/verify.html", certificate=None), 404
    award = certificate.award
    return render_template("public/verify.html", certificate=certificate, entry=certificate.entry,
                           edition=award.result_set.edition, authors=authors(certificate.entry))
