"""Builders for the scoring tests: an open round with judges, entries and active assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    Edition,
    Entry,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from tests.factories import make_edition, make_entry, make_user


@dataclass
class World:
    edition: Edition
    round: Round
    final: Round
    organizer: User
    judges: list[User]
    entries: list[Entry]
    assignments: dict[tuple[int, int], Assignment]  # (judge id, entry id) -> assignment

    def assignment(self, judge: User, entry: Entry) -> Assignment:
        return db.session.get(Assignment, self.assignments[(judge.id, entry.id)].id)


def build_world(*, judges: int = 3, entries: int = 2, blind: bool = False, deadline_days: float = 5,
                categories: list[str] | None = None, status: str = RoundStatus.OPEN.value) -> World:
    edition = make_edition(blind_judging=blind)
    round_ = edition.rounds[0]
    final = edition.rounds[1]
    round_.status = status
    if status == RoundStatus.OPEN.value:
        round_.opened_at = utcnow()
    round_.scoring_deadline = utcnow() + timedelta(days=deadline_days)
    organizer = make_user(Role.ORGANIZER, full_name="Trần Thị Tổ Chức")
    judge_users = [make_user(Role.JUDGE, full_name=f"Giám Khảo {i + 1}") for i in range(judges)]
    entry_rows = []
    for i in range(entries):
        owner = make_user(Role.APPLICANT, full_name=f"Lê Văn Tác Giả {i + 1}")
        code = (categories[i] if categories else None)
        entry_rows.append(make_entry(owner, edition, status="eligible", category_code=code,
                                     organization=f"Hợp tác xã số {i + 1}", title=f"Máy sấy chè số {i + 1}"))
    pairs = {}
    for judge in judge_users:
        for entry in entry_rows:
            a = Assignment(round_id=round_.id, judge_id=judge.id, entry_id=entry.id,
                           state=AssignmentState.ACTIVE.value, published_at=utcnow())
            db.session.add(a)
            pairs[(judge.id, entry.id)] = a
    db.session.commit()
    return World(edition, round_, final, organizer, judge_users, entry_rows, pairs)


def sheet_form(round_: Round, scores: dict[str, object], version: int, **extra: object) -> dict[str, str]:
    """The score sheet's form fields from criterion key -> value ('' leaves it blank)."""
    data: dict[str, str] = {"version": str(version)}
    for c in round_.criteria:
        if c.key in scores:
            data[f"score-{c.id}"] = str(scores[c.key])
    for key, value in extra.items():
        data[key] = str(value)
    return data


FULL = {"doi_moi": "15", "hieu_qua": "22.5", "ap_dung": "24"}
