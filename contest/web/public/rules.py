"""The public rules page (thể lệ), generated from an edition's configuration, and its signed decision."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, stream_with_context
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from contest.extensions import db
from contest.labels import APPLICANT_TYPE
from contest.models import Edition, EditionStatus, Role
from contest.storage import ObjectNotFound, StorageError, content_disposition, get_store
from contest.web.public.routes import bp, visible_editions

PUBLIC_STATUSES = (EditionStatus.OPEN.value, EditionStatus.CLOSED.value, EditionStatus.ARCHIVED.value)


def load_public_edition(slug: str) -> Edition:
    """An edition anyone may read; organizers may also preview a draft."""
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        abort(404)
    if edition.status not in PUBLIC_STATUSES and not (
            current_user.is_authenticated and current_user.has_role(Role.ORGANIZER)):
        abort(404)
    return edition


@bp.route("/the-le")
def rules_current() -> str:
    editions = visible_editions()
    return render_template("public/rules/rules.html", edition=editions[0] if editions else None,
                           editions=editions, applicant_types=APPLICANT_TYPE)


@bp.route("/the-le/<slug>")
def rules(slug: str) -> str:
    edition = load_public_edition(slug)
    return render_template("public/rules/rules.html", edition=edition, editions=visible_editions(),
                           applicant_types=APPLICANT_TYPE)


@bp.route("/the-le/<slug>/quyet-dinh.pdf")
def rules_document(slug: str) -> BaseResponse:
    edition = load_public_edition(slug)
    if not edition.rules_document_key:
        abort(404)
    name = edition.rules_document_name or f"the-le-{edition.slug}.pdf"
    store = get_store()
    try:
        url = store.presigned_get_url(edition.rules_document_key, filename=name, content_type="application/pdf")
        if url:
            return redirect(url)
        reader = store.open(edition.rules_document_key)
    except ObjectNotFound:
        abort(404)
    except StorageError:
        abort(503)

    def body():
        with reader:
            yield from reader

    return Response(stream_with_context(body()), mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(name),
                             "X-Content-Type-Options": "nosniff"})
