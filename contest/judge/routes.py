"""The judge's pages: only the entries assigned to them."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from contest.auth import roles_required
from contest.extensions import db
from contest.models import Assignment, AssignmentState, Role

bp = Blueprint("judge", __name__)


@bp.route("/")
@roles_required(Role.JUDGE)
def dashboard() -> str:
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.judge_id == current_user.id, Assignment.state == AssignmentState.ACTIVE.value)
        .order_by(Assignment.round_id, Assignment.id)
    ).all()
    return render_template("judge/dashboard.html", assignments=assignments)


def _register_areas() -> None:
    import importlib
    import importlib.util

    for area in ("profile", "scoring"):
        name = f"contest.judge.{area}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


_register_areas()
