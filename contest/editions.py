"""Setting up an edition: create, clone, apply a preset, edit, validate and open.

Every function here is an operation in the house sense: it changes the models,
writes an audit event and flushes; the caller (a route or a command) commits.

Change guards.  Once applicants have submitted entries, changes that would
alter what they submitted against (required attachments, the checklist, the
fields, the scoring composition) need a reason, which is audited; once judges
have scored a round, the structure of that round's criteria and its scale can
no longer change at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from flask import url_for
from sqlalchemy import exists, func, select

from contest import audit
from contest.extensions import db
from contest.i18n import _, to_local
from contest.models import (
    ApplicantProfile,
    ApplicantType,
    Assignment,
    Attachment,
    AttachmentKind,
    Award,
    AwardLevel,
    AwardScope,
    Category,
    Criterion,
    Edition,
    EditionStatus,
    EligibilityCheck,
    EligibilityResult,
    Entry,
    EntryStatus,
    Locality,
    ResultSet,
    Round,
    RoundMode,
    RoundStatus,
    ScoreSheet,
)
from contest.presets import (
    AWARD_VALUE_FIELDS,
    PRESETS,
    ROUND_ADVANCEMENT,
    ROUND_JUDGES,
    award_value_key,
    keys_touched_by_round_change,
    round_value_key,
)

RULES_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Errors


class EditionError(Exception):
    """A refused operation; ``message`` is translated, ``status`` the HTTP status the page answers with."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ChangeRefused(EditionError):
    """The change would alter submitted or scored work and cannot be made."""


class ReasonRequired(EditionError):
    """Allowed only with a written reason (recorded in the audit trail)."""

    status = 422


class NotReady(EditionError):
    """The edition cannot open: the configuration still has problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("Cuộc thi còn %(n)d vấn đề cần sửa trước khi mở.", n=len(problems)))
        self.problems = problems


class InvalidInput(EditionError):
    status = 422


# --------------------------------------------------------------------------------------------------
# Facts the guards need


def has_submissions(edition: Edition) -> bool:
    """True once any entry of the edition has been submitted (drafts do not count)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Entry.edition_id == edition.id,
                    Entry.submitted_at.is_not(None),
                    Entry.status != EntryStatus.DRAFT.value,
                )
            )
        )
    )


def has_entries(edition: Edition) -> bool:
    return bool(db.session.scalar(select(exists().where(Entry.edition_id == edition.id))))


def edition_with_activity() -> Edition | None:
    """The edition whose entries the organizers most likely want to see: the one they are running if it has
    entries, else the newest that has any (a freshly created or cloned edition holds none), else the current one."""
    from contest.phases import current_edition

    current = current_edition()
    if current is None or has_entries(current):
        return current
    busy = db.session.scalars(select(Edition).where(exists().where(Entry.edition_id == Edition.id))
                              .order_by(Edition.year.desc(), Edition.id.desc())).first()
    return busy or current


def round_is_scored(round_: Round) -> bool:
    """True once any judge has a score sheet (draft or submitted) in the round."""
    if round_.id is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(ScoreSheet.assignment_id == Assignment.id)
                .where(Assignment.round_id == round_.id)
            )
        )
    )


def edition_is_scored(edition: Edition) -> bool:
    return any(round_is_scored(r) for r in edition.rounds)


def has_results(edition: Edition) -> bool:
    return bool(db.session.scalar(select(exists().where(ResultSet.edition_id == edition.id))))


def _require_reason(needed: bool, reason: str | None, message: str) -> str | None:
    reason = (reason or "").strip() or None
    if needed and reason is None:
        raise ReasonRequired(message)
    return reason


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: audit.jsonable(getattr(obj, name)) for name in fields}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if a is None or b is None:
            return a is b
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


# --------------------------------------------------------------------------------------------------
# Create, clone, preset


def _unique_slug(base: str) -> str:
    slug, n = base, 1
    while db.session.scalar(select(exists().where(Edition.slug == slug))):
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_edition(year: int, name: str, *, name_en: str | None = None, slug: str | None = None) -> Edition:
    """A new draft edition with no configuration yet."""
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Năm tổ chức phải từ 2000 đến 2100."))
    edition = Edition(year=year, name=name.strip(), name_en=(name_en or None), slug=_unique_slug(slug or str(year)),
                      status=EditionStatus.DRAFT.value)
    db.session.add(edition)
    db.session.flush()
    audit.record("edition.created", edition, after={"slug": edition.slug, "year": year, "name": edition.name})
    return edition


def _shift_year(value: datetime | None, years: int) -> datetime | None:
    """The same local date and time ``years`` later (29/02 becomes 28/02)."""
    if value is None or years == 0:
        return value
    local = to_local(value)
    try:
        moved = local.replace(year=local.year + years)
    except ValueError:
        moved = local.replace(year=local.year + years, day=28)
    return moved.astimezone(value.tzinfo)


EDITION_COPIED_FIELDS = (
    "name_en", "description", "description_en", "timezone", "blind_judging", "compare_across_fields", "code_prefix",
    "allowed_applicant_types", "max_group_size", "max_entries_per_person", "max_entry_bytes",
    "expert_points", "vote_points",
)
EDITION_DATES = (
    "registration_opens_at", "registration_closes_at", "vote_opens_at", "vote_closes_at",
    "results_announced_at", "complaint_ends_at",
)
CATEGORY_FIELDS = ("code", "name", "name_en", "description", "sub_panel", "position")
ROUND_FIELDS = (
    "position", "name", "name_en", "mode", "judges_per_entry", "scale", "advancement_rule", "advance_top_n",
    "min_total_to_advance", "zero_eliminates", "disagreement_threshold", "normalization_method",
    "presentation_place",
)
ROUND_DATES = ("opens_at", "closes_at", "scoring_deadline", "presentation_at")
CRITERION_FIELDS = ("position", "key", "name", "name_en", "guidance", "guidance_en", "weight", "min_score",
                    "max_score", "step")
KIND_FIELDS = ("code", "name", "name_en", "required", "allows_link", "multiple", "max_size_bytes", "allowed_types",
               "position")
