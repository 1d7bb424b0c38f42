"""Who judges what in a round: running the assignment engine, adjusting, publishing, filling holes.

The maths lives in :mod:`judging.assign`; this module turns rows into the
engine's arrays and its answer back into :class:`Assignment` rows.

Life of a pair: a run (or a hand adjustment) creates it PROPOSED; publishing
makes it ACTIVE and emails the judge; it ends CANCELLED (an organizer removed
it, or the judge was deactivated) or RECUSED (the judge declared a conflict).
Ended rows stay for the record and are never re-created by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.conflicts import (
    ConflictContext,
    UndecidedNearMatch,
    conflict_findings,
    conflict_mask,
    conflict_reasons,
    is_conflicted,
    undecided_near_matches,
)
from contest.extensions import db
from contest.i18n import _, _l
from contest.mail import external_url, send_mail
from contest.models import (
    Assignment,
    AssignmentState,
    Category,
    Entry,
    EntryRound,
    EntryStatus,
    Role,
    Round,
    RoundMode,
    RoundOutcome,
    RoundStatus,
    SheetStatus,
    User,
    UserRole,
    utcnow,
)
from contest.search import fold
from judging.assign import (
    AssignmentInfeasible,
    AssignmentResult,
    affinity_from_expertise,
    assign,
    full_panel,
    reassign,
)
from judging.assign.result import bipartite_components, judge_overlaps

IN_FORCE = (AssignmentState.PROPOSED.value, AssignmentState.ACTIVE.value)
ENDED = (AssignmentState.CANCELLED.value, AssignmentState.RECUSED.value)


class AssignmentError(Exception):
    """A request the assignment rules refuse; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def _actor(actor: User | None) -> User | None:
    if actor is not None:
        return actor
    try:
        if current_user and current_user.is_authenticated:
            return current_user._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:  # outside a request
        return None
    return None


def assignment_json(assignment: Assignment) -> dict[str, object]:
    return {
        "round_id": assignment.round_id,
        "entry_id": assignment.entry_id,
        "judge_id": assignment.judge_id,
        "state": assignment.state,
        "manual": assignment.manual,
    }


def cancel_assignment(
    assignment: Assignment,
    reason: str | None = None,
    actor: User | None = None,
    *,
    state: AssignmentState = AssignmentState.CANCELLED,
) -> Assignment:
    """End a pair: ``CANCELLED`` (organizer, deactivation) or ``RECUSED`` (the judge's conflict).

    The row stays, with when and why it ended; the judge loses access at once.
    Ending an already ended pair changes nothing (double submits are harmless).
    The hole it leaves is filled by :func:`fill_holes`.
    """
    state = AssignmentState(state)
    if state.value not in ENDED:
        raise ValueError(f"an assignment ends as cancelled or recused, not {state.value}")
    if assignment.state in ENDED:
        return assignment
    before = assignment_json(assignment)
    assignment.state = state.value
    assignment.ended_at = utcnow()
    assignment.end_reason = reason
    db.session.flush()
    audit.record(
        "assignment.recused" if state == AssignmentState.RECUSED else "assignment.cancelled",
        assignment,
        actor=_actor(actor),
        before=before,
        after=assignment_json(assignment),
        reason=reason,
    )
    return assignment


# ---------------------------------------------------------------- who and what is in a round


def is_first_round(round_: Round) -> bool:
    first = db.session.scalar(select(func.min(Round.position)).where(Round.edition_id == round_.edition_id))
    return first is not None and round_.position == first


def _entry_query():
    return select(Entry).options(
        selectinload(Entry.members), selectinload(Entry.conflict_declarations), selectinload(Entry.category)
    )


def round_entries(round_: Round) -> list[Entry]:
    """The entries judged in ``round_``, by category then reference code.

    Those with an ``EntryRound`` row still ``in_round``.  In the edition's first
    round, also the eligible entries that have no row for it yet (all of them
    before the first run; later, any entry screened late), so that filling
    holes picks them up; runs create their rows (:func:`ensure_entry_rounds`).
    """
    in_round = select(EntryRound.entry_id).where(
        EntryRound.round_id == round_.id, EntryRound.outcome == RoundOutcome.IN_ROUND.value
    )
    condition = Entry.id.in_(in_round)
    if is_first_round(round_):
        any_row = select(EntryRound.entry_id).where(EntryRound.round_id == round_.id)
        condition = condition | (
            (Entry.edition_id == round_.edition_id)
            & (Entry.status == EntryStatus.ELIGIBLE.value)
            & Entry.id.not_in(any_row)
        )
    entries = db.session.scalars(_entry_query().where(condition)).unique().all()
    return sorted(entries, key=lambda e: (e.category.position, e.category_id, e.reference_code))


def ensure_entry_rounds(round_: Round, entries: Sequence[Entry]) -> int:
    """Put those of ``entries`` that have no row for ``round_`` in it; returns how many rows were created."""
    existing = set(db.session.scalars(select(EntryRound.entry_id).where(EntryRound.round_id == round_.id)))
    created = 0
    for entry in entries:
        if entry.id not in existing:
            db.session.add(EntryRound(entry_id=entry.id, round_id=round_.id, outcome=RoundOutcome.IN_ROUND.value))
            created += 1
    db.session.flush()
    return created


def judge_terms(judge: User) -> list[str]:
    """A judge's expertise as the engine reads it: field codes, then free keywords."""
    profile = judge.judge_profile
    if profile is None:
        return []
    return [str(c) for c in (profile.expertise_categories or [])] + profile.keywords


