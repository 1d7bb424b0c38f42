"""How far the judges can be trusted: per-judge diagnostics, panel agreement, per-entry flags.

Model
    Diagnostics are read off a fitted additive judge model (:mod:`judging.normalize`, normally
    ``calibrated``): a judge's *bias* (leniency in points, + = lenient) and *scale* (stretch, 1 =
    the panel's) with standard errors, and the *residual spread* of their sheets around the
    model; without a scale model the stretch is measured as a diagnostic only
    (:func:`stretch_diagnostic`).  ``scale_measured`` / ``scale_measured_se`` always hold that
    unshrunk measurement, beside the stretch the model used (``scale`` ± ``scale_se``).  *Agreement with the panel*
    is the Pearson correlation between a judge's totals and the mean of the other judges' totals on the same entries
    (leave-one-out panel mean).

Outlier judges
    A judge is flagged when, with at least ``min_sheets`` sheets, their residual spread exceeds
    ``outlier_ratio`` times the panel's noise, the robust fit cut their weight below one half,
    or their agreement with the panel is negative on at least ``min_sheets`` shared entries.

Panel agreement
    ICC(1) — one-way random effects, single rater (Shrout & Fleiss 1979) with the unbalanced
    group size ``k0`` — on the raw totals and on the totals after removing each judge's
    estimated bias, with a 95 % confidence interval from the F distribution.  ``stretch_var``
    is the panel's log-stretch variance the calibrated model settled on (0: the judges' stretches
    are indistinguishable from noise and nobody is stretched; 0.09 means stretches typically
    within a factor exp(0.3) = 1.35 of the panel's), ``stretch_sd`` its square root.  ICC(1) is the
    share of a single sheet's variance explained by the entry: near 0 means the judges' order is
    mostly noise, near 1 means they agree.

Per entry flags
    ``single_judge`` (one sheet), ``judges_disagree`` (largest minus smallest total above
    ``disagree_fraction`` of the scale, default 10 %, the exam-marking rule), ``outlier_judge``
    (a flagged judge scored it), ``incomplete_sheet`` is added by the engine.

Units: points of the rubric scale.  Nothing is modified.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from judging.normalize import Normalized, Sheets

DISAGREE_FRACTION = 0.10


@dataclass(frozen=True)
class JudgeStats:
    judge_id: str
    n_sheets: int
    bias: float
    bias_se: float | None
    scale: float
    scale_se: float | None
    residual_sd: float
    weight: float
    panel_correlation: float | None
    n_shared: int
    component: int
    outlier: bool
    reasons: tuple[str, ...] = ()
    scale_measured: float | None = None  # unshrunk slope on the values (diagnostic)
    scale_measured_se: float | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass(frozen=True)
class Agreement:
    """ICC(1) with a 95 % interval on raw totals and on bias-corrected totals."""

    icc_raw: float | None
    icc_raw_interval: tuple[float, float] | None
    icc_calibrated: float | None
    icc_calibrated_interval: tuple[float, float] | None
    n_entries: int
    n_sheets: int
    k0: float | None
    stretch_var: float | None = None  # the panel's log-stretch variance (None: no stretch model)
    stretch_sd: float | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


def _clean(d: dict) -> dict:
    """NaN is not JSON: report it as None."""
    out = {}
    for k, v in d.items():
        if isinstance(v, float) and v != v:
            v = None
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v
    return out


def loo_correlation(sheets: Sheets) -> tuple[np.ndarray, np.ndarray]:
    """Per judge: correlation of their totals with the other judges' mean on the same entries.

    Returns (correlation, number of shared entries); correlation is NaN below 3 shared entries
    or without spread.
    """
    E, J = sheets.n_entries, sheets.n_judges
    e, j, y = sheets.entry, sheets.judge, sheets.total
    count = np.bincount(e, minlength=E)
    total = np.bincount(e, weights=y, minlength=E)
    shared = count[e] > 1
    others = np.where(shared, (total[e] - y) / np.maximum(count[e] - 1, 1), np.nan)
    jj, x, z = j[shared], y[shared], others[shared]
    n = np.bincount(jj, minlength=J).astype(float)
    safe = np.maximum(n, 1)
    mx = np.bincount(jj, weights=x, minlength=J) / safe
    mz = np.bincount(jj, weights=z, minlength=J) / safe
    dx, dz = x - mx[jj], z - mz[jj]
    sxz = np.bincount(jj, weights=dx * dz, minlength=J)
    sxx = np.bincount(jj, weights=dx * dx, minlength=J)
    szz = np.bincount(jj, weights=dz * dz, minlength=J)
    denom = np.sqrt(sxx * szz)
    ok = (n >= 3) & (denom > 1e-12)
    corr = np.where(ok, sxz / np.where(ok, denom, 1.0), np.nan)
    return corr, n.astype(int)


def judge_report(
    sheets: Sheets,
    fit: Normalized,
    *,
    outlier_ratio: float = 2.0,
    min_sheets: int = 3,
) -> list[JudgeStats]:
    """Per-judge diagnostics from a fitted model (see the module docstring)."""
    J = sheets.n_judges
    n = np.bincount(sheets.judge, minlength=J)
    resid_sd = np.sqrt(np.bincount(sheets.judge, weights=fit.residual**2, minlength=J) / np.maximum(n, 1))
    corr, shared = loo_correlation(sheets)
    scale, scale_se = fit.judge_scale, fit.judge_scale_se
    measured, measured_se = stretch_diagnostic(sheets, fit)
    if np.all(np.isnan(scale_se)):
        scale, scale_se = measured, measured_se
    report = []
    for j, judge_id in enumerate(sheets.judge_ids):
        reasons = []
        if n[j] >= min_sheets and resid_sd[j] > outlier_ratio * fit.sigma:
            reasons.append("residual_spread")
        if fit.judge_weight[j] < 0.5:
            reasons.append("down_weighted")
        if shared[j] >= min_sheets and corr[j] == corr[j] and corr[j] < 0:
            reasons.append("disagrees_with_panel")
        report.append(
            JudgeStats(
                judge_id=judge_id,
                n_sheets=int(n[j]),
                bias=float(fit.bias[j]),
                bias_se=float(fit.bias_se[j]),
                scale=float(scale[j]),
                scale_se=float(scale_se[j]),
                residual_sd=float(resid_sd[j]),
                weight=float(fit.judge_weight[j]),
                panel_correlation=float(corr[j]),
                n_shared=int(shared[j]),
                component=int(fit.judge_component[j]),
                outlier=bool(reasons),
                reasons=tuple(reasons),
                scale_measured=float(measured[j]),
                scale_measured_se=float(measured_se[j]),
            )
        )
    return report


def stretch_diagnostic(sheets: Sheets, fit: Normalized) -> tuple[np.ndarray, np.ndarray]:
    """Each judge's stretch, measured but not used: the slope of their totals on the values.

    Within a judge (both centred on the judge's own means, so leniency drops out), slope
    ``s_j = sum dv dy / sum dv^2`` with standard error ``sd(residual) / sqrt(sum dv^2)``.  1 means
    the judge spreads entries like the panel; 2 means twice as far apart.  NaN below three
    sheets or without spread in the values.
    """
    J = sheets.n_judges
    j = sheets.judge
    v = fit.values[sheets.entry]
    y = sheets.total
    n = np.bincount(j, minlength=J).astype(float)
    safe = np.maximum(n, 1)
    dv = v - (np.bincount(j, weights=v, minlength=J) / safe)[j]
    dy = y - (np.bincount(j, weights=y, minlength=J) / safe)[j]
    sxx = np.bincount(j, weights=dv * dv, minlength=J)
    sxy = np.bincount(j, weights=dv * dy, minlength=J)
    ok = (n >= 3) & (sxx > 1e-12)
    slope = np.where(ok, sxy / np.where(ok, sxx, 1.0), np.nan)
    resid = dy - np.nan_to_num(slope)[j] * dv
    s2 = np.bincount(j, weights=resid**2, minlength=J) / np.maximum(n - 2, 1)
    se = np.where(ok, np.sqrt(s2 / np.where(ok, sxx, 1.0)), np.nan)
    return slope, se


def icc1(entry: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> tuple[float, tuple[float, float], float] | None:
    """ICC(1) of totals grouped by entry, its interval and k0; None without enough data."""
    entry = np.asarray(entry)
    y = np.asarray(y, dtype=float)
    _, groups = np.unique(entry, return_inverse=True)
    counts = np.bincount(groups)
    a, N = counts.size, y.size
    if a < 2 or N - a < 1:
        return None
    means = np.bincount(groups, weights=y) / counts
    grand = y.mean()
    msb = float(np.sum(counts * (means - grand) ** 2) / (a - 1))
    msw = float(np.sum((y - means[groups]) ** 2) / (N - a))
    k0 = float((N - np.sum(counts**2) / N) / (a - 1))
    if msw <= 0:
        return 1.0, (1.0, 1.0), k0
    icc = (msb - msw) / (msb + (k0 - 1) * msw)
    f = msb / msw
    alpha = 1 - confidence
    fl = f / stats.f.ppf(1 - alpha / 2, a - 1, N - a)
    fu = f * stats.f.ppf(1 - alpha / 2, N - a, a - 1)
    return float(icc), (float((fl - 1) / (fl + k0 - 1)), float((fu - 1) / (fu + k0 - 1))), k0


def agreement(sheets: Sheets, fit: Normalized) -> Agreement:
    """Panel agreement, ICC(1), before and after removing the judges' estimated biases."""
    raw = icc1(sheets.entry, sheets.total)
    corrected = icc1(sheets.entry, sheets.total - fit.bias[sheets.judge])
    return Agreement(
        icc_raw=raw[0] if raw else None,
        icc_raw_interval=raw[1] if raw else None,
        icc_calibrated=corrected[0] if corrected else None,
        icc_calibrated_interval=corrected[1] if corrected else None,
        n_entries=sheets.n_entries,
        n_sheets=int(sheets.total.size),
        k0=raw[2] if raw else None,
        stretch_var=fit.log_stretch_var,
        stretch_sd=float(np.sqrt(fit.log_stretch_var)) if fit.log_stretch_var is not None else None,
    )


def entry_flags(
    sheets: Sheets,
    judges: list[JudgeStats],
    *,
    disagree_fraction: float = DISAGREE_FRACTION,
) -> list[list[str]]:
    """Flags per entry (in ``sheets.entry_ids`` order); see the module docstring."""
    E = sheets.n_entries
    count = np.bincount(sheets.entry, minlength=E)
    hi = np.full(E, -np.inf)
    lo = np.full(E, np.inf)
    np.maximum.at(hi, sheets.entry, sheets.total)
    np.minimum.at(lo, sheets.entry, sheets.total)
    outlier_judge = np.array([js.outlier for js in judges], dtype=bool)
    touched = np.zeros(E, dtype=bool)
    if outlier_judge.any():
        touched[np.unique(sheets.entry[outlier_judge[sheets.judge]])] = True
    # A small epsilon keeps a spread of exactly 10 % (e.g. 8 of 80 points) from being flagged.
    limit = disagree_fraction * sheets.scale + 1e-9 * sheets.scale
    flags = []
    for e in range(E):
        f = []
        if count[e] == 1:
            f.append("single_judge")
        if count[e] > 1 and hi[e] - lo[e] > limit:
            f.append("judges_disagree")
        if touched[e]:
            f.append("outlier_judge")
        flags.append(f)
    return flags
