"""The council's review step: a panel's chair decides on every flagged entry before the committee sees the list.

Each panel has a chair (chủ tịch hội đồng for a round's final panel, trưởng tiểu ban for one field's
sub-panel), appointed by the organizer from the edition's judges.  The engine flags an entry when its judges
disagree, when one of its sheets is down-weighted or lies far from the others, when it ties at an award
boundary or when its level is uncertain (grey zone).  The model never settles such a case alone: the chair
records one decision per flagged entry, and that decision is applied to the result set (expert score, total
and rank), audited and shown on "why this rank".  A result set whose panel has a chair cannot go to the
committee while a flagged entry has no decision.

Operations change models, write an audit event and flush; the caller commits.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.models import (
    Award,
    Category,
    ChairDecision,
    ChairDecisionKind,
    PanelChair,
    ResultSet,
    ResultStatus,
    Role,
    Round,
    User,
)
from judging.rank import round_half_up

REVIEW_FLAGS = ("judges_disagree", "down_weighted_sheet", "outlying_sheet", "tie_at_boundary", "grey_zone")
"""The flags a chair must decide on (the others describe the panel, not a case to settle)."""

SHEET_DECISIONS = (ChairDecisionKind.ASK_REVIEW.value, ChairDecisionKind.EXCLUDE_SHEET.value)
SCORE_PLACES = 6  # as the awards store the engine's value


class ReviewError(Exception):
    """A refused review action, with a Vietnamese message and an HTTP status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------- queries


def chair_of(round_: Round | int, category: Category | int | None = None) -> PanelChair | None:
    """The appointment for a round's final panel (no field) or one field's sub-panel."""
    round_id = round_ if isinstance(round_, int) else round_.id
    category_id = category if isinstance(category, int) or category is None else category.id
    query = select(PanelChair).where(PanelChair.round_id == round_id)
    query = query.where(PanelChair.category_id.is_(None) if category_id is None
                        else PanelChair.category_id == category_id)
    return db.session.scalar(query)


def chair_for(result_set: ResultSet) -> PanelChair | None:
    if result_set.round_id is None:
        return None
    return chair_of(result_set.round_id, result_set.category_id)


def is_chair_of(user: User, result_set: ResultSet) -> bool:
    appointment = chair_for(result_set)
    return appointment is not None and appointment.user_id == user.id


def review_flags(row: dict[str, Any]) -> list[str]:
    return [f for f in row.get("flags", []) if f in REVIEW_FLAGS]


def flagged_rows(result_set: ResultSet) -> list[dict[str, Any]]:
    """The rows of the result set the chair must decide on, in rank order."""
    return [r for r in result_set.payload.get("rows", []) if review_flags(r)]


def decisions_of(result_set: ResultSet) -> dict[int, ChairDecision]:
    """The chair's decisions by entry id."""
    rows = db.session.scalars(select(ChairDecision).where(ChairDecision.result_set_id == result_set.id))
    return {d.entry_id: d for d in rows}


def pending_reviews(result_set: ResultSet) -> list[dict[str, Any]]:
    """Flagged rows still without the chair's decision."""
    decided = decisions_of(result_set)
    return [r for r in flagged_rows(result_set) if int(r["entry_id"]) not in decided]


def chaired_result_sets(user: User) -> list[ResultSet]:
    """Result sets still open to decisions whose panel this user chairs, newest first."""
    sets = []
    for appointment in db.session.scalars(select(PanelChair).where(PanelChair.user_id == user.id)):
        query = select(ResultSet).where(
            ResultSet.round_id == appointment.round_id,
            ResultSet.status.in_((ResultStatus.COMPUTED.value, ResultStatus.FROZEN.value)),
        )
        query = query.where(ResultSet.category_id.is_(None) if appointment.category_id is None
                            else ResultSet.category_id == appointment.category_id)
        sets.extend(db.session.scalars(query))
    return sorted(sets, key=lambda rs: rs.id, reverse=True)


def approval_blocker(result_set: ResultSet) -> str | None:
    """Why the list may not go to the committee yet because of the review step; None when it may."""
    if chair_for(result_set) is None:
        return None
    pending = pending_reviews(result_set)
    if not pending:
        return None
    codes = ", ".join(str(r.get("reference_code") or r["entry_id"]) for r in pending)
    return _("Chủ tịch hội đồng chưa quyết định cho %(n)d bài bị gắn cờ (%(codes)s); chưa thể gửi các thành "
             "viên Ban tổ chức phê duyệt.", n=len(pending), codes=codes)