def eligible_judges(*, categories: Iterable[str] | None = None) -> list[User]:
    """Active accounts holding the judge role, by name.

    With ``categories`` (field codes), only judges whose declared fields cover at
    least one of them: the "expertise only" option of a run.
    """
    judges = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.JUDGE.value, User.active.is_(True))
        .options(selectinload(User.judge_profile))
        .order_by(User.full_name, User.id)
    ).all()
    if categories is not None:
        wanted = set(categories)
        judges = [j for j in judges if j.judge_profile and wanted & set(j.judge_profile.expertise_categories or [])]
    return list(judges)


def entry_keywords(entries: Sequence[Entry], judges: Sequence[User]) -> list[list[str]]:
    """Which of the judges' free keywords each entry's title and summary mention.

    Entries carry no keyword list of their own, so an entry's keywords are the
    judges' keywords found (diacritics-insensitively, as whole words) in its
    text; the engine then rewards the judges who declared them.
    """
    vocabulary = sorted({k for j in judges for k in (j.judge_profile.keywords if j.judge_profile else [])})
    folded = [(k, f" {fold(k)} ") for k in vocabulary if fold(k)]
    found = []
    for entry in entries:
        text = " " + " ".join(_WORD.findall(fold(f"{entry.title} {entry.summary or ''}"))) + " "
        found.append([k for k, f in folded if f in text])
    return found


_WORD = re.compile(r"\w+")


def affinity_matrix(entries: Sequence[Entry], judges: Sequence[User]) -> np.ndarray:
    """Entries × judges affinity from the engine's expertise model (field 1.0, keywords up to 0.5)."""
    if not entries or not judges:
        return np.zeros((len(entries), len(judges)))
    return affinity_from_expertise(
        [e.category.code for e in entries], entry_keywords(entries, judges), [judge_terms(j) for j in judges]
    )


def _max_loads(judges: Sequence[User], cap: int | None) -> np.ndarray:
    """Each judge's ceiling for the round: their profile's maximum, and the run's cap if lower."""
    loads = []
    for judge in judges:
        own = judge.judge_profile.max_load if judge.judge_profile else None
        values = [v for v in (own, cap) if v is not None]
        loads.append(min(values) if values else np.inf)
    return np.array(loads, dtype=float)


def _targets(entries: Sequence[Entry], default: int, per_category: Mapping[str, int] | None) -> np.ndarray:
    per_category = per_category or {}
    return np.array([int(per_category.get(e.category.code, default)) for e in entries], dtype=int)


def keeps_judges_within_fields(round_: Round) -> bool:
    """Sub-panels per field, unless the edition compares entries across fields or the whole council scores."""
    return round_.mode != RoundMode.FULL_PANEL.value and not round_.edition.compare_across_fields


def outside_field_mask(entries: Sequence[Entry], judges: Sequence[User]) -> np.ndarray:
    """True where the judge has not declared the entry's field: barred when sub-panels stay within fields."""
    fields = [set(j.judge_profile.expertise_categories or []) if j.judge_profile else set() for j in judges]
    return np.array([[e.category.code not in own for own in fields] for e in entries], dtype=bool).reshape(
        len(entries), len(judges))


def check_field_panels(entries: Sequence[Entry], judges: Sequence[User], targets: np.ndarray) -> None:
    """Refuse, naming the field, when a field has fewer judges of its own than one of its entries needs."""
    needed: dict[str, int] = {}
    names: dict[str, str] = {}
    for entry, target in zip(entries, targets, strict=True):
        code = entry.category.code
        needed[code] = max(needed.get(code, 0), int(target))
        names[code] = entry.category.name
    for code, need in needed.items():
        have = sum(1 for j in judges if j.judge_profile and code in (j.judge_profile.expertise_categories or []))
        if have < need:
            raise AssignmentError(_(
                "Lĩnh vực “%(field)s” cần ít nhất %(need)d giám khảo của lĩnh vực mình nhưng mới có %(have)d. "
                "Hãy bổ sung giám khảo cho lĩnh vực này, giảm số giám khảo mỗi bài, hoặc bật “So sánh bài "
                "giữa các lĩnh vực” trong thông tin chung của cuộc thi.",
                field=names[code], need=need, have=have), status=422)


def _pairs_by_key(round_: Round) -> dict[tuple[int, int], Assignment]:
    rows = db.session.scalars(select(Assignment).where(Assignment.round_id == round_.id)).all()
    return {(a.entry_id, a.judge_id): a for a in rows}


# ---------------------------------------------------------------- explaining failure


class AssignmentImpossible(AssignmentError):
    """The engine found no assignment; ``message`` explains why in the reader's language."""

    def __init__(self, message: str, *, code: str, entries: list[Entry], judges: list[User],
                 blocking: list[str] | None = None):
        super().__init__(message, status=422)
        self.code = code
        self.entries = entries
        self.judges = judges
        self.blocking = blocking or []


class NearMatchesUndecided(AssignmentError):
    """Organization names that look alike stand between judges and entries and no organizer has decided them:
    the engine would either ignore a real conflict or starve panels of judges, so it does not run."""

    def __init__(self, found: list[UndecidedNearMatch]):
        pairs = list(dict.fromkeys((m.judge_organization, m.entry_organization) for m in found))
        first, second = pairs[0]
        super().__init__(_(
            "Chưa thể phân công: còn %(n)d cặp tên đơn vị gần giống giữa giám khảo và bài dự thi chưa được Ban tổ "
            "chức xác nhận (ví dụ “%(first)s” và “%(second)s”). Hãy xác nhận từng cặp là xung đột hay không ở trang "
            "“Tên đơn vị gần giống”, rồi chạy lại.",
            n=len(pairs), first=first, second=second), status=409)
        self.found = found


