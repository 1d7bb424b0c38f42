"""The applicant's pages: their entries, from draft to result."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from contest.extensions import db
from contest.models import Entry

bp = Blueprint("entries", __name__)


@bp.route("/")
@login_required
def my_entries() -> str:
    entries = db.session.scalars(
        select(Entry).where(Entry.owner_id == current_user.id).order_by(Entry.created_at.desc())
    ).all()
    return render_template("entries/my_entries.html", entries=entries)
