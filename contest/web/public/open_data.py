"""Open results at stable public URLs: /du-lieu-mo/<edition>/ket-qua.csv and .json."""

from __future__ import annotations

from flask import Response, abort
from sqlalchemy import select

from contest import open_data
from contest.extensions import db
from contest.models import Edition
from contest.storage import content_disposition
from contest.web.public.routes import bp

VISIBLE = ("open", "closed", "archived")


@bp.route("/du-lieu-mo/<slug>/ket-qua.<any(csv,json):fmt>")
def open_results(slug: str, fmt: str) -> Response:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug, Edition.status.in_(VISIBLE)))
    if edition is None:
        abort(404)
    if fmt == "json":
        body, mimetype = open_data.results_json(edition), "application/json"
    else:
        body, mimetype = open_data.results_csv(edition), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(f"ket-qua-{edition.slug}.{fmt}", inline=True)
    response.headers["Cache-Control"] = "no-cache"  # an unpublished set must disappear at once
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