def finding_label(code: str, judge_side: str | None = None, entry_side: str | None = None) -> str:
    """A reason in words, with the two names that met when there are names."""
    label = str(conflict_reason_label(code))
    if judge_side and entry_side:
        return f"{label} (“{judge_side}” – “{entry_side}”)"
    return label


def blocking_conflicts(entries: Sequence[Entry], judges: Sequence[User], context: ConflictContext,
                       limit: int = 3) -> list[str]:
    """For the first ``limit`` entries, every judge a conflict keeps away and the declaration responsible."""
    lines = []
    for entry in entries[:limit]:
        for judge in judges:
            findings = conflict_findings(judge, entry, context.declared[judge.id], context)
            if findings:
                why = "; ".join(dict.fromkeys(finding_label(f.code, f.judge_side, f.entry_side) for f in findings))
                lines.append(f"{entry.reference_code} – {judge.full_name}: {why}")
    return lines


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += " " + _("và %(n)d bài khác", n=len(names) - limit)
    return shown


def explain_infeasible(
    exc: AssignmentInfeasible, entries_by_id: Mapping[int, Entry], judges_by_id: Mapping[int, User],
    context: ConflictContext | None = None,
) -> AssignmentImpossible:
    """Turn the engine's structured failure into a Vietnamese explanation naming entries and the binding rule,
    and the conflicts (with the declaration behind each) that keep judges away from the entries named."""
    entries = [entries_by_id[i] for i in exc.entry_ids if i in entries_by_id]
    judges = [judges_by_id[i] for i in exc.judge_ids if i in judges_by_id]
    codes = _listing([e.reference_code for e in entries])
    names = _listing([j.full_name for j in judges])
    required, available = exc.required, exc.available
    if exc.code == "entry_lacks_judges":
        message = _(
            "Không đủ giám khảo hợp lệ cho các bài: %(codes)s. Bài %(first)s cần %(required)s giám khảo "
            "nhưng chỉ có %(available)s giám khảo không xung đột lợi ích. Ràng buộc quyết định: số giám khảo "
            "mỗi bài và xung đột lợi ích. Hãy mời thêm giám khảo, giảm số giám khảo mỗi bài hoặc xem lại "
            "các xung đột.",
            codes=codes, first=entries[0].reference_code if entries else "?", required=required, available=available,
        )
    elif exc.code == "total_capacity":
        message = _(
            "Tổng số bài tối đa các giám khảo nhận (%(available)s lượt) nhỏ hơn số lượt chấm cần có "
            "(%(required)s). Ràng buộc quyết định: số bài tối đa của giám khảo. Hãy tăng số bài tối đa, "
            "mời thêm giám khảo hoặc giảm số giám khảo mỗi bài.",
            required=required, available=available,
        )
    elif exc.code == "total_minimum_load":
        message = _(
            "Tổng số bài tối thiểu của các giám khảo (%(required)s) vượt số lượt chấm có thể chia "
            "(%(available)s). Ràng buộc quyết định: số bài tối thiểu mỗi giám khảo. Hãy giảm số bài tối thiểu.",
            required=required, available=available,
        )
    elif exc.code == "judge_minimum_unreachable":
        message = _(
            "Giám khảo %(names)s phải nhận ít nhất %(required)s bài nhưng chỉ có thể nhận tối đa %(available)s "
            "(do số bài tối đa hoặc xung đột lợi ích). Ràng buộc quyết định: số bài tối thiểu mỗi giám khảo.",
            names=names, required=required, available=available,
        )
    elif exc.code == "entry_group_capacity":
        message = _(
            "Các bài %(codes)s cần tổng cộng %(required)s lượt chấm, nhưng những giám khảo không xung đột với "
            "chúng chỉ còn nhận được %(available)s bài trong giới hạn số bài tối đa. Ràng buộc quyết định: số bài "
            "tối đa của các giám khảo %(names)s.",
            codes=codes, required=required, available=available, names=names,
        )
    elif exc.code == "judge_group_minimum":
        message = _(
            "Các giám khảo %(names)s cần tổng cộng ít nhất %(required)s bài nhưng các bài họ được chấm chỉ đủ "
            "%(available)s. Ràng buộc quyết định: số bài tối thiểu mỗi giám khảo.",
            names=names, required=required, available=available,
        )
    else:
        message = _(
            "Không có cách phân công nào thỏa mãn cùng lúc số giám khảo mỗi bài, xung đột lợi ích và giới hạn "
            "số bài của giám khảo. Hãy nới các giới hạn này."
        )
    blocking: list[str] = []
    if context is not None and exc.code in ("entry_lacks_judges", "entry_group_capacity"):
        blocking = blocking_conflicts(entries, list(judges_by_id.values()), context)
        if blocking:
            message = message + " " + _("Xung đột đang chặn: %(list)s.", list=" · ".join(blocking))
    return AssignmentImpossible(message, code=exc.code, entries=entries, judges=judges, blocking=blocking)


# ---------------------------------------------------------------- running the engine


@dataclass(frozen=True)
class RunSettings:
    """What an organizer chose for a run; kept on the round (and in the audit) and reused to fill holes."""

    per_entry: int
    per_category: dict[str, int] = field(default_factory=dict)
    min_load: int | None = None
    max_load: int | None = None
    seed: int = 0
    expertise_only: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "per_entry": self.per_entry,
            "per_category": dict(self.per_category),
            "min_load": self.min_load,
            "max_load": self.max_load,
            "seed": self.seed,
            "expertise_only": self.expertise_only,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None, round_: Round) -> RunSettings:
        data = data or {}
        return cls(
            per_entry=int(data.get("per_entry") or round_.judges_per_entry),  # type: ignore[arg-type]
            per_category={str(k): int(v) for k, v in dict(data.get("per_category") or {}).items()},  # type: ignore[call-overload]
            min_load=data.get("min_load"),  # type: ignore[arg-type]
            max_load=data.get("max_load"),  # type: ignore[arg-type]
            seed=int(data.get("seed") or 0),  # type: ignore[arg-type]
            expertise_only=bool(data.get("expertise_only")),
        )


