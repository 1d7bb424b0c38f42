"""The public showcase (kỷ yếu) of an edition's winning solutions, its printable booklet and its images."""

from __future__ import annotations

from flask import Response, abort, render_template
from sqlalchemy import select

from contest import exports, showcase
from contest.extensions import db
from contest.models import Attachment, Edition
from contest.storage import content_disposition
from contest.web.public.images import public_image
from contest.web.public.routes import bp

VISIBLE = ("open", "closed", "archived")


def _edition_or_404(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug, Edition.status.in_(VISIBLE)))
    if edition is None:
        abort(404)
    return edition


@bp.route("/ky-yeu/<slug>")
def showcase_page(slug: str) -> str:
    edition = _edition_or_404(slug)
    return render_template("public/showcase.html", edition=edition, items=showcase.showcase(edition))


@bp.route("/ky-yeu/<slug>/ky-yeu.pdf")
def showcase_booklet(slug: str) -> Response:
    edition = _edition_or_404(slug)
    items = showcase.showcase(edition)
    html = render_template("pdf/showcase.html", edition=edition, items=items)
    response = Response(exports._pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(f"ky-yeu-{edition.slug}.pdf", inline=True)
    return response


@bp.route("/ky-yeu/anh/<int:attachment_id>")
def showcase_image(attachment_id: int) -> Response:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not showcase.image_allowed(attachment):
        abort(404)
    return public_image(attachment)
