"""Rubrics: criteria with weights and point scales, sheet validation and weighted totals.

Model
    A rubric is an ordered list of criteria ``c`` with a weight ``w_c >= 0`` and a point scale
    ``[min_c, max_c]`` (optionally in steps of ``step_c`` counted from ``min_c``).  A judge's
    score sheet for one entry gives a number of points ``s_c`` per criterion.  The sheet's
    weighted total, on a scale of ``0 .. scale`` (default 100), is::

        total = scale * sum_c w_c (s_c - min_c) / (max_c - min_c) / sum_c w_c

    With weights equal to each criterion's maximum, minima of zero and ``scale`` equal to the
    sum of the maxima, the total is the plain sum of the points: this is how the contest's own
    rubric (20 + 30 + 30 = 80 expert points) is expressed, see :func:`contest_rubric`.

Assumptions
    Points are interval data: one point is worth the same anywhere on a criterion's scale.  A
    sheet with some criteria missing is totalled over the criteria present (their weights are
    renormalised), which assumes the missing criteria would have scored like the present ones;
    callers flag such sheets (``missing_criteria``) rather than silently trusting them.

Units
    Points per criterion as the rubric defines them; totals in points of ``scale``.

Validation errors are structured (:class:`ScoreError`: criterion key, error code, the limits)
so that a user interface can phrase them in its own language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

# Error codes of ScoreError, stable strings the web application translates.
MISSING = "missing"
OUT_OF_RANGE = "out_of_range"
OFF_STEP = "off_step"
UNKNOWN_CRITERION = "unknown_criterion"
NOT_A_NUMBER = "not_a_number"

# Tolerance for "is this score on the step grid": scores typed as 7.5 arrive as binary floats.
_STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Criterion:
    """One criterion: ``key`` (stable id), ``weight`` and point scale ``minimum..maximum``."""

    key: str
    weight: float
    maximum: float
    minimum: float = 0.0
    step: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a criterion needs a non-empty key")
        for name in ("weight", "maximum", "minimum"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"criterion {self.key!r}: {name} must be finite")
        if self.weight < 0:
            raise ValueError(f"criterion {self.key!r}: weight must be >= 0")
        if not self.maximum > self.minimum:
            raise ValueError(f"criterion {self.key!r}: maximum must exceed minimum")
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"criterion {self.key!r}: step must be a positive number")


@dataclass(frozen=True)
class ScoreError:
    """A problem with one criterion of one sheet; ``code`` is one of the module's error codes."""

    criterion: str
    code: str
    value: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Rubric:
    """An ordered tuple of criteria and the scale of the weighted total (default 0–100)."""

    criteria: tuple[Criterion, ...]
    scale: float = 100.0
    _index: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        criteria = tuple(self.criteria)
        object.__setattr__(self, "criteria", criteria)
        if not criteria:
            raise ValueError("a rubric needs at least one criterion")
        keys = [c.key for c in criteria]
        if len(set(keys)) != len(keys):
            raise ValueError("criterion keys must be unique")
        if sum(c.weight for c in criteria) <= 0:
            raise ValueError("the weights must not all be zero")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError("scale must be a positive number")
        object.__setattr__(self, "_index", {c.key: c for c in criteria})

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    def __getitem__(self, key: str) -> Criterion:
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def primary_criterion(self) -> Criterion:
        """The highest-weight criterion (first in rubric order on equal weights): the tie-break."""
        return max(self.criteria, key=lambda c: (c.weight, -self.criteria.index(c)))

    def to_dict(self) -> dict:
        return {"scale": self.scale, "criteria": [asdict(c) for c in self.criteria]}