@dataclass
class RunReport:
    """What a run or a fill did, for the flash message and the audit event."""

    created: int
    summary: dict[str, object]
    cancelled: int = 0
    new_entry_rounds: int = 0


def last_settings(round_: Round) -> RunSettings:
    """The settings of the round's latest run (the round's defaults when it never ran)."""
    return RunSettings.from_json(round_.assignment_settings, round_)


def last_summary(round_: Round) -> dict[str, object] | None:
    """Figures of the round's latest run or fill (LP bound, gap, …)."""
    return round_.assignment_summary


def lock_round(round_: Round) -> None:
    """Serialise changes to one round's assignment until the request commits.

    On PostgreSQL the round's row is locked (SELECT … FOR UPDATE), so two
    organizers publishing or running at the same moment act one after the
    other and the second sees the first's work; SQLite writes are serial anyway.
    """
    db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update())


def _check_round_open_for_changes(round_: Round) -> None:
    lock_round(round_)
    if round_.status == RoundStatus.CLOSED.value:
        raise AssignmentError(_("Vòng thi đã đóng, không thể thay đổi phân công."), status=409)


def _summary(result: AssignmentResult, judges: Sequence[User]) -> dict[str, object]:
    loads = [int(v) for v in result.loads]
    active = [v for v in loads if v > 0]
    return {
        "total_affinity": round(float(result.total_affinity), 4),
        "lp_bound": round(float(result.lp_bound), 4),
        "gap": round(float(result.gap), 6),
        "connected": bool(result.connected),
        "components": int(result.components),
        "min_overlap": int(result.min_overlap),
        "swaps": int(result.swaps),
        "load_min": min(active) if active else 0,
        "load_max": max(loads) if loads else 0,
        "judges": len(judges),
        "pairs": int(result.pairs.sum()),
    }


def run_assignment(
    round_: Round,
    *,
    per_entry: int | None = None,
    per_category: Mapping[str, int] | None = None,
    min_load: int | None = None,
    max_load: int | None = None,
    seed: int = 0,
    expertise_only: bool = False,
    actor: User | None = None,
) -> RunReport:
    """Compute a fresh proposal for ``round_`` and store it as PROPOSED rows.

    ``per_entry`` judges per entry (default ``round_.judges_per_entry``), or
    ``per_category[code]`` for entries of that field.  Loads stay within
    ``min_load`` and each judge's ``max_load`` (their profile's maximum, lowered
    to the run's ``max_load`` if given).  Full-panel rounds give every
    unconflicted judge every entry and need at least ``per_entry`` judges per
    entry.  Unpublished proposals of an earlier run are replaced; once the
    round's assignment is published, use :func:`fill_holes` instead.

    Raises :class:`AssignmentError` (409/422) and :class:`AssignmentImpossible`
    (422) with a Vietnamese explanation.
    """
    _check_round_open_for_changes(round_)
    settings = RunSettings(
        per_entry=int(per_entry or round_.judges_per_entry),
        per_category={str(k): int(v) for k, v in (per_category or {}).items()},
        min_load=min_load,
        max_load=max_load,
        seed=int(seed),
        expertise_only=expertise_only,
    )
    if settings.per_entry < 1 or any(v < 1 for v in settings.per_category.values()):
        raise AssignmentError(_("Số giám khảo mỗi bài phải từ 1 trở lên."), status=422)
    if min_load is not None and max_load is not None and min_load > max_load:
        raise AssignmentError(_("Số bài tối thiểu không được lớn hơn số bài tối đa."), status=422)
    existing = _pairs_by_key(round_)
    if any(a.state == AssignmentState.ACTIVE.value for a in existing.values()):
        raise AssignmentError(
            _("Phân công của vòng này đã được công bố. Hãy dùng “Bổ sung chỗ trống” để giữ nguyên phần đã giao."),
            status=409,
        )
    entries = round_entries(round_)
    if not entries:
        raise AssignmentError(_("Vòng thi chưa có bài dự thi nào để phân công."), status=422)
    categories = {e.category.code for e in entries} if expertise_only else None
    judges = eligible_judges(categories=categories)
    if not judges:
        raise AssignmentError(_("Chưa có giám khảo nào đang hoạt động để phân công."), status=422)

    context = ConflictContext.for_judges(judges)
    if (undecided := undecided_near_matches(entries, judges, context)):
        raise NearMatchesUndecided(undecided)
    # A fresh run starts over: unpublished rows go; rows ended after publication stay and bar their pair.
    for assignment in existing.values():
        if assignment.published_at is None and assignment.sheet is None:
            db.session.delete(assignment)
    db.session.flush()
    barred = {key for key, a in existing.items() if a.published_at is not None or a.sheet is not None}

    entry_index = {e.id: i for i, e in enumerate(entries)}
    judge_index = {j.id: i for i, j in enumerate(judges)}
    conflicts = conflict_mask(entries, judges, context)
    for entry_id, judge_id in barred:
        if entry_id in entry_index and judge_id in judge_index:
            conflicts[entry_index[entry_id], judge_index[judge_id]] = True
    targets = _targets(entries, settings.per_entry, settings.per_category)
    if keeps_judges_within_fields(round_):
        check_field_panels(entries, judges, targets)
        conflicts |= outside_field_mask(entries, judges)
    affinity = affinity_matrix(entries, judges)
    entries_by_id = {e.id: e for e in entries}
    judges_by_id = {j.id: j for j in judges}
    try:
        if round_.mode == RoundMode.FULL_PANEL.value:
            result = full_panel(
                conflicts, affinity, min_judges=settings.per_entry,
                entry_ids=[e.id for e in entries], judge_ids=[j.id for j in judges],
            )
        else:
            result = assign(
                affinity,
                conflicts,
                targets,
                min_load=min_load,
                max_load=_max_loads(judges, max_load),
                seed=settings.seed,
                entry_ids=[e.id for e in entries],
                judge_ids=[j.id for j in judges],
            )
    except AssignmentInfeasible as exc:
        raise explain_infeasible(exc, entries_by_id, judges_by_id, context) from exc

    new_entry_rounds = ensure_entry_rounds(round_, entries) if is_first_round(round_) else 0
    for e, j in result.pair_list():
        db.session.add(
            Assignment(
                round_id=round_.id, entry_id=entries[e].id, judge_id=judges[j].id,
                state=AssignmentState.PROPOSED.value, affinity=float(affinity[e, j]),
            )
        )
    db.session.flush()
    summary = _summary(result, judges)
    round_.assignment_settings = settings.to_json()
    round_.assignment_summary = summary
    audit.record(
        "assignment.run",
        round_,
        actor=_actor(actor),
        after={"settings": settings.to_json(), "summary": summary, "mode": round_.mode,
               "entries": len(entries), "entry_rounds_created": new_entry_rounds},
    )
    return RunReport(created=len(result.pair_list()), summary=summary, new_entry_rounds=new_entry_rounds)