def sheets_of(result_set: ResultSet, entry_id: int) -> list[dict[str, Any]]:
    return [s for s in result_set.payload.get("sheets", []) if s["entry_id"] == str(entry_id)]


# ---------------------------------------------------------------- operations


def appoint_chair(round_: Round, category: Category | None, user: User, *, actor: User | None = None) -> PanelChair:
    """Make ``user`` (a judge) the chair of the round's final panel or of one field's sub-panel."""
    if category is not None and category.edition_id != round_.edition_id:
        raise ReviewError(_("Lĩnh vực không thuộc cuộc thi của vòng này."), 400)
    if not user.active or not user.has_role(Role.JUDGE):
        raise ReviewError(_("Chủ tịch hội đồng phải là giám khảo của cuộc thi."), 422)
    appointment = chair_of(round_, category)
    before = {"user_id": appointment.user_id} if appointment is not None else None
    if appointment is None:
        appointment = PanelChair(edition_id=round_.edition_id, round_id=round_.id,
                                 category_id=category.id if category is not None else None)
        db.session.add(appointment)
    appointment.user_id = user.id
    appointment.appointed_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("review.chair_appointed", appointment, actor=actor, before=before,
                 after={"round_id": round_.id, "category_id": appointment.category_id, "user_id": user.id})
    db.session.flush()
    return appointment


def record_chair_decision(
    result_set: ResultSet,
    entry_id: int,
    decision: str,
    chair: User,
    *,
    judge_id: int | None = None,
    reason: str | None = None,
) -> ChairDecision:
    """The chair's decision on one flagged entry, applied at once to the entry's score, total and rank.

    Deciding again replaces the earlier decision (the audit keeps both), so a double submit is harmless.
    """
    from contest.mail import send_mail

    if not is_chair_of(chair, result_set):
        raise ReviewError(_("Chỉ chủ tịch hội đồng của tiểu ban này mới được quyết định."), 403)
    if result_set.status not in (ResultStatus.COMPUTED, ResultStatus.FROZEN):
        raise ReviewError(_("Kết quả đã công bố, không thể thay đổi quyết định của chủ tịch hội đồng."), 409)
    if result_set.sent_for_approval_at is not None:
        # The committee votes on the scores it was sent; changing them under its feet would void those votes.
        raise ReviewError(_("Danh sách đã được gửi các thành viên Ban tổ chức phê duyệt, không thể thay đổi "
                            "điểm."), 409)
    if decision not in {k.value for k in ChairDecisionKind}:
        raise ReviewError(_("Quyết định không hợp lệ."), 400)
    row = next((r for r in flagged_rows(result_set) if int(r["entry_id"]) == entry_id), None)
    if row is None:
        raise ReviewError(_("Bài này không bị gắn cờ cần chủ tịch hội đồng xem xét."), 404)
    reason = (reason or "").strip() or None
    judges_with_sheet = {int(s["judge_id"]) for s in sheets_of(result_set, entry_id)}
    if decision in SHEET_DECISIONS:
        if judge_id not in judges_with_sheet:
            raise ReviewError(_("Vui lòng chọn giám khảo có phiếu chấm bài này."), 422)
    else:
        judge_id = None
    if decision == ChairDecisionKind.EXCLUDE_SHEET and reason is None:
        raise ReviewError(_("Vui lòng ghi rõ lý do loại phiếu chấm."), 422)
    if decision == ChairDecisionKind.EXCLUDE_SHEET and len(judges_with_sheet) < 2:
        raise ReviewError(_("Không thể loại phiếu chấm duy nhất của bài."), 422)

    existing = decisions_of(result_set).get(entry_id)
    before = ({"decision": existing.decision, "judge_id": existing.judge_id, "reason": existing.reason}
              if existing is not None else None)
    record = existing or ChairDecision(result_set_id=result_set.id, entry_id=entry_id, decided_by_id=chair.id)
    record.decision = decision
    record.judge_id = judge_id
    record.reason = reason
    record.decided_by_id = chair.id
    if existing is None:
        db.session.add(record)
    db.session.flush()
    _apply_decisions(result_set)
    audit.record("review.chair_decision", result_set, actor=chair, before=before, reason=reason,
                 after={"entry_id": entry_id, "decision": decision, "judge_id": judge_id,
                        "expert_score": next(r["expert_score"] for r in result_set.payload["rows"]
                                             if int(r["entry_id"]) == entry_id)})
    if decision == ChairDecisionKind.ASK_REVIEW and before != {"decision": decision, "judge_id": judge_id,
                                                               "reason": reason}:
        judge = db.session.get(User, judge_id)
        send_mail(judge.email, _("Chủ tịch hội đồng đề nghị xem lại phiếu chấm"), "chair_review_request",
                  judge=judge, chair=chair, reference_code=row.get("reference_code") or str(entry_id),
                  reason=reason)
    db.session.flush()
    return record