def contest_rubric() -> Rubric:
    """The expert rubric of "Đổi mới sáng tạo – Vì Thái Nguyên thân yêu" (80 points).

    Weights equal the maxima and the scale is their sum, so the total is the plain sum of points.
    """
    return Rubric(
        (
            Criterion("doi_moi_sang_tao", 20, 20, label="Tính đổi mới sáng tạo"),
            Criterion("hieu_qua_kinh_te_xa_hoi", 30, 30, label="Hiệu quả kinh tế – xã hội"),
            Criterion("kha_nang_ap_dung", 30, 30, label="Khả năng áp dụng"),
        ),
        scale=80.0,
    )


def check_score(criterion: Criterion, value: object) -> ScoreError | None:
    """Check one criterion's points; None when acceptable (``value`` None means missing)."""
    c = criterion
    if value is None:
        return ScoreError(c.key, MISSING, None, c.minimum, c.maximum, c.step)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ScoreError(c.key, NOT_A_NUMBER, None, c.minimum, c.maximum, c.step)
    if not math.isfinite(number):
        return ScoreError(c.key, NOT_A_NUMBER, None, c.minimum, c.maximum, c.step)
    if number < c.minimum or number > c.maximum:
        return ScoreError(c.key, OUT_OF_RANGE, number, c.minimum, c.maximum, c.step)
    if c.step is not None:
        steps = (number - c.minimum) / c.step
        if abs(steps - round(steps)) > _STEP_TOLERANCE * max(1.0, abs(steps)):
            return ScoreError(c.key, OFF_STEP, number, c.minimum, c.maximum, c.step)
    return None


def validate_sheet(
    rubric: Rubric, sheet: Mapping[str, object], *, allow_missing: bool = False
) -> list[ScoreError]:
    """All problems of one score sheet (criterion key -> points), in rubric order, then unknown keys.

    A criterion absent from ``sheet`` or given as None is ``missing`` unless ``allow_missing``.
    """
    errors: list[ScoreError] = []
    for c in rubric.criteria:
        error = check_score(c, sheet.get(c.key))
        if error is not None and not (allow_missing and error.code == MISSING):
            errors.append(error)
    for key in sheet:
        if key not in rubric:
            errors.append(ScoreError(str(key), UNKNOWN_CRITERION))
    return errors


def weighted_total(rubric: Rubric, sheet: Mapping[str, float | None]) -> float:
    """The sheet's weighted total on ``0 .. rubric.scale`` over the criteria present.

    Raises ValueError when the sheet has an invalid score or no weighted criterion at all.
    """
    errors = validate_sheet(rubric, sheet, allow_missing=True)
    if errors:
        raise ValueError(f"invalid sheet: {[e.to_dict() for e in errors]}")
    numerator = 0.0
    weights = 0.0
    for c in rubric.criteria:
        value = sheet.get(c.key)
        if value is None:
            continue
        numerator += c.weight * (float(value) - c.minimum) / (c.maximum - c.minimum)
        weights += c.weight
    if weights <= 0:
        raise ValueError("the sheet has no score on a weighted criterion")
    return rubric.scale * numerator / weights


def running_total(rubric: Rubric, sheet: Mapping[str, float | None]) -> float:
    """The points a half-filled sheet has earned so far, on ``0 .. rubric.scale``.

    Unlike :func:`weighted_total`, which judges a sheet by the criteria it scores (the engine's
    view of an incomplete sheet), a blank criterion here counts as its minimum: a judge filling
    the sheet sees the total grow towards the final one instead of a blank rescaled away.
    Raises ValueError when the sheet has an invalid score or the rubric no weighted criterion.
    """
    errors = validate_sheet(rubric, sheet, allow_missing=True)
    if errors:
        raise ValueError(f"invalid sheet: {[e.to_dict() for e in errors]}")
    weights = sum(c.weight for c in rubric.criteria)
    if weights <= 0:
        raise ValueError("the rubric has no weighted criterion")
    numerator = sum(
        c.weight * (float(sheet[c.key]) - c.minimum) / (c.maximum - c.minimum)
        for c in rubric.criteria if sheet.get(c.key) is not None
    )
    return rubric.scale * numerator / weights