# ---------------------------------------------------------------- filling holes


def _in_force_judges(rows: Mapping[tuple[int, int], Assignment]) -> set[int]:
    return {judge_id for (_, judge_id), a in rows.items() if a.state in IN_FORCE}


def fill_holes(round_: Round, *, seed: int | None = None, actor: User | None = None) -> RunReport:
    """Give the entries that lost judges new ones, keeping every other pair as it is.

    Holes come from recusals, cancelled pairs, deactivated judges, conflicts
    declared since the run (those pairs are cancelled here) and entries added to
    the round.  The settings of the round's latest run apply (judges per entry,
    per-field numbers, loads); pairs that ended are never re-created.  New pairs
    are PROPOSED until the organizer publishes again.
    """
    _check_round_open_for_changes(round_)
    settings = last_settings(round_)
    actor = _actor(actor)
    rows = _pairs_by_key(round_)
    entries = round_entries(round_)
    if not entries:
        raise AssignmentError(_("Vòng thi chưa có bài dự thi nào để phân công."), status=422)
    entry_ids = {e.id for e in entries}
    cancelled = 0
    for (entry_id, _judge_id), assignment in rows.items():
        if assignment.state in IN_FORCE and entry_id not in entry_ids:
            cancel_assignment(assignment, _("Bài không còn trong vòng thi."), actor)
            cancelled += 1
    categories = {e.category.code for e in entries} if settings.expertise_only else None
    judges = eligible_judges(categories=categories)
    known = {j.id for j in judges}
    for judge_id in _in_force_judges(rows) - known:
        judge = db.session.get(User, judge_id)
        if judge is not None and judge.active and judge.has_role(Role.JUDGE):
            judges.append(judge)  # kept pairs of a judge outside the expertise filter stay
        else:
            for (_entry_id, jid), assignment in rows.items():
                if jid == judge_id and assignment.state in IN_FORCE:
                    cancel_assignment(assignment, _("Giám khảo không còn hoạt động."), actor)
                    cancelled += 1
    if not judges:
        raise AssignmentError(_("Chưa có giám khảo nào đang hoạt động để phân công."), status=422)

    context = ConflictContext.for_judges(judges)
    if (undecided := undecided_near_matches(entries, judges, context)):
        raise NearMatchesUndecided(undecided)
    entry_index = {e.id: i for i, e in enumerate(entries)}
    judge_index = {j.id: i for i, j in enumerate(judges)}
    conflicts = conflict_mask(entries, judges, context)
    ended = np.zeros(conflicts.shape, dtype=bool)
    previous = np.zeros(conflicts.shape, dtype=bool)
    for (entry_id, judge_id), assignment in rows.items():
        if entry_id not in entry_index or judge_id not in judge_index:
            continue
        e, j = entry_index[entry_id], judge_index[judge_id]
        if assignment.state in ENDED:
            ended[e, j] = True
        elif conflicts[e, j]:
            cancel_assignment(assignment, _("Xung đột lợi ích được ghi nhận sau khi phân công."), actor)
            ended[e, j] = True
            cancelled += 1
        else:
            previous[e, j] = True
    forbidden = conflicts | ended
    if keeps_judges_within_fields(round_):
        # New judges come from the entry's own field; pairs already in force stay as they are.
        forbidden |= outside_field_mask(entries, judges) & ~previous
    affinity = affinity_matrix(entries, judges)
    entries_by_id = {e.id: e for e in entries}
    judges_by_id = {j.id: j for j in judges}
    ids = {"entry_ids": [e.id for e in entries], "judge_ids": [j.id for j in judges]}
    try:
        if round_.mode == RoundMode.FULL_PANEL.value:
            result = full_panel(forbidden, affinity, min_judges=settings.per_entry, **ids)
        else:
            target = np.maximum(
                _targets(entries, settings.per_entry, settings.per_category), previous.sum(axis=1)
            )
            # A judge already above a since-lowered maximum keeps their pairs but gets no more.
            ceiling = np.maximum(_max_loads(judges, settings.max_load), previous.sum(axis=0))
            result = reassign(
                previous,
                affinity,
                forbidden,
                target,
                min_load=settings.min_load,
                max_load=ceiling,
                seed=settings.seed if seed is None else seed,
                **ids,
            )
    except AssignmentInfeasible as exc:
        raise explain_infeasible(exc, entries_by_id, judges_by_id, context) from exc
    added = result.pairs & ~previous
    new_entry_rounds = ensure_entry_rounds(round_, entries) if is_first_round(round_) else 0
    for e, j in zip(*np.nonzero(added)):
        db.session.add(
            Assignment(
                round_id=round_.id, entry_id=entries[e].id, judge_id=judges[j].id,
                state=AssignmentState.PROPOSED.value, affinity=float(affinity[e, j]),
            )
        )
    db.session.flush()
    summary = _summary(result, judges)
    round_.assignment_summary = summary
    audit.record(
        "assignment.filled",
        round_,
        actor=actor,
        after={"settings": settings.to_json(), "summary": summary, "added": int(added.sum()),
               "cancelled": cancelled},
    )
    return RunReport(created=int(added.sum()), summary=summary, cancelled=cancelled,
                     new_entry_rounds=new_entry_rounds)