CHECK_FIELDS = ("position", "label", "label_en", "failure_reason", "failure_reason_en")
LEVEL_FIELDS = ("position", "name", "name_en", "scope", "quota", "min_score", "prize_amount")


def _copy(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = list(value) if isinstance(value, list) else value
    return out


def name_for_year(name: str | None, source_year: int, year: int) -> str | None:
    """``name`` of the ``source_year`` edition told for ``year`` (the year in it replaced; a name without it kept)."""
    return name.replace(str(source_year), str(year)) if name else name


def clone_edition(source: Edition, year: int, name: str, *, name_en: str | None = None,
                  slug: str | None = None) -> Edition:
    """A new draft edition configured like ``source``: fields, rounds and criteria, attachment kinds,
    checklist, award structure and scoring composition, with every date moved to ``year``.

    Both names are the new year's: ``name`` as given, ``name_en`` as given or else derived from the source's
    English name (never last year's name left as it was).

    Nothing of the source's work comes along: no entries, assignments, score sheets, results or votes;
    the rules document (a new year has a new decision) and round states start afresh.
    """
    edition = create_edition(year, name, slug=slug)
    for key, value in _copy(source, EDITION_COPIED_FIELDS).items():
        setattr(edition, key, value)
    edition.name_en = (name_en or "").strip() or name_for_year(source.name_en, source.year, year)
    years = year - source.year
    for key in EDITION_DATES:
        setattr(edition, key, _shift_year(getattr(source, key), years))
    edition.cloned_from_id = source.id
    edition.categories = [Category(**_copy(c, CATEGORY_FIELDS)) for c in source.categories]
    edition.attachment_kinds = [AttachmentKind(**_copy(k, KIND_FIELDS)) for k in source.attachment_kinds]
    edition.eligibility_checks = [EligibilityCheck(**_copy(c, CHECK_FIELDS)) for c in source.eligibility_checks]
    edition.award_levels = [AwardLevel(**_copy(level, LEVEL_FIELDS)) for level in source.award_levels]
    rounds = []
    for r in source.rounds:
        copy = Round(**_copy(r, ROUND_FIELDS), status=RoundStatus.DRAFT.value)
        for key in ROUND_DATES:
            setattr(copy, key, _shift_year(getattr(r, key), years))
        copy.criteria = [Criterion(**_copy(c, CRITERION_FIELDS)) for c in r.criteria]
        rounds.append(copy)
    edition.rounds = rounds
    db.session.flush()
    audit.record("edition.cloned", edition, after={"source_id": source.id, "source_slug": source.slug,
                                                    "slug": edition.slug, "year": year})
    return edition


def apply_preset(edition: Edition, preset: str) -> Edition:
    """Replace the edition's configuration with a named preset (only before any entry exists)."""
    if preset not in PRESETS:
        raise InvalidInput(_("Không có mẫu thể lệ này."))
    if has_entries(edition):
        raise ChangeRefused(_("Cuộc thi đã có bài dự thi: không thể áp dụng lại mẫu thể lệ."))
    before = {"categories": len(edition.categories), "rounds": len(edition.rounds)}
    # Old rows go first: the new ones reuse their unique positions and codes.
    edition.categories.clear()
    edition.rounds.clear()
    edition.attachment_kinds.clear()
    edition.eligibility_checks.clear()
    edition.award_levels.clear()
    db.session.flush()
    _label, fill, mark_values_to_confirm = PRESETS[preset]
    fill(edition)
    db.session.flush()
    mark_values_to_confirm(edition)
    db.session.flush()
    audit.record("edition.preset_applied", edition, before=before, after={"preset": preset})
    return edition


# --------------------------------------------------------------------------------------------------
# General settings, timeline and scoring composition


EDITABLE_EDITION_FIELDS = (
    "name", "name_en", "description", "description_en", "code_prefix", "blind_judging", "compare_across_fields",
    "decision_reference",
    "allowed_applicant_types", "max_group_size", "max_entries_per_person", "max_entry_bytes",
    "expert_points", "vote_points", *EDITION_DATES,
)


def update_edition(edition: Edition, changes: Mapping[str, Any], *, reason: str | None = None) -> dict[str, Any]:
    """Change general settings, the timeline, who may enter and the scoring composition.

    Returns the fields that changed.  After submissions, narrowing who may enter or changing the
    scoring composition needs a reason; after scoring, the composition cannot change.
    """
    unknown = set(changes) - set(EDITABLE_EDITION_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = {k: v for k, v in changes.items() if not _same(getattr(edition, k), v)}
    if not changed:
        return {}
    composition = {"expert_points", "vote_points"} & set(changed)
    if composition and edition_is_scored(edition):
        raise ChangeRefused(_("Giám khảo đã chấm điểm: không thể thay đổi cơ cấu điểm "
                              "(Điểm của Hội đồng giám khảo, điểm bình chọn)."))
    narrowing = "allowed_applicant_types" in changed and not set(edition.allowed_applicant_types or []) <= set(
        changed["allowed_applicant_types"] or [])
    needs = bool(composition or narrowing) and has_submissions(edition)
    reason = _require_reason(needs, reason, _(
        "Đã có bài dự thi được nộp: thay đổi cơ cấu điểm hoặc thu hẹp đối tượng dự thi cần ghi rõ lý do."))
    before = _snapshot(edition, changed)
    for key, value in changed.items():
        setattr(edition, key, value)
    db.session.flush()
    audit.record("edition.updated", edition, before=before, after=_snapshot(edition, changed), reason=reason)
    return changed


# --------------------------------------------------------------------------------------------------
# Repeating sections: rows of fields, checklist, attachment kinds, award levels, criteria


@dataclass
class RowChanges:
    added: list[Any] = field(default_factory=list)
    changed: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    reordered: bool = False

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.reordered)


def _plan_rows(existing: Sequence[Any], rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> tuple[
        RowChanges, list[tuple[Any | None, dict[str, Any]]]]:
    """Match submitted rows (``id`` None for new, ``delete`` True to remove) with existing objects.

    Returns what would change and the ordered list of (object or None, values) to keep.
    """
    by_id = {obj.id: obj for obj in existing}
    plan = RowChanges()
    kept: list[tuple[Any | None, dict[str, Any]]] = []
    seen: set[int] = set()
    for row in rows:
        row_id = row.get("id")
        values = {k: row[k] for k in fields if k in row}
        if row_id is not None:
            if row_id not in by_id or row_id in seen:
                raise InvalidInput(_("Dòng dữ liệu không thuộc cuộc thi này. Vui lòng tải lại trang."))
            seen.add(row_id)
            obj = by_id[row_id]
            if row.get("delete"):
                plan.removed.append(obj)
                continue
            diff = {k: v for k, v in values.items() if not _same(getattr(obj, k), v)}
            if diff:
                plan.changed.append((obj, diff))
            kept.append((obj, values))
        elif not row.get("delete"):
            plan.added.append(values)
            kept.append((None, values))
    if seen != set(by_id):
        # A partial list (an API-style update) changes values, never the order of the rows it left out.
        values_of = {id(obj): values for obj, values in kept if obj is not None}
        kept = [(obj, values_of.get(id(obj), {})) for obj in existing if obj not in plan.removed] + [
            (None, values) for obj, values in kept if obj is None]
    remaining = [obj.id for obj in existing if obj not in plan.removed]
    plan.reordered = [obj.id for obj, _values in kept if obj is not None] != remaining
    return plan, kept


def _apply_rows(collection: list[Any], model: type, plan: RowChanges, kept: list[tuple[Any | None, dict[str, Any]]],
                *, first_position: int = 0, position_unique: bool = False) -> list[Any]:
    for obj in plan.removed:
        collection.remove(obj)
    if plan.removed or position_unique:
        db.session.flush()
    if position_unique:
        # Positions are unique in the database: park the kept rows out of the way before renumbering.
        for i, (obj, _values) in enumerate(kept):
            if obj is not None:
                obj.position = -1 - i
        db.session.flush()
    result = []
    for i, (obj, values) in enumerate(kept):
        position = first_position + i
        if obj is None:
            obj = model(**{**values, "position": position})
            collection.append(obj)
        else:
            for key, value in values.items():
                setattr(obj, key, value)
            obj.position = position
        result.append(obj)
    collection.sort(key=lambda o: o.position)
    db.session.flush()
    return result


def _audit_rows(action: str, edition: Any, plan: RowChanges, label: str, reason: str | None,
                kept: Sequence[Any] = ()) -> None:
    audit.record(
        action,
        edition,
        before={"changed": [{"id": o.id, **{k: audit.jsonable(getattr(o, k)) for k in d}} for o, d in plan.changed],
                "removed": [{"id": o.id, label: getattr(o, label)} for o in plan.removed]},
        after={"changed": [{"id": o.id, **{k: audit.jsonable(v) for k, v in d.items()}} for o, d in plan.changed],
               "added": [{label: v.get(label)} for v in plan.added],
               "order": [getattr(o, label) for o in kept] if plan.reordered else None},
        reason=reason,
    )


def save_categories(edition: Edition, rows: Sequence[Mapping[str, Any]], *, reason: str | None = None) -> RowChanges:
    """Fields (lĩnh vực) with their sub-panels, in the given order."""
    plan, kept = _plan_rows(edition.categories, rows, ("code", "name", "name_en", "description", "sub_panel"))
    codes = [values.get("code", obj.code if obj else None) for obj, values in kept]
    if len(set(codes)) != len(codes):
        raise InvalidInput(_("Mỗi lĩnh vực cần một mã riêng, không trùng nhau."))
    for obj in plan.removed:
        if db.session.scalar(select(exists().where(Entry.category_id == obj.id))):
            raise ChangeRefused(_("Lĩnh vực “%(name)s” đã có bài dự thi nên không thể xóa.", name=obj.name))
    structural = plan.removed or any("code" in d for _o, d in plan.changed)
    reason = _require_reason(bool(structural) and has_submissions(edition), reason, _(
        "Đã có bài dự thi được nộp: đổi mã hoặc xóa lĩnh vực cần ghi rõ lý do."))
    if not plan.any:
        return plan
    result = _apply_rows(edition.categories, Category, plan, kept)
    _audit_rows("edition.categories_saved", edition, plan, "name", reason, result)
    return plan


def save_eligibility_checks(edition: Edition, rows: Sequence[Mapping[str, Any]], *,
                            reason: str | None = None) -> RowChanges:
    """The checklist the secretariat ticks per entry, each with the reason text shown when it fails."""
    plan, kept = _plan_rows(edition.eligibility_checks, rows,
                            ("label", "label_en", "failure_reason", "failure_reason_en"))
    for obj in plan.removed:
        if db.session.scalar(select(exists().where(EligibilityResult.check_id == obj.id))):
            raise ChangeRefused(_("Điều kiện “%(label)s” đã được dùng để xét bài dự thi nên không thể xóa.",
                                  label=obj.label))
    reason = _require_reason(plan.any and has_submissions(edition), reason, _(
        "Đã có bài dự thi được nộp: thay đổi danh mục điều kiện dự thi cần ghi rõ lý do."))
    if not plan.any:
        return plan
    result = _apply_rows(edition.eligibility_checks, EligibilityCheck, plan, kept)
    _audit_rows("edition.eligibility_checks_saved", edition, plan, "label", reason, result)
    return plan


def save_attachment_kinds(edition: Edition, rows: Sequence[Mapping[str, Any]], *,
                          reason: str | None = None) -> RowChanges:
    """Attachment kinds: which are required, size limits, allowed types, links."""
    plan, kept = _plan_rows(edition.attachment_kinds, rows, ("code", "name", "name_en", "required", "allows_link",
                                                             "multiple", "max_size_bytes", "allowed_types"))
    codes = [values.get("code", obj.code if obj else None) for obj, values in kept]
    if len(set(codes)) != len(codes):
        raise InvalidInput(_("Mỗi loại tệp cần một mã riêng, không trùng nhau."))
    for obj in plan.removed:
        if db.session.scalar(select(exists().where(Attachment.kind_id == obj.id))):
            raise ChangeRefused(_("Đã có tệp “%(name)s” được nộp nên không thể xóa loại tệp này.", name=obj.name))
    newly_required = [v for v in plan.added if v.get("required")] + [
        o for o, d in plan.changed if d.get("required") is True]
    narrowed = [o for o, d in plan.changed
                if ("max_size_bytes" in d and d["max_size_bytes"] < o.max_size_bytes)
                or ("allowed_types" in d and not set(o.allowed_types or []) <= set(d["allowed_types"] or []))
                or ("allows_link" in d and not d["allows_link"])]
    reason = _require_reason(bool(newly_required or narrowed) and has_submissions(edition), reason, _(
        "Đã có bài dự thi được nộp: thêm tệp bắt buộc hoặc thu hẹp yêu cầu về tệp cần ghi rõ lý do."))
    if not plan.any:
        return plan
    result = _apply_rows(edition.attachment_kinds, AttachmentKind, plan, kept)
    _audit_rows("edition.attachment_kinds_saved", edition, plan, "name", reason, result)
    return plan


def save_award_levels(edition: Edition, rows: Sequence[Mapping[str, Any]], *,
                      reason: str | None = None) -> RowChanges:
    """Award levels from the highest (position 1): scope, maximum count, minimum score, prize."""
    plan, kept = _plan_rows(edition.award_levels, rows,
                            ("name", "name_en", "scope", "quota", "min_score", "prize_amount"))
    for obj in plan.removed:
        used = db.session.scalar(select(exists().where(
            (Award.computed_level_id == obj.id) | (Award.override_level_id == obj.id))))
        if used:
            raise ChangeRefused(_("Mức giải “%(name)s” đã có trong kết quả nên không thể xóa.", name=obj.name))
    reason = _require_reason(plan.any and has_results(edition), reason, _(
        "Đã có kết quả được tính: thay đổi cơ cấu giải thưởng cần ghi rõ lý do."))
    if not plan.any:
        return plan
    result = _apply_rows(edition.award_levels, AwardLevel, plan, kept, first_position=1, position_unique=True)
    _audit_rows("edition.award_levels_saved", edition, plan, "name", reason, result)
    changed_fields = {name for _obj, changes in plan.changed for name in changes}
    _settle_values(edition, {award_value_key(name) for name in AWARD_VALUE_FIELDS if name in changed_fields})
    return plan


# --------------------------------------------------------------------------------------------------
# Preset values awaiting the organizer's confirmation


def _settle_values(edition: Edition, keys: set[str]) -> None:
    """The organizer changed these values, so they no longer await confirmation."""
    waiting = list(edition.values_to_confirm or [])
    if keys & set(waiting):
        edition.values_to_confirm = [key for key in waiting if key not in keys]
        db.session.flush()


def confirm_value(edition: Edition, key: str) -> bool:
    """The organizer checked a preset value against the unit's decision and keeps it; False if not awaiting."""
    waiting = list(edition.values_to_confirm or [])
    if key not in waiting:
        return False  # confirmed already (a second click) or never awaited
    edition.values_to_confirm = [k for k in waiting if k != key]
    db.session.flush()
    audit.record("edition.value_confirmed", edition, before={"values_to_confirm": waiting},
                 after={"values_to_confirm": edition.values_to_confirm})
    return True


# --------------------------------------------------------------------------------------------------
# Rounds and criteria


ROUND_EDITABLE = ("name", "name_en", "mode", "judges_per_entry", "scale", "advancement_rule", "advance_top_n",
                  "min_total_to_advance", "zero_eliminates", "disagreement_threshold", "presentation_place",
                  *ROUND_DATES)
# The presentation session: applicants in the round are told when it is set or changed.
ROUND_SCHEDULE = ("presentation_at", "presentation_place")
# Changing these after judges have scored would change the meaning of their sheets.
ROUND_SCORED_FROZEN = ("mode", "scale")


def add_round(edition: Edition, values: Mapping[str, Any]) -> Round:
    position = max((r.position for r in edition.rounds), default=0) + 1
    round_ = Round(position=position, status=RoundStatus.DRAFT.value,
                   **{k: v for k, v in values.items() if k in ROUND_EDITABLE})
    edition.rounds.append(round_)
    db.session.flush()
    audit.record("round.created", round_, after={"edition_id": edition.id, "name": round_.name,
                                                 "position": position})
    return round_


def update_round(round_: Round, changes: Mapping[str, Any], *, reason: str | None = None) -> dict[str, Any]:
    unknown = set(changes) - set(ROUND_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = {k: v for k, v in changes.items() if not _same(getattr(round_, k), v)}
    if not changed:
        return {}
    if set(ROUND_SCORED_FROZEN) & set(changed) and round_is_scored(round_):
        raise ChangeRefused(_("Vòng thi đã được chấm: không thể đổi hình thức chấm hoặc thang điểm."))
    rules = {"advancement_rule", "advance_top_n", "min_total_to_advance", "zero_eliminates"} & set(changed)
    reason = _require_reason(bool(rules) and round_is_scored(round_), reason, _(
        "Vòng thi đã được chấm: thay đổi quy tắc vào vòng trong cần ghi rõ lý do."))
    schedule = {key: changes.get(key, getattr(round_, key)) for key in ROUND_SCHEDULE}
    if (schedule["presentation_at"] is None) != (not schedule["presentation_place"]):
        raise InvalidInput(_("Lịch thuyết trình cần có cả thời gian và địa điểm."))
    before = _snapshot(round_, changed)
    previous_schedule = (round_.presentation_at, round_.presentation_place)
    for key, value in changed.items():
        setattr(round_, key, value)
    db.session.flush()
    audit.record("round.updated", round_, before=before, after=_snapshot(round_, changed), reason=reason)
    _settle_values(round_.edition, keys_touched_by_round_change(round_.id, set(changed)))
    if set(ROUND_SCHEDULE) & set(changed) and round_.presentation_at is not None:
        from contest.notices import announce_presentation

        announce_presentation(round_, previous_at=previous_schedule[0], previous_place=previous_schedule[1])
    return changed


def move_round(round_: Round, offset: int) -> bool:
    """Swap the round with its neighbour (offset -1: earlier, +1: later); False when it is already at the end.

    Rounds already opened or scored keep their place: their order is history.
    """
    edition = round_.edition
    ordered = sorted(edition.rounds, key=lambda r: r.position)
    index = ordered.index(round_)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(ordered):
        return False
    other = ordered[target]
    for r in (round_, other):
        if r.status != RoundStatus.DRAFT.value or round_is_scored(r):
            raise ChangeRefused(_("Vòng “%(name)s” đã mở hoặc đã được chấm nên không thể đổi thứ tự.", name=r.name))
    first, second = round_.position, other.position
    # Positions are unique in the database and one flush updates rows in the order of their ids, not of the
    # moves: each step goes to the database alone, or moving the older round down collides with its neighbour.
    round_.position = -1
    db.session.flush()
    other.position = first
    db.session.flush()
    round_.position = second
    db.session.flush()
    edition.rounds.sort(key=lambda r: r.position)
    audit.record("round.moved", round_, before={"position": first}, after={"position": second})
    return True


def delete_round(round_: Round) -> None:
    if db.session.scalar(select(exists().where(Assignment.round_id == round_.id))):
        raise ChangeRefused(_("Vòng thi đã có phân công giám khảo nên không thể xóa."))
    edition = round_.edition
    before = {"name": round_.name, "position": round_.position}
    edition.rounds.remove(round_)
    db.session.flush()
    for i, r in enumerate(sorted(edition.rounds, key=lambda r: r.position)):
        r.position = -1 - i
    db.session.flush()
    for i, r in enumerate(sorted(edition.rounds, key=lambda r: -r.position)):
        r.position = i + 1
    db.session.flush()
    audit.record("round.deleted", object_type="rounds", object_id=None, before=before,
                 after={"edition_id": edition.id})


CRITERION_TEXT = ("name", "name_en", "guidance", "guidance_en")
CRITERION_NUMBERS = ("key", "weight", "min_score", "max_score", "step")


def save_criteria(round_: Round, rows: Sequence[Mapping[str, Any]], *, reason: str | None = None) -> RowChanges:
    """The round's criteria.  Once the round is scored only names and guidance may change."""
    plan, kept = _plan_rows(round_.criteria, rows, (*CRITERION_TEXT, *CRITERION_NUMBERS))
    keys = [values.get("key", obj.key if obj else None) for obj, values in kept]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_("Mỗi tiêu chí cần một mã riêng, không trùng nhau."))
    for obj, values in kept:
        low = values.get("min_score", obj.min_score if obj else Decimal(0))
        high = values.get("max_score", obj.max_score if obj else None)
        if high is None or Decimal(str(high)) <= Decimal(str(low)):
            raise InvalidInput(_("Điểm tối đa của tiêu chí phải lớn hơn điểm tối thiểu."))
    structural = plan.added or plan.removed or any(set(d) & set(CRITERION_NUMBERS) for _o, d in plan.changed)
    if structural and round_is_scored(round_):
        raise ChangeRefused(_("Vòng thi đã được chấm: không thể thêm, xóa hoặc đổi điểm của tiêu chí."))
    reason = (reason or "").strip() or None
    if not plan.any:
        return plan
    result = _apply_rows(round_.criteria, Criterion, plan, kept)
    _audit_rows("round.criteria_saved", round_, plan, "name", reason, result)
    return plan


# --------------------------------------------------------------------------------------------------
# Localities (global, not per edition)


def save_localities(rows: Sequence[Mapping[str, Any]]) -> RowChanges:
    existing = list(db.session.scalars(select(Locality).order_by(Locality.province, Locality.name)))
    by_id = {loc.id: loc for loc in existing}
    plan = RowChanges()
    for row in rows:
        values = {k: row[k] for k in ("name", "kind", "province", "active") if k in row}
        if row.get("id") is None:
            if not row.get("delete"):
                plan.added.append(values)
            continue
        loc = by_id.get(row["id"])
        if loc is None:
            raise InvalidInput(_("Dòng dữ liệu không còn tồn tại. Vui lòng tải lại trang."))
        if row.get("delete"):
            used = db.session.scalar(select(exists().where(Entry.locality_id == loc.id))) or db.session.scalar(
                select(exists().where(ApplicantProfile.locality_id == loc.id)))
            if used:
                raise ChangeRefused(_("Địa bàn “%(name)s” đang được dùng: hãy ngừng sử dụng thay vì xóa.",
                                      name=loc.name))
            plan.removed.append(loc)
            continue
        diff = {k: v for k, v in values.items() if getattr(loc, k) != v}
        if diff:
            plan.changed.append((loc, diff))
    names = {(loc.province, loc.name) for loc in existing if loc not in plan.removed}
    for loc, diff in plan.changed:
        names.discard((loc.province, loc.name))
        key = (diff.get("province", loc.province), diff.get("name", loc.name))
        if key in names:
            raise InvalidInput(_("Địa bàn “%(name)s” đã có trong danh sách.", name=key[1]))
        names.add(key)
    for values in plan.added:
        key = (values.get("province") or "Thái Nguyên", values["name"])
        if key in names:
            raise InvalidInput(_("Địa bàn “%(name)s” đã có trong danh sách.", name=key[1]))
        names.add(key)
    if not plan.any:
        return plan
    for loc in plan.removed:
        db.session.delete(loc)
    db.session.flush()
    for loc, diff in plan.changed:
        for key, value in diff.items():
            setattr(loc, key, value)
    for values in plan.added:
        db.session.add(Locality(**values))
    db.session.flush()
    audit.record("localities.saved", object_type="localities", object_id=None,
                 before={"removed": [loc.name for loc in plan.removed],
                         "changed": [{"id": loc.id, **{k: getattr(loc, k) for k in d}} for loc, d in plan.changed]},
                 after={"added": [v["name"] for v in plan.added], "changed": [{"id": loc.id, **d}
                                                                          for loc, d in plan.changed]})
    return plan


# --------------------------------------------------------------------------------------------------
# The signed decision


def attach_rules_document(edition: Edition, stream: BinaryIO, filename: str) -> str | None:
    """Store the signed decision (a PDF, by its bytes) and return the key of the one it replaces.

    The caller deletes the old object after the commit, so a failed request never loses the old file.
    """
    from contest.storage import (
        SNIFF_BYTES,
        InvalidUpload,
        check_upload_type,
        get_store,
        validate_filename,
    )

    display = validate_filename(filename)
    head = stream.read(SNIFF_BYTES)
    try:
        content_type = check_upload_type(head, ["application/pdf"])
    except InvalidUpload as exc:
        raise InvalidInput(_("Tệp quyết định phải là tệp PDF.")) from exc

    def chunks() -> Iterable[bytes]:
        yield head
        while chunk := stream.read(1024 * 1024):
            yield chunk

    stored = get_store().put(chunks(), content_type=content_type, max_size=RULES_DOCUMENT_MAX_BYTES,
                             key_prefix="rules/")
    old = edition.rules_document_key
    before = {"key": old, "name": edition.rules_document_name}
    edition.rules_document_key = stored.key
    edition.rules_document_name = display
    db.session.flush()
    audit.record("edition.rules_document_attached", edition, before=before,
                 after={"key": stored.key, "name": display, "size": stored.size, "sha256": stored.sha256})
    return old


# --------------------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class Problem:
    """One thing to fix before opening: a translated message and where to fix it."""

    code: str
    message: str
    endpoint: str
    anchor: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def url(self) -> str:
        base = url_for(self.endpoint, **dict(self.params))
        return f"{base}#{self.anchor}" if self.anchor else base


def _problem(code: str, message: str, edition: Edition, where: str, anchor: str = "", **params: Any) -> Problem:
    return Problem(code, message, f"admin.{where}", anchor, (("edition_id", edition.id), *sorted(params.items())))


def _fmt(value: datetime | None) -> str:
    return to_local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _num(value: Decimal | int | float) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return text.replace(".", ",")


def validate_edition(edition: Edition) -> list[Problem]:
    """Everything that stops the edition from opening, in the order of the setup pages.

    Each checker looks at one part of the setup and returns its problems; none changes the edition.
    """
    problems: list[Problem] = []
    for check in SETUP_CHECKS:
        problems.extend(check(edition))
    return problems


def _rounds_in_order(edition: Edition) -> list[Round]:
    return sorted(edition.rounds, key=lambda r: r.position)


def check_applicants(edition: Edition) -> list[Problem]:
    """General page, who may enter: applicant types, group size, entries per person."""
    problems: list[Problem] = []
    add, g = problems.append, "edition_general"
    types = edition.allowed_applicant_types or []
    if not types:
        add(_problem("no_applicant_types", _("Chưa chọn đối tượng nào được dự thi."), edition, g, "applicants"))
    elif not set(types) <= {t.value for t in ApplicantType}:
        add(_problem("unknown_applicant_type", _("Có đối tượng dự thi không hợp lệ."), edition, g, "applicants"))
    if ApplicantType.GROUP.value in types and (edition.max_group_size is None or edition.max_group_size < 2):
        add(_problem("group_size", _("Nhóm tác giả được dự thi nên số thành viên tối đa của nhóm phải từ 2 trở lên."),
                     edition, g, "applicants"))
    if edition.max_entries_per_person is not None and edition.max_entries_per_person < 1:
        add(_problem("entries_per_person", _("Số bài tối đa mỗi người phải từ 1 trở lên (hoặc để trống)."),
                     edition, g, "applicants"))
    return problems


def check_composition(edition: Edition) -> list[Problem]:
    """General page, scoring composition: expert points and public-vote points."""
    if edition.expert_points is None or edition.expert_points <= 0 or (edition.vote_points or 0) < 0:
        return [_problem("composition",
                         _("Điểm của Hội đồng giám khảo phải lớn hơn 0 và điểm bình chọn không được âm."), edition,
                         "edition_general", "composition")]
    return []


def check_registration(edition: Edition) -> list[Problem]:
    """General page, the registration window."""
    reg_open, reg_close = edition.registration_opens_at, edition.registration_closes_at
    if reg_open is None or reg_close is None:
        return [_problem("registration_missing", _("Chưa đặt thời gian mở và đóng nhận bài dự thi."), edition,
                         "edition_general", "registration")]
    if reg_close <= reg_open:
        return [_problem("registration_order", _("Thời điểm đóng nhận bài phải sau thời điểm mở nhận bài."), edition,
                         "edition_general", "registration")]
    return []


def check_round_windows(edition: Edition) -> list[Problem]:
    """Round pages, timeline: each round's own window, after registration closes and after the round before."""
    problems: list[Problem] = []
    add = problems.append
    reg_close = edition.registration_closes_at
    previous: Round | None = None
    for r in _rounds_in_order(edition):
        where = {"round_id": r.id}
        if r.opens_at is None or r.closes_at is None:
            add(_problem("round_window_missing", _("%(round)s: chưa đặt thời gian bắt đầu và kết thúc chấm.",
                                                   round=r.name), edition, "edition_round", "window", **where))
        elif r.closes_at <= r.opens_at:
            add(_problem("round_window_order", _("%(round)s: thời điểm kết thúc chấm phải sau thời điểm bắt đầu.",
                                                 round=r.name), edition, "edition_round", "window", **where))
        if r.scoring_deadline and r.opens_at and r.scoring_deadline <= r.opens_at:
            add(_problem("scoring_deadline_order", _("%(round)s: hạn nộp phiếu chấm phải sau thời điểm bắt đầu chấm.",
                                                     round=r.name), edition, "edition_round", "window", **where))
        if previous is None:
            if reg_close and r.opens_at and r.opens_at < reg_close:
                add(_problem("registration_overlaps_round", _(
                    "Vòng đầu tiên (%(round)s) bắt đầu lúc %(opens)s, trước khi đóng nhận bài (%(closes)s).",
                    round=r.name, opens=_fmt(r.opens_at), closes=_fmt(reg_close)),
                    edition, "edition_round", "window", **where))
        elif previous.closes_at and r.opens_at and r.opens_at < previous.closes_at:
            add(_problem("rounds_overlap", _("%(round)s bắt đầu lúc %(opens)s, trước khi %(previous)s kết thúc "
                                             "(%(closes)s).", round=r.name, opens=_fmt(r.opens_at),
                                             previous=previous.name, closes=_fmt(previous.closes_at)),
                         edition, "edition_round", "window", **where))
        previous = r
    return problems


def check_vote_window(edition: Edition) -> list[Problem]:
    """General page, the public vote: a window exactly when the vote carries points, after registration."""
    problems: list[Problem] = []
    add, g = problems.append, "edition_general"
    vote_open, vote_close = edition.vote_opens_at, edition.vote_closes_at
    if edition.vote_points > 0:
        if vote_open is None or vote_close is None:
            add(_problem("vote_window_missing", _("Cuộc thi có điểm bình chọn nhưng chưa đặt thời gian bình chọn."),
                         edition, g, "vote-window"))
    elif edition.vote_points == 0 and (vote_open or vote_close):
        add(_problem("vote_without_points", _("Đã đặt thời gian bình chọn nhưng điểm bình chọn bằng 0."), edition, g,
                     "vote-window"))
    if vote_open and vote_close:
        reg_close = edition.registration_closes_at
        if vote_close <= vote_open:
            add(_problem("vote_window_order", _("Thời điểm kết thúc bình chọn phải sau thời điểm bắt đầu."),
                         edition, g, "vote-window"))
        elif reg_close and vote_open < reg_close:
            add(_problem("vote_before_registration_closes", _(
                "Bình chọn bắt đầu lúc %(opens)s, trước khi đóng nhận bài (%(closes)s).",
                opens=_fmt(vote_open), closes=_fmt(reg_close)), edition, g, "vote-window"))
    return problems


def check_results_dates(edition: Edition) -> list[Problem]:
    """General page, results: announced after the last round and the vote end, complaints after that."""
    problems: list[Problem] = []
    add, g = problems.append, "edition_general"
    results = edition.results_announced_at
    if results is None:
        return [_problem("results_missing", _("Chưa đặt ngày công bố kết quả."), edition, g, "results")]
    rounds = _rounds_in_order(edition)
    last_close = rounds[-1].closes_at if rounds else None
    latest = max((d for d in (last_close, edition.vote_closes_at) if d is not None), default=None)
    if latest and results < latest:
        add(_problem("results_too_early", _(
            "Ngày công bố kết quả (%(results)s) phải sau khi kết thúc chấm và bình chọn (%(latest)s).",
            results=_fmt(results), latest=_fmt(latest)), edition, g, "results"))
    if edition.complaint_ends_at is None:
        add(_problem("complaint_missing", _("Chưa đặt hạn tiếp nhận khiếu nại."), edition, g, "results"))
    elif edition.complaint_ends_at <= results:
        add(_problem("complaint_order", _("Hạn khiếu nại phải sau ngày công bố kết quả."), edition, g,
                     "results"))
    return problems


def check_categories(edition: Edition) -> list[Problem]:
    """Fields page: at least one field, each with its judging sub-panel."""
    problems: list[Problem] = []
    if not edition.categories:
        problems.append(_problem("no_categories", _("Cuộc thi chưa có lĩnh vực nào."), edition, "edition_categories",
                                 "categories"))
    for c in edition.categories:
        if not (c.sub_panel or "").strip():
            problems.append(_problem("category_no_panel", _("Lĩnh vực “%(name)s” chưa có tiểu ban chấm.", name=c.name),
                                     edition, "edition_categories", f"category-{c.id}"))
    return problems


def check_attachment_kinds(edition: Edition) -> list[Problem]:
    """Attachments page: every kind of file accepts a link or at least one format."""
    return [
        _problem("attachment_no_types", _("Loại tệp “%(name)s” chưa chọn định dạng được chấp nhận.", name=k.name),
                 edition, "edition_attachments", f"kind-{k.id}")
        for k in edition.attachment_kinds if not k.allows_link and not k.allowed_types
    ]


def check_rounds_and_criteria(edition: Edition) -> list[Problem]:
    """Rounds page and each round's criteria and rules; the final round's scale is the expert part."""
    rounds = _rounds_in_order(edition)
    if not rounds:
        return [_problem("no_rounds", _("Cuộc thi chưa có vòng chấm nào."), edition, "edition_rounds", "rounds")]
    problems: list[Problem] = []
    for i, r in enumerate(rounds):
        problems.extend(_check_round(edition, r, is_last=i == len(rounds) - 1))
    final = rounds[-1]
    if final.criteria and final.scale != edition.expert_points:
        problems.append(_problem("final_scale", _(
            "Thang điểm vòng cuối (%(scale)s) phải bằng phần Điểm của Hội đồng giám khảo của cuộc thi (%(expert)s).",
            scale=final.scale, expert=edition.expert_points), edition, "edition_round", "criteria",
            round_id=final.id))
    return problems


def _check_round(edition: Edition, r: Round, *, is_last: bool) -> list[Problem]:
    """One round's criteria (they add up to its scale) and its advancement and judging rules."""
    where = {"round_id": r.id}
    if not r.criteria:
        return [_problem("round_no_criteria", _("%(round)s chưa có tiêu chí chấm.", round=r.name), edition,
                         "edition_round", "criteria", **where)]
    problems: list[Problem] = []
    add = problems.append
    total = sum((Decimal(str(c.max_score)) - Decimal(str(c.min_score)) for c in r.criteria), Decimal(0))
    if total != r.scale:
        add(_problem("criteria_sum", _(
            "%(round)s: tổng điểm tối đa các tiêu chí là %(total)s, khác thang điểm của vòng (%(scale)s).",
            round=r.name, total=_num(total), scale=r.scale), edition, "edition_round", "criteria", **where))
    if r.min_total_to_advance is not None and not 0 <= r.min_total_to_advance <= r.scale:
        add(_problem("advance_min_range", _("%(round)s: điểm tối thiểu để vào vòng trong phải từ 0 đến %(scale)s.",
                                            round=r.name, scale=r.scale), edition, "edition_round", "rules",
                     **where))
    if not is_last and r.advancement_rule == "top_n" and not (r.advance_top_n or 0) > 0:
        add(_problem("advance_top_n_missing", _("%(round)s: chưa đặt số bài vào vòng trong của mỗi lĩnh vực.",
                                                round=r.name), edition, "edition_round", "rules", **where))
    if r.mode == RoundMode.ASSIGNED.value and r.judges_per_entry < 1:
        add(_problem("judges_per_entry", _("%(round)s: mỗi bài cần ít nhất 1 giám khảo.", round=r.name),
                     edition, "edition_round", "rules", **where))
    return problems


def check_award_levels(edition: Edition) -> list[Problem]:
    """Award structure page: levels exist, quotas, minimum scores and prizes in range, minimums in order."""
    problems: list[Problem] = []
    add = problems.append
    levels = sorted(edition.award_levels, key=lambda lv: lv.position)
    if not levels:
        add(_problem("no_award_levels", _("Chưa có cơ cấu giải thưởng."), edition, "edition_awards", "levels"))
    elif all((lv.quota or 0) == 0 for lv in levels):
        add(_problem("award_quotas_zero", _("Mọi mức giải đều có số lượng bằng 0."), edition, "edition_awards",
                     "levels"))
    for lv in levels:
        problems.extend(_check_award_level(edition, lv))
    for scope in AwardScope:
        same = [lv for lv in levels if lv.scope == scope.value and lv.min_score is not None]
        for higher, lower in zip(same, same[1:], strict=False):
            if lower.min_score > higher.min_score:
                add(_problem("award_min_order", _(
                    "Điểm tối thiểu của “%(lower)s” (%(low)s) cao hơn của giải cao hơn “%(higher)s” (%(high)s).",
                    lower=lower.name, low=_num(lower.min_score), higher=higher.name, high=_num(higher.min_score)),
                    edition, "edition_awards", f"level-{lower.id}"))
    return problems


def _describe_value(edition: Edition, key: str) -> tuple[str, str, str] | None:
    """What an awaiting value is, on which setup page and anchor; None when its round is gone."""
    awards = {
        award_value_key("min_score"): _("Điểm tối thiểu của các mức giải"),
        award_value_key("quota"): _("Số lượng giải của từng mức"),
        award_value_key("prize_amount"): _("Tiền thưởng của từng mức giải"),
    }
    if key in awards:
        return awards[key], "edition_awards", "levels"
    for r in edition.rounds:
        if key == round_value_key(r.id, ROUND_JUDGES):
            return _("Số giám khảo chấm mỗi bài ở “%(round)s”", round=r.name), "edition_round", ""
        if key == round_value_key(r.id, ROUND_ADVANCEMENT):
            return _("Quy tắc vào vòng trong ở “%(round)s”", round=r.name), "edition_round", ""
    return None


def check_values_to_confirm(edition: Edition) -> list[Problem]:
    """Values a preset filled that the published scoring does not state: to confirm against the decision."""
    problems = []
    for key in edition.values_to_confirm or []:
        described = _describe_value(edition, key)
        if described is None:
            continue
        label, where, anchor = described
        params = {}
        if where == "edition_round":
            params["round_id"] = int(key.split(":")[1])
        problems.append(Problem(
            f"value_to_confirm:{key}",
            _("%(value)s: cần đối chiếu với quyết định của đơn vị (giá trị gợi ý của mẫu thể lệ).", value=label),
            f"admin.{where}", anchor, (("edition_id", edition.id), *sorted(params.items()))))
    return problems


def _check_award_level(edition: Edition, lv: AwardLevel) -> list[Problem]:
    problems: list[Problem] = []
    anchor = f"level-{lv.id}"
    if lv.quota is None or lv.quota < 0:
        problems.append(_problem("award_quota_negative", _("Số lượng giải “%(name)s” không được âm.", name=lv.name),
                                 edition, "edition_awards", anchor))
    if lv.min_score is not None and not 0 <= lv.min_score <= edition.total_points:
        problems.append(_problem("award_min_range", _("Điểm tối thiểu của “%(name)s” phải từ 0 đến %(total)s.",
                                                      name=lv.name, total=edition.total_points),
                                 edition, "edition_awards", anchor))
    if lv.prize_amount is not None and lv.prize_amount < 0:
        problems.append(_problem("award_prize_negative", _("Tiền thưởng của “%(name)s” không được âm.", name=lv.name),
                                 edition, "edition_awards", anchor))
    return problems


# In the order of the setup pages, which is the order problems are listed in.
SETUP_CHECKS: tuple[Callable[[Edition], list[Problem]], ...] = (
    check_applicants, check_composition, check_registration, check_round_windows, check_vote_window,
    check_results_dates, check_categories, check_attachment_kinds, check_rounds_and_criteria, check_award_levels,
    check_values_to_confirm,
)


def open_edition(edition: Edition) -> None:
    """Make a draft edition visible to applicants; refused while validation finds problems."""
    if edition.status == EditionStatus.OPEN.value:
        return  # a second click changes nothing
    if edition.status != EditionStatus.DRAFT.value:
        raise ChangeRefused(_("Chỉ mở được cuộc thi đang chuẩn bị."))
    problems = validate_edition(edition)
    if problems:
        raise NotReady(problems)
    edition.status = EditionStatus.OPEN.value
    db.session.flush()
    audit.record("edition.opened", edition, before={"status": EditionStatus.DRAFT.value},
                 after={"status": EditionStatus.OPEN.value})


def edition_counts(edition: Edition) -> dict[str, int]:
    """How much work hangs on the edition (shown beside the guards)."""
    entries = db.session.scalar(select(func.count(Entry.id)).where(Entry.edition_id == edition.id)) or 0
    submitted = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.edition_id == edition.id, Entry.submitted_at.is_not(None))) or 0
    return {"entries": entries, "submitted": submitted}


__all__ = [
    "ChangeRefused", "EditionError", "InvalidInput", "NotReady", "Problem", "ReasonRequired", "RowChanges",
    "SETUP_CHECKS", "add_round", "apply_preset", "attach_rules_document", "check_applicants",
    "check_attachment_kinds", "check_award_levels", "check_categories", "check_composition", "check_registration",
    "check_results_dates", "check_round_windows", "check_rounds_and_criteria", "check_vote_window",
    "clone_edition", "create_edition", "delete_round",
    "edition_counts", "edition_is_scored", "has_entries", "has_results", "has_submissions", "move_round",
    "open_edition",
    "round_is_scored", "save_attachment_kinds", "save_award_levels", "save_categories", "save_criteria",
    "save_eligibility_checks", "save_localities", "update_edition", "update_round", "validate_edition",
]
