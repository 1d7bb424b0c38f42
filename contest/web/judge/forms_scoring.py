"""Forms of the scoring pages.

The score sheet's fields depend on the round's criteria (``score-<id>``,
``comment-<id>``), so it is read explicitly by :func:`sheet_input_from` into a
:class:`~contest.scoring.SheetInput`; the rules (range, step, required
on submit) are the judging rubric's, applied by the operations.  CSRF is
checked for every POST by the app-wide CSRFProtect (the autosave script sends
the token with the form and in the ``X-CSRFToken`` header).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import TextAreaField

from contest.forms import max_length, required, strip_text
from contest.i18n import _l
from contest.models import Round
from contest.scoring import SheetInput


class BadSheetForm(ValueError):
    """The form is not a score sheet at all (no or a forged version)."""


def _text(form: MultiDict, name: str) -> str | None:
    value = strip_text(form.get(name))
    return value or None


def sheet_input_from(form: MultiDict, round_: Round) -> SheetInput:
    raw_version = (form.get("version") or "").strip()
    if not raw_version.isdigit() or len(raw_version) > 9:
        raise BadSheetForm("version")
    criterion_ids = {c.id for c in round_.criteria}
    data = SheetInput(
        version=int(raw_version),
        comment_to_applicant=_text(form, "comment_to_applicant"),
        private_note=_text(form, "private_note"),
    )
    for name in form:
        if name.startswith("score-") or name.startswith("comment-"):
            raw_id = name.split("-", 1)[1]
            if not raw_id.isdigit() or int(raw_id) not in criterion_ids:
                data.unknown_criteria.append(name)
    for c in round_.criteria:
        data.scores[c.id] = form.get(f"score-{c.id}")
        data.comments[c.id] = _text(form, f"comment-{c.id}")
    return data


class RecuseForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do (mối quan hệ với tác giả hoặc đơn vị)"),
        validators=[required(), max_length(2000)],
        filters=[strip_text],
    )