# ---------------------------------------------------------------- adjusting by hand


def judge_load(round_: Round, judge: User) -> int:
    """Entries in force (proposed or active) for ``judge`` in ``round_``."""
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.round_id == round_.id, Assignment.judge_id == judge.id, Assignment.state.in_(IN_FORCE)
        )
    ) or 0


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError(_("Vui lòng ghi lý do điều chỉnh."), status=422)
    return reason


def add_pair(round_: Round, entry: Entry, judge: User, *, reason: str, actor: User | None = None) -> Assignment:
    """Assign ``judge`` to ``entry`` by hand, PROPOSED until published.

    Refused when the judge is not an active judge, the entry is not in the
    round, the pair is in conflict, or the judge's maximum load would be
    exceeded.  Adding a pair already in force changes nothing.
    """
    reason = _require_reason(reason)
    _check_round_open_for_changes(round_)
    if not (judge.active and judge.has_role(Role.JUDGE)):
        raise AssignmentError(_("%(name)s không phải giám khảo đang hoạt động.", name=judge.full_name), status=422)
    if entry.id not in {e.id for e in round_entries(round_)}:
        raise AssignmentError(
            _("Bài %(code)s không thuộc vòng thi này.", code=entry.reference_code), status=422
        )
    reasons = conflict_reasons(judge, entry)
    if reasons:
        raise AssignmentError(
            _("Không thể giao bài %(code)s cho %(name)s: xung đột lợi ích (%(why)s).",
              code=entry.reference_code, name=judge.full_name,
              why="; ".join(str(conflict_reason_label(r)) for r in reasons)),
            status=409,
        )
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == round_.id, Assignment.entry_id == entry.id, Assignment.judge_id == judge.id
        )
    )
    if existing is not None and existing.state in IN_FORCE:
        return existing
    maximum = judge.judge_profile.max_load if judge.judge_profile else None
    load = judge_load(round_, judge)
    if maximum is not None and load + 1 > maximum:
        raise AssignmentError(
            _("%(name)s đã nhận %(load)d bài, bằng số bài tối đa (%(max)d).",
              name=judge.full_name, load=load, max=maximum),
            status=409,
        )
    before = assignment_json(existing) if existing is not None else None
    if existing is None:
        existing = Assignment(round_id=round_.id, entry_id=entry.id, judge_id=judge.id)
        db.session.add(existing)
    existing.state = AssignmentState.PROPOSED.value
    existing.manual = True
    existing.published_at = None
    existing.ended_at = None
    existing.end_reason = None
    existing.affinity = float(affinity_matrix([entry], [judge])[0, 0])
    db.session.flush()
    audit.record(
        "assignment.adjusted", existing, actor=_actor(actor), before=before,
        after={"action": "add", **assignment_json(existing)}, reason=reason,
    )
    return existing


def remove_pair(assignment: Assignment, *, reason: str, actor: User | None = None) -> Assignment:
    """Take a pair away by hand (CANCELLED); refused once the judge has submitted the score sheet."""
    reason = _require_reason(reason)
    _check_round_open_for_changes(assignment.round)
    if assignment.state in ENDED:
        return assignment
    sheet = assignment.sheet
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED.value:
        raise AssignmentError(
            _("Giám khảo đã nộp phiếu chấm cho bài này; không thể hủy phân công."), status=409
        )
    before = assignment_json(assignment)
    cancel_assignment(assignment, reason, actor)
    audit.record(
        "assignment.adjusted", assignment, actor=_actor(actor), before=before,
        after={"action": "remove", **assignment_json(assignment)}, reason=reason,
    )
    return assignment


def adjust(
    round_: Round, *, entry: Entry, judge: User, action: str, reason: str, actor: User | None = None
) -> Assignment | None:
    """Add (``action="add"``) or remove (``"remove"``) the pair (entry, judge) in ``round_`` by hand."""
    if action == "add":
        return add_pair(round_, entry, judge, reason=reason, actor=actor)
    if action == "remove":
        assignment = db.session.scalar(
            select(Assignment).where(
                Assignment.round_id == round_.id, Assignment.entry_id == entry.id, Assignment.judge_id == judge.id,
                Assignment.state.in_(IN_FORCE),
            )
        )
        if assignment is None:
            raise AssignmentError(_("Giám khảo này không được phân công bài này."), status=404)
        return remove_pair(assignment, reason=reason, actor=actor)
    raise AssignmentError(_("Thao tác không hợp lệ."), status=400)


