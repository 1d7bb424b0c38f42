"""From the engine's values to the scores a council publishes and can defend.

Three rules, each a pure function of the sheets:

1. **Full panel → the council's plain mean.**  When every judge scored every entry (a complete
   design), a leniency correction is the same for every entry and cannot change the order; only a
   down-weighting of some judge's sheets could, and that is the council's call, not the model's.  So
   a complete design publishes each entry's plain mean of its sheet totals.  Calibrated values are
   for incomplete designs, where judges saw different entries and a lenient judge would otherwise
   favour the entries they happened to score.
2. **Published scores stay on the published scale.**  A calibrated value can leave ``0 .. scale``
   (sheets 78, 79, 80 from harsh judges come out above 80).  Such values are brought back by one
   affine map ``(v - low) × scale / (high - low)`` with ``low = min(0, smallest)`` and
   ``high = max(scale, largest)``: strictly increasing, so it keeps every order and every tie and
   never clips two entries onto the same boundary value.  When every value is already on the scale
   the map is the identity.
3. **The model never discards a sheet alone.**  An entry is flagged for the chair when one of its
   sheets comes from a judge the robust fit down-weights (weight below ``DOWN_WEIGHT_BELOW``), or when
   one sheet lies further than ``disagree_fraction × scale`` from the median of the entry's other
   sheets (the sheets a robust fit sets aside).  The plain mean and the calibrated value are both
   kept so the chair sees them side by side.

Inputs are the engine's sheet arrays: ``entry[i]`` and ``judge[i]`` index the entries and judges,
``total[i]`` is the sheet total on ``0 .. scale`` points.  Nothing here mutates its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from judging.rank import Ranked, rank
from judging.reliability import DISAGREE_FRACTION

DOWN_WEIGHT_BELOW = 0.5
"""A judge weight below this is a down-weighting (the engine's own threshold for ``down_weighted``)."""

DOWN_WEIGHTED_SHEET = "down_weighted_sheet"
OUTLYING_SHEET = "outlying_sheet"


def is_complete_design(entry: np.ndarray, judge: np.ndarray, n_entries: int, n_judges: int) -> bool:
    """True when every judge has exactly one sheet for every entry."""
    entry = np.asarray(entry, dtype=np.intp)
    judge = np.asarray(judge, dtype=np.intp)
    if n_entries == 0 or n_judges == 0 or entry.size != n_entries * n_judges:
        return False
    seen = np.zeros((n_entries, n_judges), dtype=int)
    np.add.at(seen, (entry, judge), 1)
    return bool((seen == 1).all())


def plain_means(entry: np.ndarray, total: np.ndarray, n_entries: int) -> np.ndarray:
    """Each entry's arithmetic mean of its sheet totals (NaN for an entry without sheets)."""
    entry = np.asarray(entry, dtype=np.intp)
    counts = np.bincount(entry, minlength=n_entries)
    sums = np.bincount(entry, weights=np.asarray(total, dtype=float), minlength=n_entries)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


@dataclass(frozen=True)
class ScaleMapping:
    """``published = (value - low) × scale / (high - low)``; the identity when low = 0 and high = scale."""

    low: float
    high: float
    scale: float

    @property
    def identity(self) -> bool:
        return self.low == 0.0 and self.high == self.scale

    def apply(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self.identity:
            return values.copy()
        return (values - self.low) * self.scale / (self.high - self.low)

    def to_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "scale": self.scale, "identity": self.identity}


def scale_mapping(values: np.ndarray, scale: float) -> ScaleMapping:
    """The strictly increasing affine map that brings every finite value into ``0 .. scale``."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = max(float(scale), float(finite.max())) if finite.size else float(scale)
    return ScaleMapping(low, high, float(scale))


def review_flags(
    entry: np.ndarray,
    judge: np.ndarray,
    total: np.ndarray,
    n_entries: int,
    judge_weight: np.ndarray,
    scale: float,
    disagree_fraction: float,
) -> list[list[str]]:
    """Per entry, why its chair must look at it before the model's value may stand."""
    entry = np.asarray(entry, dtype=np.intp)
    judge = np.asarray(judge, dtype=np.intp)
    total = np.asarray(total, dtype=float)
    weight = np.asarray(judge_weight, dtype=float)
    flags: list[list[str]] = [[] for _ in range(n_entries)]
    limit = disagree_fraction * scale
    for e in range(n_entries):
        mine = np.flatnonzero(entry == e)
        if mine.size and (weight[judge[mine]] < DOWN_WEIGHT_BELOW).any():
            flags[e].append(DOWN_WEIGHTED_SHEET)
        if mine.size >= 3:
            for i in mine:
                others = total[mine[mine != i]]
                if abs(total[i] - float(np.median(others))) > limit:
                    flags[e].append(OUTLYING_SHEET)
                    break
    return flags


@dataclass(frozen=True)
class Publication:
    """What is published for each entry, and what the chair needs beside it."""

    complete: bool
    plain_mean: np.ndarray
    computed: np.ndarray  # the engine's (calibrated) value
    published: np.ndarray  # plain mean on a complete design, else the computed value; on the scale
    mapping: ScaleMapping
    flags: list[list[str]]


def publish(
    entry: np.ndarray,
    judge: np.ndarray,
    total: np.ndarray,
    n_entries: int,
    n_judges: int,
    computed: np.ndarray,
    judge_weight: np.ndarray,
    scale: float,
    disagree_fraction: float,
) -> Publication:
    """Apply the three rules of this module to one round's sheets and the engine's values."""
    complete = is_complete_design(entry, judge, n_entries, n_judges)
    means = plain_means(entry, total, n_entries)
    computed = np.asarray(computed, dtype=float)
    chosen = means if complete else computed
    mapping = scale_mapping(chosen, scale)
    return Publication(
        complete=complete,
        plain_mean=means,
        computed=computed.copy(),
        published=mapping.apply(chosen),
        mapping=mapping,
        flags=review_flags(entry, judge, total, n_entries, judge_weight, scale, disagree_fraction),
    )


def publish_evaluation(evaluation, disagree_fraction: float = DISAGREE_FRACTION) -> tuple[Publication, list[Ranked]]:
    """:func:`publish` applied to an engine evaluation, and the entries ranked by what is published.

    Ties and tie-breaks are those of :func:`judging.rank.rank` (primary criterion, fewer missing
    sheets), on the published values.
    """
    sheets = evaluation.sheets
    entry_ids = list(sheets.entry_ids)
    result = publish(sheets.entry, sheets.judge, sheets.total, len(entry_ids), len(sheets.judge_ids),
                     evaluation.fit.values, evaluation.fit.judge_weight, evaluation.scale, disagree_fraction)
    by_id = {r.entry_id: r for r in evaluation.ranking}
    ranking = rank(
        entry_ids,
        result.published.tolist(),
        primary_means=[by_id[e].primary_mean for e in entry_ids],
        missing_sheets=[by_id[e].missing_sheets for e in entry_ids],
        reference_codes={e: by_id[e].reference_code for e in entry_ids if by_id[e].reference_code},
        stderr=[by_id[e].stderr for e in entry_ids],
    )
    return result, ranking


@dataclass(frozen=True)
class PaperDecomposition:
    """One entry's calibrated value taken apart so a council member can recompute it by hand."""

    corrected: np.ndarray  # per sheet: the total with its judge's correction taken out
    weight: np.ndarray  # per sheet: the weight it carries in the entry's value
    value: float  # sum(weight × corrected) / sum(weight)


def paper_decomposition(
    total: np.ndarray, bias: np.ndarray, stretch: np.ndarray, sheet_weight: np.ndarray, center: float
) -> PaperDecomposition:
    """The calibrated model's value of one entry from its sheets, in steps a person can check.

    The model (:func:`judging.normalize.normalize`, method ``calibrated``) reads a sheet as
    ``total = center + stretch_j × (value + bias_j / stretch_j - center) + noise``; given the judges'
    fitted bias (leniency, in points on the judge's own scale) and stretch (1 without a scale model),
    the entry's value is the precision-weighted mean of the corrected sheets
    ``center + (total - center - bias_j) / stretch_j`` with weights ``sheet_weight × stretch_j²``
    (``sheet_weight`` already holds the judge's down-weighting and the robust fit's per-sheet weight).
    The fit's last robust update may move a weight after the last solve, so the result agrees with
    the engine's value to the fit's tolerance, not bit for bit.
    """
    total = np.asarray(total, dtype=float)
    bias = np.asarray(bias, dtype=float)
    stretch = np.asarray(stretch, dtype=float)
    corrected = center + (total - center - bias) / stretch
    weight = np.asarray(sheet_weight, dtype=float) * stretch**2
    value = float(np.sum(weight * corrected) / np.sum(weight)) if np.sum(weight) > 0 else float("nan")
    return PaperDecomposition(corrected, weight, value)
