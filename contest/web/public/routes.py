"""Pages for everyone, signed in or not: the contest's landing page and language choice."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from contest.extensions import csrf, db
from contest.models import Category, Edition, EditionStatus, Entry, EntryStatus, utcnow
from contest.phases import entry_tally
from contest.web import from_this_site, safe_redirect_target

bp = Blueprint("public", __name__)


def visible_editions() -> list[Edition]:
    return list(
        db.session.scalars(
            select(Edition)
            .where(Edition.status.in_([EditionStatus.OPEN.value, EditionStatus.CLOSED.value]))
            .order_by(Edition.year.desc())
        )
    )


@bp.route("/")
def index() -> str:
    editions = visible_editions()
    current = editions[0] if editions else None
    stats = None
    if current is not None:
        submitted = entry_tally(current.id).submitted
        categories = db.session.scalar(select(func.count(Category.id)).where(Category.edition_id == current.id))
        stats = {"entries": submitted, "categories": categories or 0}
    return render_template(
        "public/index.html", edition=current, editions=editions, stats=stats, now=utcnow()
    )


@bp.route("/ngon-ngu/<lang>", methods=["POST"])
@csrf.exempt
def set_language(lang: str) -> Response:
    """Switch the language of the site.

    Exempt from CSRF on purpose: a forged switch only changes the language a
    visitor reads, and leaving the token out of the header is what lets public
    pages be cached whole for anonymous visitors. The account's stored
    language (the one its mail is written in) is a lasting change, so it is
    written only when the browser says the request came from this site.
    """
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang and from_this_site():
        current_user.locale = lang
        db.session.commit()
    target = request.form.get("next")
    return redirect(safe_redirect_target(target, url_for("public.index")))


# Results, rules and the public vote live in their own modules, registered on ``bp`` when imported.
import contest.web.public.complaints
import contest.web.public.open_data
import contest.web.public.results
import contest.web.public.rules
import contest.web.public.showcase
import contest.web.public.verify
import contest.web.public.vote