# ---------------------------------------------------------------- publishing


@dataclass
class PublishReport:
    round: Round
    published: int
    judges: list[User]
    dropped: int
    new_ids: set[int] = field(default_factory=set)
    sent: bool = False

    def send_emails(self) -> None:
        """Email each judge with newly published pairs their whole list for the round, once."""
        if self.sent:
            return
        self.sent = True
        round_ = self.round
        for judge in self.judges:
            everything = db.session.scalars(
                select(Assignment)
                .join(Entry, Entry.id == Assignment.entry_id)
                .where(Assignment.round_id == round_.id, Assignment.judge_id == judge.id,
                       Assignment.state == AssignmentState.ACTIVE.value)
                .order_by(Entry.reference_code)
            ).all()
            send_mail(
                judge.email,
                _("Danh sách bài được phân công chấm – %(round)s", round=round_.name),
                "judge_assignments",
                judge=judge,
                round=round_,
                assignments=everything,
                new_ids=self.new_ids,
                blind=round_.edition.blind_judging,
                link=external_url("judge.dashboard"),
            )


def publish_assignment(round_: Round, *, actor: User | None = None) -> PublishReport:
    """Make every PROPOSED pair ACTIVE and email each judge concerned their list, once.

    Conflicts are checked again first: a pair that became conflicted since the
    run, or whose judge was deactivated, is cancelled instead of published.
    Judges with nothing new are not emailed.  The emails leave after the
    caller's commit, so nobody is told about a publication that was rolled back.
    """
    _check_round_open_for_changes(round_)
    actor = _actor(actor)
    proposed = db.session.scalars(
        select(Assignment)
        .where(Assignment.round_id == round_.id, Assignment.state == AssignmentState.PROPOSED.value)
        .options(selectinload(Assignment.judge), selectinload(Assignment.entry))
        .order_by(Assignment.id)
    ).all()
    if not proposed:
        raise AssignmentError(_("Không có phân công dự kiến nào để công bố."), status=409)
    judges = {a.judge_id: a.judge for a in proposed}
    context = ConflictContext.for_judges(judges.values())
    now = utcnow()
    dropped = 0
    published: dict[int, list[Assignment]] = {}
    for assignment in proposed:
        judge = assignment.judge
        if not (judge.active and judge.has_role(Role.JUDGE)):
            cancel_assignment(assignment, _("Giám khảo không còn hoạt động."), actor)
            dropped += 1
        elif conflict_reasons(judge, assignment.entry, context.declared[judge.id], context):
            cancel_assignment(assignment, _("Xung đột lợi ích được ghi nhận sau khi phân công."), actor)
            dropped += 1
        else:
            assignment.state = AssignmentState.ACTIVE.value
            assignment.published_at = now
            published.setdefault(judge.id, []).append(assignment)
    db.session.flush()
    count = sum(len(v) for v in published.values())
    audit.record(
        "assignment.published",
        round_,
        actor=actor,
        after={"published": count, "judges": sorted(published), "dropped": dropped},
    )
    report = PublishReport(
        round=round_, published=count, judges=[judges[j] for j in published], dropped=dropped,
        new_ids={a.id for pairs in published.values() for a in pairs},
    )
    report.send_emails()
    return report


# ---------------------------------------------------------------- what organizers see


CONFLICT_REASONS = {
    "declared:judge": _l("Giám khảo tự khai báo với bài này"),
    "declared:organizer": _l("Ban tổ chức ghi nhận với bài này"),
    "declared:applicant": _l("Người dự thi nêu với bài này"),
    "declared:automatic": _l("Hệ thống ghi nhận với bài này"),
    "organization:judge": _l("Giám khảo khai báo xung đột với đơn vị của bài"),
    "organization:organizer": _l("Ban tổ chức ghi nhận xung đột với đơn vị của bài"),
    "organization:applicant": _l("Người dự thi nêu đơn vị"),
    "organization:automatic": _l("Trùng đơn vị (hệ thống ghi nhận)"),
    "automatic:same_organization": _l("Cùng đơn vị công tác với tác giả (tự động)"),
    "automatic:author": _l("Là tác giả của bài"),
    "applicant:organization": _l("Người dự thi nêu đơn vị của giám khảo"),
    "applicant:person": _l("Người dự thi nêu tên giám khảo"),
    "near:unconfirmed": _l("Tên đơn vị gần giống, chờ Ban tổ chức xác nhận"),
    "near:confirmed": _l("Tên đơn vị gần giống, Ban tổ chức xác nhận là xung đột"),
}


def conflict_reason_label(reason: str) -> object:
    """A translated phrase for a reason code of :func:`contest.conflicts.conflict_reasons`."""
    return CONFLICT_REASONS.get(reason, reason)


@dataclass
class Cell:
    state: str | None
    affinity: float
    field_match: bool
    keywords: list[str]
    conflicts: list[str]
    manual: bool = False

    @property
    def in_force(self) -> bool:
        return self.state in IN_FORCE


@dataclass
class Board:
    """An entries × judges view of a round's assignment for the preview page."""

    round: Round
    groups: list[tuple[Category, list[Entry]]]
    judges: list[User]
    cells: dict[tuple[int, int], Cell]
    loads: dict[int, int]
    max_loads: dict[int, int | None]
    targets: dict[int, int]
    have: dict[int, int]
    counts: dict[str, int]
    components: int
    min_overlap: int
    overlaps: dict[int, int]
    summary: dict[str, object] | None
    settings: RunSettings
    undecided: list[UndecidedNearMatch] = field(default_factory=list)

    @property
    def entries(self) -> list[Entry]:
        return [e for _, group in self.groups for e in group]

    @property
    def holes(self) -> list[tuple[Entry, int]]:
        """Entries with fewer judges in force than they should have, and how many are missing."""
        return [(e, self.targets[e.id] - self.have[e.id]) for e in self.entries if self.have[e.id] < self.targets[e.id]]

    @property
    def has_proposed(self) -> bool:
        return self.counts.get(AssignmentState.PROPOSED.value, 0) > 0

    @property
    def has_active(self) -> bool:
        return self.counts.get(AssignmentState.ACTIVE.value, 0) > 0