# ---------------------------------------------------------------- applying decisions


def decided_value(row: dict[str, Any], decision: ChairDecision | None, sheets: list[dict[str, Any]],
                  mapping: dict[str, Any] | None = None) -> float:
    """The expert score a decision gives one row; the engine's value when there is no decision."""
    engine = row.get("engine_expert_score", row["expert_score"])
    if decision is None or decision.decision in (ChairDecisionKind.KEEP, ChairDecisionKind.ASK_REVIEW):
        return float(engine)
    if decision.decision == ChairDecisionKind.PLAIN_MEAN:
        return on_published_scale(float(row["plain_mean"]), mapping)
    kept = [s["total"] for s in sheets if int(s["judge_id"]) != decision.judge_id]
    return on_published_scale(sum(kept) / len(kept), mapping)


def on_published_scale(value: float, mapping: dict[str, Any] | None) -> float:
    """The result set's one scale mapping (``judging.publication.ScaleMapping``) applied to a chair's value,
    so it sits on the same published scale as every other entry's."""
    if not mapping or mapping.get("identity", True):
        return value
    return (value - mapping["low"]) * mapping["scale"] / (mapping["high"] - mapping["low"])


def _apply_decisions(result_set: ResultSet) -> None:
    """Rewrite the rows' expert score, total and rank from the engine's values and the chair's decisions.

    The engine's own values stay beside them (``engine_*``), so every decision can be undone and compared.
    Rows are ordered by total; rows the engine tied stay tied when their totals still agree, and the
    engine's order breaks any other equality.
    """
    payload = copy.deepcopy(result_set.payload)
    decisions = decisions_of(result_set)
    rows = payload["rows"]
    for row in rows:
        row.setdefault("engine_expert_score", row["expert_score"])
        row.setdefault("engine_total", row["total"])
        row.setdefault("engine_rank", row["rank"])
        decision = decisions.get(int(row["entry_id"]))
        value = decided_value(row, decision, [s for s in payload["sheets"] if s["entry_id"] == row["entry_id"]],
                              payload.get("scale_mapping"))
        vote = Decimal(row["vote_score"]) if row.get("vote_score") is not None else Decimal(0)
        row["expert_score"] = value
        # As the engine adds them: the vote's one-decimal points exactly, onto the expert value.
        row["total"] = float(Decimal(repr(value)) + vote)
        row["chair_decision"] = ({"decision": decision.decision, "judge_id": decision.judge_id,
                                  "reason": decision.reason} if decision is not None else None)
    rows.sort(key=lambda r: (-r["total"], r["engine_rank"]))
    for i, row in enumerate(rows):
        previous = rows[i - 1] if i else None
        if previous is not None and previous["total"] == row["total"] and previous["engine_rank"] == row["engine_rank"]:
            row["rank"] = previous["rank"]
        else:
            row["rank"] = i + 1
    result_set.payload = payload
    awards = {a.entry_id: a for a in db.session.scalars(select(Award).where(Award.result_set_id == result_set.id))}
    for row in rows:
        award = awards.get(int(row["entry_id"]))
        if award is None:
            continue
        award.expert_score = round_half_up(row["expert_score"], SCORE_PLACES)
        award.total_score = round_half_up(row["total"], SCORE_PLACES)
        award.rank = row["rank"]
    db.session.flush()


def eligible_chairs() -> list[User]:
    """Active judges, by name: the people an organizer may appoint as a panel's chair."""
    from contest.models import UserRole

    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.JUDGE.value, User.active.is_(True)).order_by(User.full_name))
    return list(db.session.scalars(query))


def panels_of(round_: Round) -> list[tuple[Category | None, PanelChair | None]]:
    """The round's final panel, then each field's sub-panel, with its current chair if any."""
    return [(None, chair_of(round_))] + [(c, chair_of(round_, c)) for c in round_.edition.categories]
