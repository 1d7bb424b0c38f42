"""Form of the organizers' page that appoints panel chairs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from contest.i18n import _l


class AppointChairForm(FlaskForm):
    category_id = SelectField(_l("Hội đồng"), choices=[], coerce=int)
    user_id = SelectField(_l("Chủ tịch hội đồng (giám khảo)"), choices=[], coerce=int)