def assignment_board(round_: Round) -> Board:
    """Everything the assignment page shows: cells with affinity, field match, conflicts, loads and holes."""
    settings = last_settings(round_)
    rows = _pairs_by_key(round_)
    entries = round_entries(round_)
    judges = eligible_judges()
    known = {j.id for j in judges}
    for judge_id in sorted({jid for (_entry_id, jid), a in rows.items() if a.state in IN_FORCE} - known):
        judge = db.session.get(User, judge_id)
        if judge is not None:
            judges.append(judge)
    context = ConflictContext.for_judges(judges)
    affinity = affinity_matrix(entries, judges)
    keywords = entry_keywords(entries, judges)
    cells: dict[tuple[int, int], Cell] = {}
    in_force = np.zeros((len(entries), len(judges)), dtype=bool)
    for e, entry in enumerate(entries):
        for j, judge in enumerate(judges):
            row = rows.get((entry.id, judge.id))
            profile = judge.judge_profile
            own = set(profile.keywords) if profile else set()
            cells[(entry.id, judge.id)] = Cell(
                state=row.state if row else None,
                affinity=float(affinity[e, j]),
                field_match=bool(profile and entry.category.code in (profile.expertise_categories or [])),
                keywords=[k for k in keywords[e] if k in own],
                conflicts=conflict_reasons(judge, entry, context.declared[judge.id], context),
                manual=bool(row and row.manual),
            )
            in_force[e, j] = bool(row and row.state in IN_FORCE)
    counts: dict[str, int] = {}
    for assignment in rows.values():
        counts[assignment.state] = counts.get(assignment.state, 0) + 1
    if round_.mode == RoundMode.FULL_PANEL.value:
        targets = {
            entry.id: sum(1 for j in judges if j.active and not cells[(entry.id, j.id)].conflicts
                          and cells[(entry.id, j.id)].state not in ENDED)
            for entry in entries
        }
    else:
        per_entry = _targets(entries, settings.per_entry, settings.per_category)
        targets = {entry.id: int(per_entry[e]) for e, entry in enumerate(entries)}
    groups: dict[int, tuple[Category, list[Entry]]] = {}
    for entry in entries:
        groups.setdefault(entry.category_id, (entry.category, []))[1].append(entry)
    overlaps = judge_overlaps(in_force) if in_force.size else np.zeros(len(judges), dtype=int)
    active_judges = in_force.any(axis=0)
    return Board(
        round=round_,
        groups=list(groups.values()),
        judges=judges,
        cells=cells,
        loads={j.id: int(in_force[:, i].sum()) for i, j in enumerate(judges)},
        max_loads={j.id: (j.judge_profile.max_load if j.judge_profile else None) for j in judges},
        targets=targets,
        have={entry.id: int(in_force[e].sum()) for e, entry in enumerate(entries)},
        counts=counts,
        components=bipartite_components(in_force) if in_force.size else 0,
        min_overlap=int(overlaps[active_judges].min()) if active_judges.any() else 0,
        overlaps={j.id: int(overlaps[i]) for i, j in enumerate(judges)},
        summary=last_summary(round_),
        settings=settings,
        undecided=undecided_near_matches(entries, [j for j in judges if j.active], context),
    )


# ---------------------------------------------------------------- a judge's pairs across rounds


def open_assignments(judge: User) -> list[Assignment]:
    """The judge's pairs in force (proposed or active) in rounds that are not closed."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Round, Round.id == Assignment.round_id)
            .where(Assignment.judge_id == judge.id, Assignment.state.in_(IN_FORCE),
                   Round.status != RoundStatus.CLOSED.value)
            .order_by(Assignment.round_id, Assignment.id)
        )
    )


def cancel_conflicted(judge: User, *, actor: User | None = None) -> list[Assignment]:
    """Cancel the judge's open pairs that a conflict now forbids (a conflict means no access, at once)."""
    ended = []
    context = ConflictContext.for_judges([judge])
    for assignment in open_assignments(judge):
        if conflict_reasons(judge, assignment.entry, context.declared[judge.id], context):
            cancel_assignment(
                assignment, _("Xung đột lợi ích được ghi nhận sau khi phân công."), actor,
                state=AssignmentState.RECUSED if actor is not None and actor.id == judge.id
                else AssignmentState.CANCELLED,
            )
            ended.append(assignment)
    return ended


# Rounds whose assignments a judge may act on: a DRAFT round is still being prepared by the organizers.
JUDGE_VISIBLE_ROUND_STATUSES = (RoundStatus.OPEN.value, RoundStatus.CLOSED.value)


def judge_sees_assignment(judge: User, assignment: Assignment) -> bool:
    """The one rule for what an assignment shows its judge (the score page and the entry page both ask it):
    the judge's own ACTIVE assignment, in a round opened to judges, on an entry without a conflict."""
    return (
        assignment.judge_id == judge.id
        and assignment.state == AssignmentState.ACTIVE.value
        and assignment.round.status in JUDGE_VISIBLE_ROUND_STATUSES
        and not is_conflicted(judge, assignment.entry)
    )
