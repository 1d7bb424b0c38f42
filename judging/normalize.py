"""Turning judges' sheet totals into one value per entry, with a standard error.

Input is a :class:`Sheets` table: one row per (entry, judge) score sheet with the sheet's
weighted total on the rubric scale (points, default 0–100).  Every method returns a new
:class:`Normalized`; no input is modified.  Units of values, standard errors and biases are
points of the rubric scale.

Methods
-------
``raw``
    Mean of the judges' totals.  Model: ``y = v_entry + noise`` — every judge is assumed fair
    (no leniency) and equally precise.  Standard error: pooled within-entry spread / sqrt(n).
``median``
    Median of the judges' totals (a baseline for the benchmarks; same assumptions, robust to
    one wild sheet when an entry has three or more).
``zscore``
    Each judge's totals are standardised (mean 0, sd 1 over that judge's sheets) and mapped
    back to the scale with the overall mean and sd of all totals; the value is the mean.
    Assumes every judge saw a batch of entries of the same average quality and spread —
    false when judges are routed by field and fields differ, where it erases real differences.
    A judge with a single sheet, or no spread, is only centred.
``ls``
    Unshrunk additive least squares ``y = v_entry + b_judge + noise`` (Fisher's
    incomplete-block analysis).  Exactly invariant to adding a constant to one judge's scores,
    but overfits when judges have few sheets and are in fact fair.  A baseline.
``calibrated`` (the default, chosen by measurement: see docs/judging.md)
    The additive judge-effect model of panel-assessment research (Ge, Welling & Ghahramani;
    MacKay et al. 2017), fitted as a random-effects / ridge model::

        y_s = v_e + b_j + e_s,     e_s ~ N(0, sigma^2 / w_s),   b_j ~ N(0, tau_j^2)

    - entry values ``v`` have a flat prior; judge biases are shrunk toward 0 with a prior
      variance estimated from the panel by weighted moments (``tau^2``) and a per-judge heavy-tailed
      refinement (``tau_j^2``, a Student-t prior) so a clearly lenient judge is corrected almost
      fully while biases indistinguishable from noise are shrunk away;
    - the gauge is fixed by conditioning on ``sum of a_j b_j = 0`` within every connected
      component of the judge–entry graph, ``a_j`` each judge's precision weight below (the
      reliable judges' biases average to zero there; with fair judges every ``a_j`` is 1).
      Assumption: the panel's trusted judges are right on average; an erratic judge scores
      no particular level, so its fitted bias must not shift everyone;
    - robustness: sheet weights ``w_s`` are Huber weights of standardised residuals times a
      per-judge precision weight ``a_j`` (a judge whose residual spread is well above the
      panel's is down-weighted, never up-weighted).  Each judge's noise is estimated with
      shrinkage toward the panel's (``judge_prior_sheets`` pseudo-sheets), on the residuals'
      own degrees of freedom (1 minus leverage each); only spread beyond the chi-square 95th
      percentile of those degrees of freedom counts, so fair judges keep ``a_j = 1``;
    - per-judge stretch (``judge_scale="auto"``, the default): ``y = c + s_j (v_e + b_j - c)``
      with ``c`` the panel's mean total; log ``s_j`` ~ N(0, omega^2).  Each judge's unshrunk
      slope is measured against the values the *other* judges give the same entries (leave
      one sheet out, errors-in-variables corrected), so a judge cannot confirm its own stretch
      by dominating the values; its variance ``V_j`` uses the judge's own scatter around that
      line (pulled toward the panel's noise by ``judge_prior_sheets``).  Assumption: the other
      judges' values are unbiased for the entries' true values up to noise of known variance.
      Whether the panel stretches at all is decided once, when the additive fit has settled:
      the DerSimonian–Laird moment estimate of the slopes' spread beyond the 95th percentile
      of their noise must be positive (for fair panels it is 0 in 95 % of cases, and the
      result is the additive model).  From then on ``omega^2`` is the plain moment estimate,
      re-estimated as the fit moves, each judge shrunk by ``omega^2 / (omega^2 + V_j)`` so
      judges with few sheets stay near 1; geometric mean 1 per component.  Stretches move by
      half steps on the log scale (the estimate is the same; the iteration no longer swings).
      The ``ls`` method with a stretch is plain alternating least squares (slopes on the fitted
      values, unshrunk with ``scale_prior_sd`` large), the benchmark's affine baseline.  ``True``
      uses the fixed prior sd ``scale_prior_sd``, ``False`` fits no stretch;
    - standard errors come from the inverse of the (weighted, penalised) normal matrix,
      conditional on the gauge, with ``sigma^2`` (the noise of a full-weight judge's sheet)
      estimated from the residuals of the full-weight judges' sheets (with a weak prior of
      ``noise_prior`` points so panels without replication still get an honest interval; fitted
      biases and stretches count against its degrees of freedom), plus the stretches' own
      uncertainty, and a sandwich correction for down-weighted judges.

    The normal equations are solved by eliminating the entry values (a diagonal block), which
    leaves a dense judge × judge system: cheap for hundreds of judges and any number of entries.

Disconnected panels
    When the bipartite judge–entry graph splits into components, every component is calibrated
    separately (the block-diagonal system is exactly that) and the split is reported:
    ``component`` per entry and ``n_components``.  Values in different components are only
    comparable under the assumption that each component's judges are fair on average.

Shrinkage and shift invariance
    Shrinking a judge's bias toward 0 means trusting that judge's absolute level a little, so
    exact invariance to one judge's constant shift holds for ``ls`` but only approximately for
    ``calibrated`` (the t-prior makes the leak small for large shifts).  This trade is deliberate:
    with ~4 sheets per judge the unshrunk model is measurably worse (docs/judging.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, sparse, stats
from scipy.linalg import lapack
from scipy.sparse.csgraph import connected_components

METHODS = ("raw", "zscore", "calibrated", "median", "ls")
DEFAULT_METHOD = "calibrated"

# Defaults of the calibrated model; every one can be overridden through ``params``.
CALIBRATED_DEFAULTS: dict[str, float | bool | int] = {
    "shrink": True,  # random-effects prior on biases; False gives the unshrunk model
    "robust": True,  # Huber sheet weights and judge precision weights
    # Per-judge stretch: "auto" lets the panel decide how much stretches vary (empirical Bayes
    # on log-stretch; fair panels get 1 everywhere), True uses the fixed prior sd
    # ``scale_prior_sd``, False fits no stretch at all.
    "judge_scale": "auto",
    "huber_c": 2.0,  # in standardised residuals; 2.0 keeps ~95 % efficiency under normal noise
    "t_dof": 2.0,  # degrees of freedom of the per-judge t-prior on biases
    "judge_prior_sheets": 4.0,  # pseudo-sheets pulling a judge's noise toward the panel's
    "noise_prior": 0.05,  # prior noise sd as a fraction of the scale, weight 2 sheets
    "scale_prior_sd": 0.25,  # prior sd of a judge's stretch around 1 when judge_scale is True
    "max_iter": 200,
    "tol": 1e-6,  # largest change of any value between two steps, as a fraction of the scale
}


@dataclass(frozen=True)
class Sheets:
    """Sheet totals: ``entry[i]``, ``judge[i]`` index ``entry_ids``/``judge_ids``; ``total[i]`` points.

    ``weight`` (optional, default 1) multiplies each sheet's precision; the bootstrap uses it.
    """

    entry_ids: tuple[str, ...]
    judge_ids: tuple[str, ...]
    entry: np.ndarray
    judge: np.ndarray
    total: np.ndarray
    scale: float = 100.0
    weight: np.ndarray | None = None

    def __post_init__(self) -> None:
        entry = np.asarray(self.entry, dtype=np.intp)
        judge = np.asarray(self.judge, dtype=np.intp)
        total = np.asarray(self.total, dtype=float)
        if not (entry.shape == judge.shape == total.shape and entry.ndim == 1):
            raise ValueError("entry, judge and total must be 1-d arrays of one length")
        if entry.size and (entry.min() < 0 or entry.max() >= len(self.entry_ids)):
            raise ValueError("entry index out of range")
        if judge.size and (judge.min() < 0 or judge.max() >= len(self.judge_ids)):
            raise ValueError("judge index out of range")
        if not np.all(np.isfinite(total)):
            raise ValueError("totals must be finite")
        pairs = entry.astype(np.int64) * max(len(self.judge_ids), 1) + judge
        if np.unique(pairs).size != pairs.size:
            raise ValueError("a judge has more than one sheet for the same entry")
        for name, arr in (("entry", entry), ("judge", judge), ("total", total)):
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.weight is not None:
            w = np.array(self.weight, dtype=float)
            if w.shape != total.shape or np.any(w < 0) or not np.all(np.isfinite(w)):
                raise ValueError("weights must be finite, non-negative, one per sheet")
            w.setflags(write=False)
            object.__setattr__(self, "weight", w)
        object.__setattr__(self, "entry_ids", tuple(self.entry_ids))
        object.__setattr__(self, "judge_ids", tuple(self.judge_ids))

    @property
    def n_entries(self) -> int:
        return len(self.entry_ids)

    @property
    def n_judges(self) -> int:
        return len(self.judge_ids)

    def sheet_weights(self) -> np.ndarray:
        return np.ones(self.total.size) if self.weight is None else np.asarray(self.weight)

    @classmethod
    def from_triples(
        cls, triples: Sequence[tuple[str, str, float]], scale: float = 100.0
    ) -> Sheets:
        """Build from (entry_id, judge_id, total) triples; ids are ordered by sorting."""
        entry_ids = tuple(sorted({t[0] for t in triples}))
        judge_ids = tuple(sorted({t[1] for t in triples}))
        e_index = {e: i for i, e in enumerate(entry_ids)}
        j_index = {j: i for i, j in enumerate(judge_ids)}
        return cls(
            entry_ids,
            judge_ids,
            np.array([e_index[t[0]] for t in triples], dtype=np.intp),
            np.array([j_index[t[1]] for t in triples], dtype=np.intp),
            np.array([float(t[2]) for t in triples]),
            scale,
        )


@dataclass(frozen=True)
class Normalized:
    """Per-entry values and standard errors; per-judge bias, scale and weight; diagnostics."""

    method: str
    values: np.ndarray  # points, per entry
    stderr: np.ndarray  # points, per entry
    bias: np.ndarray  # points, per judge (0 for methods without a judge model)
    bias_se: np.ndarray
    judge_scale: np.ndarray  # stretch per judge (1 without a scale model)
    judge_scale_se: np.ndarray
    judge_weight: np.ndarray  # precision weight per judge in (0, 1]
    sheet_weight: np.ndarray  # final weight per sheet (robust fits), 1 otherwise
    residual: np.ndarray  # per sheet: total minus fitted value, points
    sigma: float  # noise sd of a unit-weight sheet, points
    component: np.ndarray  # per entry, connected component label 0..n_components-1
    judge_component: np.ndarray  # per judge
    n_components: int
    iterations: int = 0
    params: dict = field(default_factory=dict)
    bias_prior_var: np.ndarray | None = None  # calibrated: the prior variance used per judge
    # calibrated with a stretch: per entry, the part of stderr^2 due to uncertain stretches
    stretch_var: np.ndarray | None = None
    # calibrated: per entry, the part of stderr^2 not shared with other entries (own sheets'
    # noise; a judge's bias and stretch errors are shared); per judge, how much the bias variance
    # was widened for honest noise
    noise_var: np.ndarray | None = None
    bias_var_ratio: np.ndarray | None = None
    center: float | None = None  # calibrated: the point stretches pivot on, points
    # calibrated with a stretch: the panel's log-stretch variance used as prior (0: no stretch)
    log_stretch_var: float | None = None


def components(sheets: Sheets) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected components of the bipartite judge–entry graph: (count, per entry, per judge).

    Labels are renumbered so component 0 holds the first entry, 1 the next new one, and so on,
    making them independent of the graph library's numbering.
    """
    E, J = sheets.n_entries, sheets.n_judges
    graph = sparse.coo_matrix(
        (np.ones(sheets.entry.size), (sheets.entry, E + sheets.judge)), shape=(E + J, E + J)
    )
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    relabel = dict(zip(np.unique(labels), order))
    labels = np.array([relabel[x] for x in labels], dtype=np.intp)
    return int(labels.max() + 1) if labels.size else 0, labels[:E], labels[E:]


def normalize(sheets: Sheets, method: str = DEFAULT_METHOD, params: dict | None = None) -> Normalized:
    """Values per entry by ``method`` (see the module docstring); ``params`` tune ``calibrated``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if sheets.total.size == 0:
        raise ValueError("no sheets to normalise")
    if np.any(np.bincount(sheets.entry, minlength=sheets.n_entries) == 0):
        raise ValueError("every entry needs at least one sheet")
    if method == "raw":
        return _mean_method(sheets, sheets.total, "raw")
    if method == "median":
        return _median_method(sheets)
    if method == "zscore":
        return _zscore_method(sheets)
    options = dict(CALIBRATED_DEFAULTS)
    if method == "ls":
        options.update(shrink=False, robust=False, judge_scale=False)
    unknown = set(params or {}) - set(CALIBRATED_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    options.update(params or {})
    return _calibrated(sheets, method, options)


# ---------------------------------------------------------------- simple methods


def _weighted_entry_mean(sheets: Sheets, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    E = sheets.n_entries
    wsum = np.bincount(sheets.entry, weights=w, minlength=E)
    mean = np.bincount(sheets.entry, weights=w * y, minlength=E) / np.where(wsum > 0, wsum, np.nan)
    return mean, wsum


def _pooled_sigma(sheets: Sheets, y: np.ndarray, fitted: np.ndarray, w: np.ndarray, used_dof: float) -> float:
    """Residual sd of a unit-weight sheet, with a weak prior so it exists without replication."""
    prior_sd = CALIBRATED_DEFAULTS["noise_prior"] * sheets.scale
    prior_n = 2.0
    dof = max(float(np.sum(w > 0)) - used_dof, 0.0)
    ss = float(np.sum(w * (y - fitted) ** 2))
    return float(np.sqrt((ss + prior_n * prior_sd**2) / (dof + prior_n)))


def _mean_method(sheets: Sheets, y: np.ndarray, method: str) -> Normalized:
    w = sheets.sheet_weights()
    mean, wsum = _weighted_entry_mean(sheets, y, w)
    fitted = mean[sheets.entry]
    sigma = _pooled_sigma(sheets, y, fitted, w, float(np.sum(wsum > 0)))
    stderr = sigma / np.sqrt(np.where(wsum > 0, wsum, np.nan))
    return _simple_result(sheets, method, mean, stderr, sheets.total - fitted, sigma)


def _median_method(sheets: Sheets) -> Normalized:
    order = np.lexsort((sheets.total, sheets.entry))
    e_sorted = sheets.entry[order]
    y_sorted = sheets.total[order]
    starts = np.searchsorted(e_sorted, np.arange(sheets.n_entries))
    counts = np.bincount(sheets.entry, minlength=sheets.n_entries)
    lo = y_sorted[starts + (counts - 1) // 2]
    hi = y_sorted[starts + counts // 2]
    median = (lo + hi) / 2
    fitted = median[sheets.entry]
    w = np.ones(sheets.total.size)
    sigma = _pooled_sigma(sheets, sheets.total, fitted, w, float(sheets.n_entries))
    # The median of n normal draws has variance ~ (pi/2) sigma^2 / n.
    stderr = sigma * np.sqrt(np.pi / 2 / counts)
    return _simple_result(sheets, "median", median, stderr, sheets.total - fitted, sigma)


def _zscore_method(sheets: Sheets) -> Normalized:
    y = sheets.total
    w = sheets.sheet_weights()
    J = sheets.n_judges
    wj = np.bincount(sheets.judge, weights=w, minlength=J)
    safe = np.where(wj > 0, wj, 1.0)
    mean_j = np.bincount(sheets.judge, weights=w * y, minlength=J) / safe
    var_j = np.bincount(sheets.judge, weights=w * (y - mean_j[sheets.judge]) ** 2, minlength=J) / safe
    n_j = np.bincount(sheets.judge, weights=(w > 0).astype(float), minlength=J)
    grand = float(np.sum(w * y) / np.sum(w))
    spread = float(np.sqrt(np.sum(w * (y - grand) ** 2) / np.sum(w)))
    sd_j = np.sqrt(var_j)
    # Without two sheets or any spread a judge's scale is unknown: centre only (unit stretch).
    usable = (n_j >= 2) & (sd_j > 1e-12 * max(spread, 1.0))
    stretch = np.where(usable, spread / np.where(usable, sd_j, 1.0), 1.0)
    mapped = grand + (y - mean_j[sheets.judge]) * stretch[sheets.judge]
    result = _mean_method(sheets, mapped, "zscore")
    bias = mean_j - grand
    return Normalized(
        **{**result.__dict__, "bias": bias, "judge_scale": 1.0 / stretch, "residual": y - result.values[sheets.entry]}
    )


def _simple_result(sheets, method, values, stderr, residual, sigma) -> Normalized:
    n_comp, comp_e, comp_j = components(sheets)
    J = sheets.n_judges
    return Normalized(
        method=method,
        values=values,
        stderr=stderr,
        bias=np.zeros(J),
        bias_se=np.full(J, np.nan),
        judge_scale=np.ones(J),
        judge_scale_se=np.full(J, np.nan),
        judge_weight=np.ones(J),
        sheet_weight=sheets.sheet_weights().copy(),
        residual=residual,
        sigma=sigma,
        component=comp_e,
        judge_component=comp_j,
        n_components=n_comp,
    )


# ---------------------------------------------------------------- calibrated model


@dataclass
class _Fit:
    values: np.ndarray
    bias: np.ndarray
    cov_b: np.ndarray  # gauge-conditioned posterior covariance of the biases
    d_entry: np.ndarray  # per entry, total precision of its sheets
    # What the share matrix is made of (built on demand: the iterations never need it).
    entry: np.ndarray
    judge: np.ndarray
    precision: np.ndarray

    @property
    def m_matrix(self) -> sparse.csr_matrix:
        """Per entry x judge, the share of the entry's precision that comes from that judge."""
        E, J = self.d_entry.size, self.cov_b.shape[0]
        inv_d = np.where(self.d_entry > 0, 1.0 / np.where(self.d_entry > 0, self.d_entry, 1.0), 0.0)
        return sparse.csr_matrix((self.precision * inv_d[self.entry], (self.entry, self.judge)), shape=(E, J))


def sheet_pairs(entry: np.ndarray, E: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair of sheets of the same entry (each sheet with itself included).

    The judges' normal matrix sums over these pairs; for a panel they are fixed, so the fit
    builds them once instead of a sparse product at every step.
    """
    order = np.argsort(entry, kind="stable")
    counts = np.bincount(entry, minlength=E)
    start = np.cumsum(counts) - counts
    reps = counts[entry[order]]
    first = np.repeat(start[entry[order]], reps)
    offset = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    return order[np.repeat(np.arange(order.size), reps)], order[first + offset]


def judge_gauge(comp_j: np.ndarray, n_comp: int, judge_weight: np.ndarray) -> sparse.csr_matrix:
    """The gauge constraint ``G^T b = 0``: per component, the judges' biases weighted by their
    precision weight sum to zero.

    The panel is assumed right on average, but only its reliable part: an erratic judge
    (weight near 0) scores no particular level, and its fitted bias must not shift everyone.
    With fair judges every weight is 1 and this is the plain ``sum of b_j = 0``.
    """
    J = comp_j.size
    return sparse.csr_matrix((np.asarray(judge_weight, dtype=float), (np.arange(J), comp_j)), shape=(J, n_comp))


def _solve_additive(
    entry: np.ndarray,
    judge: np.ndarray,
    y: np.ndarray,
    precision: np.ndarray,
    prior_precision: np.ndarray,
    E: int,
    J: int,
    gauge: sparse.csr_matrix,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> _Fit:
    """Posterior mode and covariance of ``y = v_e + b_j + noise`` with ``b_j ~ N(0, 1/prior)``.

    ``precision`` is per sheet (1/variance).  The entry values are eliminated (their block of
    the normal matrix is diagonal), leaving ``S b = r`` on judges.  A penalty on each
    component's bias sum makes ``S`` invertible for the unshrunk model; conditioning on
    ``sum b = 0`` per component afterwards removes its influence, so the result is the posterior
    given the gauge whatever the penalty's size.  ``pairs`` are :func:`sheet_pairs` of
    ``entry``, when the caller already has them.
    """
    d_entry = np.bincount(entry, weights=precision, minlength=E)
    inv_d = np.where(d_entry > 0, 1.0 / np.where(d_entry > 0, d_entry, 1.0), 0.0)
    ybar = np.bincount(entry, weights=precision * y, minlength=E) * inv_d
    d_judge = np.bincount(judge, weights=precision, minlength=J)
    first, second = pairs if pairs is not None else sheet_pairs(entry, E)
    # N^T D^-1 N, N the entry x judge precision matrix: a sum over pairs of sheets of one entry.
    cross = np.bincount(
        judge[first] * J + judge[second],
        weights=precision[first] * precision[second] * inv_d[entry[first]],
        minlength=J * J,
    ).reshape(J, J)
    schur = np.diag(d_judge + prior_precision) - cross
    rhs = np.bincount(judge, weights=precision * (y - ybar[entry]), minlength=J)
    penalty = float(np.mean(np.abs(np.diag(schur)))) or 1.0
    g = gauge.toarray()
    system = schur + penalty * (g @ g.T)
    system = (system + system.T) / 2
    # Symmetric positive definite once the gauge penalty is added: the inverse from its Cholesky
    # factor (LAPACK potrf + potri) costs a third of solving against the identity.
    factor, info = lapack.dpotrf(system, lower=False, clean=False)
    if info == 0:
        upper, info = lapack.dpotri(factor, lower=False)
    if info == 0:
        cov = np.triu(upper) + np.triu(upper, 1).T
    else:
        cov = linalg.pinv(system)
    b = cov @ rhs
    # Condition on G^T b = 0 (one row of G^T per component).
    cg = cov @ g
    inner = g.T @ cg
    inner_inv = linalg.pinv(inner)
    b = b - cg @ (inner_inv @ (g.T @ b))
    cov_b = cov - cg @ inner_inv @ cg.T
    values = ybar - np.bincount(entry, weights=precision * b[judge], minlength=E) * inv_d
    return _Fit(values, b, cov_b, d_entry, entry, judge, precision)


def _bias_prior(entry, judge, y, precision, E, J, gauge, multi, floor, nu, tau2_prev, previous=None, pairs=None):
    """Prior variances of the biases: the panel's by moments, each judge's by a t refinement.

    The unshrunk estimate of a bias is the true bias plus an error of known variance ``V_j``,
    so ``mean(b_ls^2 - V)`` estimates the panel's bias variance ``tau^2`` in one step
    (DerSimonian–Laird style), weighted by ``1 / (tau^2 + V_j)^2`` — the inverse variance of
    each term — so a judge known only vaguely (few or down-weighted sheets) cannot drag it
    around.  It is ~0 (full shrinkage, calibrated = raw) when the judges are fair, where an EM
    iteration would creep toward that boundary over hundreds of steps.  Each
    judge's own prior is the Student-t (scale-mixture) EM step
    ``(nu tau^2 + b_j^2 + Var b_j) / (nu + 1)`` from the previous fit (from the unshrunk
    excess on the first pass): a judge with strong evidence of bias is barely shrunk.
    """
    ls = _solve_additive(entry, judge, y, precision, np.zeros(J), E, J, gauge, pairs)
    excess = ls.bias**2 - np.clip(np.diag(ls.cov_b), 0.0, None)
    if np.any(multi):
        var = np.clip(np.diag(ls.cov_b), 0.0, None)[multi]
        weight = 1.0 / (tau2_prev + var) ** 2
        tau2 = max(float(np.sum(weight * excess[multi]) / np.sum(weight)), floor)
    else:
        tau2 = floor
    if previous is None:
        own = np.clip(excess, 0.0, None)
    else:
        own = previous.bias**2 + np.clip(np.diag(previous.cov_b), 0.0, None)
    tau2_j = np.maximum((nu * tau2 + own) / (nu + 1.0), floor)
    return tau2, tau2_j


def _calibrated(sheets: Sheets, method: str, o: dict) -> Normalized:
    E, J = sheets.n_entries, sheets.n_judges
    entry, judge, y = sheets.entry, sheets.judge, sheets.total
    base_w = sheets.sheet_weights()
    n_comp, comp_e, comp_j = components(sheets)
    comp_size = np.bincount(comp_j, minlength=n_comp)
    multi = comp_size[comp_j] >= 2  # judges whose bias is estimable at all
    n_gauged = int(np.sum(comp_size >= 2))

    prior_var = (float(o["noise_prior"]) * sheets.scale) ** 2
    # Start from the pooled spread within entries: close to the noise when judges are fair.
    counts = np.bincount(entry, minlength=E)
    means = np.bincount(entry, weights=y, minlength=E) / np.maximum(counts, 1)
    within = float(np.sum((y - means[entry]) ** 2))
    replicated = float(np.sum(counts - 1))
    sigma2 = max(within / replicated if replicated > 0 else prior_var, prior_var * 1e-4)
    tau2 = sigma2
    tau2_j = np.full(J, sigma2)
    huber = np.ones(y.size)
    judge_w = np.ones(J)
    s2_j = np.zeros(J)  # per-judge noise (robust fits), 0 = the panel's
    stretch = np.ones(J)
    scale_mode = _scale_mode(o)
    # In "auto" mode the stretches start once the additive fit has settled (see the loop's end).
    stretch_mode = None if scale_mode == "auto" else scale_mode
    # Log-stretch variance of the panel: the prior's (fixed) or a first guess to estimate (auto).
    omega2 = float(o["scale_prior_sd"]) ** 2 if scale_mode == "fixed" else 0.0
    log_var = np.zeros(J)  # posterior variance of each judge's log-stretch
    stretch_dof = 0.0  # effective number of fitted stretches beyond the gauge
    center = float(np.average(y, weights=base_w)) if base_w.sum() > 0 else float(np.mean(y))
    n_j = np.bincount(judge, weights=(base_w > 0).astype(float), minlength=J)
    floor = 1e-8 * sheets.scale**2
    previous = None
    iterations = 0
    fit: _Fit | None = None
    pairs = sheet_pairs(entry, E)
    # The calibrated model measures each judge's stretch against the other judges; the affine
    # least-squares baseline (``ls`` with a stretch) against the fitted values.
    held_out = method == "calibrated"
    for iterations in range(1, int(o["max_iter"]) + 1):
        w = base_w * huber * judge_w[judge]
        gauge = judge_gauge(comp_j, n_comp, judge_w)
        # With a stretch s_j the model is (y - c)/s_j + c = v_e + b'_j + noise/s_j.
        y_adj = center + (y - center) / stretch[judge]
        precision = w * stretch[judge] ** 2 / sigma2
        if o["shrink"]:
            tau2, tau2_j = _bias_prior(entry, judge, y_adj, precision, E, J, gauge, multi, floor, float(o["t_dof"]),
                                       tau2, fit, pairs)
        prior_prec = 1.0 / tau2_j if o["shrink"] else np.zeros(J)
        fit = _solve_additive(entry, judge, y_adj, precision, prior_prec, E, J, gauge, pairs)
        fitted_adj = fit.values[entry] + fit.bias[judge]
        fitted = center + stretch[judge] * (fitted_adj - center)
        resid = y - fitted
        # Leverage of a sheet through its entry's value (the dominant part of the hat matrix).
        lev_raw = precision / np.where(fit.d_entry > 0, fit.d_entry, 1.0)[entry]
        lev = np.clip(lev_raw, 0.0, 1.0)
        var_b = np.clip(np.diag(fit.cov_b), 0.0, None)
        # Residual degrees of freedom: sheets minus entry values minus the biases' effective
        # number (1 each unshrunk, less when shrunk), one per component given back to the gauge.
        free_b = np.where(multi, 1.0 - (prior_prec * var_b if o["shrink"] else 0.0), 0.0)
        # Fitted stretches use up degrees of freedom too (their effective number, as for biases).
        # The reference noise sigma^2 is that of a full-weight judge's sheet, and it is measured
        # on those sheets only: a down-weighted judge's squares say how noisy that judge is, not
        # how noisy the others are (counted in, an erratic judge's sheets, whose weighted squares
        # are small but count as whole degrees of freedom, would pull sigma^2 down).  Each sheet's
        # degree of freedom is 1 minus its leverage through its entry's value (these sum to one
        # per entry); the fitted biases and stretches of full-weight judges take theirs.  Fair
        # judges keep weight 1 thanks to the chi-square allowance below, which anchors the
        # reference; with every judge at weight 1 this is sheets - entries - fitted parameters.
        full = judge_w >= 1.0 - 1e-12
        on_full = full[judge] & (w > 0)
        used_full = max(float(np.sum(free_b[full])) - n_gauged, 0.0)
        n_full = max(float(np.sum(full & (n_j > 0))), 1.0)
        stretch_full = stretch_dof * n_full / max(float(np.sum(n_j > 0)), 1.0)
        dof = max(float(np.sum(np.where(on_full, 1.0 - lev_raw, 0.0))) - used_full - stretch_full, 0.0)
        ss = float(np.sum(np.where(on_full, base_w * huber * resid**2, 0.0)))
        if o["robust"]:
            # Huber-weighted squares underestimate sigma^2 under normal noise: for u ~ N(0, 1),
            # E[min(1, c/|u|) u^2] = E[u^2; |u|<c] + c E[|u|; |u|>c] = 2 Phi(c) - 1.
            ss /= 2 * stats.norm.cdf(float(o["huber_c"])) - 1
        sigma2_new = max((ss + 2.0 * prior_var) / (dof + 2.0), floor)
        if o["robust"]:
            std = resid / np.sqrt(sigma2_new * np.maximum(1.0 - lev, 0.05))
            a = np.abs(std)
            huber = np.where(a > o["huber_c"], o["huber_c"] / np.maximum(a, 1e-12), 1.0)
            # Per-judge noise, pulled toward the panel's by a few pseudo-sheets.
            k0 = float(o["judge_prior_sheets"])
            # A residual has 1 - leverage degrees of freedom: where an entry has two sheets, one
            # difference is split between them, and a judge's squares carry half as much evidence
            # as its sheet count suggests.
            own_dof = np.bincount(judge, weights=np.where(base_w > 0, 1.0 - lev, 0.0), minlength=J)
            ss_j = np.bincount(judge, weights=base_w * resid**2, minlength=J)
            s2_j = (ss_j + k0 * sigma2_new) / (own_dof + k0)
            # A fair judge's spread fluctuates (chi-square on those degrees of freedom); only
            # spread beyond its 95th percentile counts as excess, so fair judges keep full weight.
            dof_j = own_dof + k0
            allowance = stats.chi2.ppf(0.95, dof_j) / dof_j
            judge_w = np.minimum(1.0, allowance * sigma2_new / np.maximum(s2_j, floor))
        if stretch_mode is not None:
            new_stretch, log_var, omega2, stretch_dof = _update_stretch(
                sheets, fit, w, precision, stretch, sigma2_new, center, comp_j, n_comp, n_j, stretch_mode, omega2,
                judge_w, held_out=held_out, prior_sheets=float(o["judge_prior_sheets"]),
            )
            # Each judge's stretch is read off the others' values, which move with the others'
            # stretches: updated all at once, a small panel's stretches can swing back and forth
            # for hundreds of steps.  Half steps on the log scale damp that and leave the fixed
            # point (the estimate) unchanged.
            stretch = np.sqrt(stretch * new_stretch) if held_out else new_stretch
        sigma2 = sigma2_new
        state = np.concatenate([fit.values, fit.bias, [sigma2], judge_w, stretch])
        change = np.max(np.abs(state - previous)) if previous is not None else np.inf
        settled = change < float(o["tol"]) * sheets.scale
        previous = state
        # The test below needs the additive fit settled to well within its own noise, not to the
        # last digit: a hundred times the final tolerance.
        near = change < 100 * float(o["tol"]) * sheets.scale
        if scale_mode == "auto" and stretch_mode is None and (near or iterations >= int(o["max_iter"]) // 2):
            # Whether this panel's judges stretch at all is decided once, on the settled additive
            # fit: the classical test of "do the judges' slopes against the others' values differ
            # more than their noise?".  Decided anew at every step, the answer flipped between
            # "stretch" and "no stretch" on alternate steps on small panels (stretched values
            # change the very slopes it is read from), and values moved by up to 14 points
            # depending on where the loop stopped.  Once decided, the size of the spread is
            # re-estimated at every step by the plain moment estimate, which moves smoothly.
            stretch, log_var, omega2, stretch_dof = _update_stretch(
                sheets, fit, w, precision, stretch, sigma2, center, comp_j, n_comp, n_j, "auto", omega2,
                judge_w, held_out=held_out, prior_sheets=float(o["judge_prior_sheets"]),
            )
            if omega2 > 0:
                stretch_mode, previous = "refine", None
                continue
        if settled:
            break
    assert fit is not None
    # Standard errors at the final weights: Var v = 1/d_e + (M C M^T)_ee, in points^2, with two
    # corrections so the interval stays honest when the model's weights are not the truth.
    values_adj = fit.values
    w_final = base_w * huber * judge_w[judge]
    precision = w_final * stretch[judge] ** 2 / sigma2
    safe_d = np.where(fit.d_entry > 0, fit.d_entry, 1.0)
    share = precision / safe_d[entry]
    # (1) Sandwich: a down-weighted judge's sheets are noisier than their weight says (the
    # weight keeps a chi-square allowance), so each sheet counts at the larger of the model's
    # variance and its judge's measured one.
    per_base = np.where(base_w > 0, base_w, 1.0)
    true_adj = np.maximum(sigma2, s2_j[judge]) / per_base / stretch[judge] ** 2
    inv_p = np.where(precision > 0, 1.0 / np.where(precision > 0, precision, 1.0), 0.0)
    excess = np.where(precision > 0, np.clip(true_adj - inv_p, 0.0, None), 0.0)
    noise_var = np.where(fit.d_entry > 0, 1.0 / safe_d, np.inf)
    noise_var = noise_var + np.bincount(entry, weights=share**2 * excess, minlength=E)
    # The same for a judge's bias, which is read off that judge's sheets: its variance grows by
    # the ratio of the sheets' true to assumed information.
    info = np.bincount(judge, weights=precision, minlength=J)
    true_info = np.bincount(judge, weights=precision**2 * np.maximum(true_adj, inv_p), minlength=J)
    var_ratio = np.where(info > 0, np.maximum(true_info / np.where(info > 0, info, 1.0), 1.0), 1.0)
    root_r = np.sqrt(var_ratio)
    cov_b = fit.cov_b * root_r[:, None] * root_r[None, :]
    shares = fit.m_matrix
    var_v = noise_var + np.asarray(shares.multiply(shares @ cov_b).sum(axis=1)).ravel()
    stretch_var = np.zeros(E)
    if scale_mode is not None:
        # (2) An error d in a judge's log-stretch moves that judge's adjusted sheet by about
        # d (v_e + b_j - c): its share of the entry's precision carries it into the value.
        lever = fit.values[entry] + fit.bias[judge] - center
        stretch_var = np.bincount(entry, weights=share**2 * lever**2 * log_var[judge], minlength=E)
        var_v = var_v + stretch_var
    # Report values on the judges' scale around the centre (identity without stretch).
    stderr = np.sqrt(np.clip(var_v, 0.0, None))
    bias = fit.bias * stretch
    bias_se = np.sqrt(np.clip(np.diag(cov_b), 0.0, None)) * stretch
    bias_se = np.where(multi, bias_se, np.nan)
    scale_se = np.full(J, np.nan)
    if scale_mode is not None:
        scale_se = stretch * np.sqrt(log_var)
    fitted = center + stretch[judge] * (values_adj[entry] + fit.bias[judge] - center)
    return Normalized(
        method=method,
        values=values_adj,
        stderr=stderr,
        bias=bias,
        bias_se=bias_se,
        judge_scale=stretch.copy(),
        judge_scale_se=scale_se,
        judge_weight=judge_w.copy(),
        sheet_weight=w_final,
        residual=y - fitted,
        sigma=float(np.sqrt(sigma2)),
        component=comp_e,
        judge_component=comp_j,
        n_components=n_comp,
        iterations=iterations,
        params={k: (v.item() if hasattr(v, "item") else v) for k, v in o.items()},
        bias_prior_var=tau2_j.copy() if o["shrink"] else None,
        stretch_var=stretch_var,
        noise_var=noise_var,
        bias_var_ratio=var_ratio,
        center=center,
        log_stretch_var=float(omega2) if scale_mode is not None else None,
    )


def _scale_mode(o: dict) -> str | None:
    """``judge_scale`` as "auto" (estimated spread of stretches), "fixed" (given prior) or None."""
    mode = o["judge_scale"]
    if isinstance(mode, str):
        if mode != "auto":
            raise ValueError(f"judge_scale must be 'auto', true or false, not {mode!r}")
        return "auto"
    return "fixed" if mode else None


def _update_stretch(sheets, fit, w, precision, stretch, sigma2, center, comp_j, n_comp, n_j, mode, omega2_prev,
                    judge_w, held_out, prior_sheets):
    """Per-judge stretch, shrunk toward 1 on the log scale.

    Returns (stretch, posterior variance of log-stretch, omega^2, effective number of stretches).

    Each judge's unshrunk stretch is a slope ``s_hat`` of their totals on the entries' values,
    with a variance ``V`` on the log scale (``V = Var s_hat / s^2``): with ``held_out`` (the
    calibrated model) the values made without that judge's sheets (:func:`_held_out_slopes`),
    otherwise the fitted values themselves (:func:`_in_sample_slopes`, plain alternating least
    squares).  The panel's log-stretch variance ``omega^2`` is a DerSimonian–Laird moment
    estimate: with ``auto`` (the test) the spread of the log-slopes beyond the 95th percentile
    of what their own noise explains, 0 when there is none, so fair panels keep every stretch at
    1; with ``refine`` (a panel that passed the test) the spread beyond the noise's expectation;
    with ``fixed`` the given prior's.  Each judge then gets the normal
    posterior ``l = l_hat omega^2 / (omega^2 + V)`` with variance ``omega^2 V / (omega^2 + V)``:
    a judge with few sheets (large V) stays near 1.  Judges with fewer than three sheets or no
    spread are not stretched.  Gauge: geometric mean 1 within every component.
    """
    J = sheets.n_judges
    if held_out:
        # The judge's own weight in the fit is left out: the slope's variance uses the judge's
        # own scatter (see :func:`_held_out_slopes`).
        unweighted = w / np.where(judge_w > 0, judge_w, 1.0)[sheets.judge]
        ok, s_hat, v_log = _held_out_slopes(sheets, fit, unweighted, precision, stretch, sigma2, center, prior_sheets)
    else:
        ok, s_hat, v_log = _in_sample_slopes(sheets, fit, w, sigma2, center, n_j)
    l_hat = np.where(ok, np.log(s_hat), 0.0)
    if mode in ("auto", "refine"):
        wt = np.where(ok, 1.0 / np.where(ok, v_log, 1.0), 0.0)
        sw = np.bincount(comp_j, weights=wt, minlength=n_comp)
        mean_l = np.bincount(comp_j, weights=wt * l_hat, minlength=n_comp) / np.where(sw > 0, sw, 1.0)
        q = float(np.sum(wt * (l_hat - mean_l[comp_j]) ** 2))
        k = np.bincount(comp_j, weights=ok.astype(float), minlength=n_comp)
        dof = float(np.sum(np.maximum(k - 1, 0)))
        sw2 = np.bincount(comp_j, weights=wt**2, minlength=n_comp)
        denom = float(np.sum(np.where(sw > 0, sw - sw2 / np.where(sw > 0, sw, 1.0), 0.0)))
        # The test (``auto``): only spread beyond the 95th percentile of what the slopes' noise
        # alone would give counts (the rule the judges' precision weights follow), so a fair panel
        # keeps every stretch at 1.  Once a panel has passed it (``refine``), the size of the
        # spread is the plain moment estimate, unbiased for it.
        cut = stats.chi2.ppf(0.95, dof) if mode == "auto" else dof
        omega2 = max((q - cut) / denom, 0.0) if denom > 0 and dof > 0 else 0.0
    else:
        omega2 = omega2_prev
    if omega2 > 0:
        shrink = np.where(ok, omega2 / (omega2 + np.where(ok, v_log, 1.0)), 0.0)
        logs = shrink * l_hat
        log_var = np.where(ok, shrink * np.where(ok, v_log, 0.0), omega2)
    else:
        shrink = np.zeros(J)
        logs = np.zeros(J)
        log_var = np.zeros(J)
    # The gauge weighs judges as the biases' does: by their precision weight.
    wsum = np.bincount(comp_j, weights=judge_w, minlength=n_comp)
    mean_log = np.bincount(comp_j, weights=judge_w * logs, minlength=n_comp) / np.where(wsum > 0, wsum, 1.0)
    # Effective number of stretches fitted: each shrink factor, less one per component's gauge.
    used = np.bincount(comp_j, weights=shrink, minlength=n_comp)
    dof = float(np.sum(np.maximum(used - np.minimum(used, 1.0), 0.0)))
    return np.exp(logs - mean_log[comp_j]), log_var, omega2, dof


def _in_sample_slopes(sheets, fit, w, sigma2, center, n_j):
    """Each judge's slope on the fitted values (through the centre), with its log-scale variance.

    This is the plain alternating least-squares step of the affine baseline.  The fitted values
    contain the judge's own sheets, so the slope partly measures the judge against itself: a
    judge given a large stretch dominates the values, which then follow that judge, which
    confirms the stretch.
    """
    J = sheets.n_judges
    x = fit.values[sheets.entry] + fit.bias[sheets.judge] - center
    yc = sheets.total - center
    sxy = np.bincount(sheets.judge, weights=w * x * yc, minlength=J)
    sxx = np.bincount(sheets.judge, weights=w * x * x, minlength=J)
    ok = (n_j >= 3) & (sxx > 1e-12 * sheets.scale**2)
    safe = np.where(ok, sxx, 1.0)
    # The slope can be near zero or negative for an erratic judge: its log is bounded, and its
    # variance (large there) keeps it from counting.
    s_hat = np.clip(sxy / safe, 0.2, 5.0)
    return ok, s_hat, np.where(ok, sigma2 / (safe * s_hat**2), np.inf)


def _held_out_slopes(sheets, fit, w, precision, stretch, sigma2, center, prior_sheets):
    """Each judge's slope on the values the *other* judges give the same entries.

    Model: a sheet ``y = a_j + s_j x_e + noise`` (noise variance ``sigma_j^2 / w`` on the judges'
    scale, ``sigma_j^2`` the judge's scatter around the line beyond the regressor's error, with
    ``prior_sheets`` pseudo-sheets at the panel's ``sigma^2``), where ``x_e`` is the entry's value
    and ``a_j`` absorbs the judge's level.  The regressor is the entry's value with this sheet left
    out, ``x_-s = (d_e v_e - p_s (y_adj,s - b_j)) / (d_e - p_s)``: the same weighted mean of the
    other sheets the fit uses, biases and precisions held at the current fit.  It is known with the
    error variance ``u_s = 1 / (d_e - p_s)`` plus the other judges' bias uncertainty, independent of
    the sheet's own noise, so no judge can vouch for its own stretch: an erratic judge whose scores
    happen to follow quality a little gets a modest slope with a wide variance, not a stretch that
    makes the values follow it.  Sheets of entries scored by this judge alone carry no evidence.

    The regression is within the judge (``a_j`` free: the judge's mean is not used, so its bias
    estimate, made from the same sheets, cannot leak in).  Errors in ``x`` bias an ordinary slope
    toward 0 by the reliability ratio; it is corrected by subtracting the known error variance
    from the spread of ``x`` (``sxx - sum w u``, the classical errors-in-variables correction), and
    a judge whose entries' values are mostly error (reliability under 1/4), or with fewer than five such sheets (a slope
    and a level from four points or less are noise), is not stretched.  The
    slope's variance counts the sheet noise, the regressor's error times the stretch, and the
    randomness of that correction: ``(sum w^2 x^2 (sigma_j^2 / w + s^2 u) + 2 s^2 sum w^2 u^2) /
    sxx^2``, with ``s`` the judge's current stretch (so a slope's variance does not depend on its
    own noise, which would weight low slopes up in the panel's estimate of ``omega^2``).
    """
    J, E = sheets.n_judges, sheets.n_entries
    entry, judge = sheets.entry, sheets.judge
    yc = sheets.total - center
    d = fit.d_entry[entry]
    rest = d - precision
    has_rest = rest > 1e-9 * np.maximum(d, 1e-300)
    safe_rest = np.where(has_rest, rest, 1.0)
    y_adj = center + yc / stretch[judge]
    x_out = (d * fit.values[entry] - precision * (y_adj - fit.bias[judge])) / safe_rest
    var_b = np.clip(np.diag(fit.cov_b), 0.0, None)[judge]
    others_bias = np.bincount(entry, weights=precision**2 * var_b, minlength=E)[entry] - precision**2 * var_b
    u = np.where(has_rest, 1.0 / safe_rest + others_bias / safe_rest**2, 0.0)
    wl = np.where(has_rest, w, 0.0)
    sw = np.bincount(judge, weights=wl, minlength=J)
    safe_sw = np.where(sw > 0, sw, 1.0)
    x_out = np.where(has_rest, x_out, 0.0)
    x = np.where(has_rest, x_out - (np.bincount(judge, weights=wl * x_out, minlength=J) / safe_sw)[judge], 0.0)
    y_mean = np.bincount(judge, weights=wl * yc, minlength=J) / safe_sw
    sxy = np.bincount(judge, weights=wl * x * (yc - y_mean[judge]), minlength=J)
    sxx_obs = np.bincount(judge, weights=wl * x * x, minlength=J)
    # Centring within the judge removes a share w/sum w of each sheet's own error variance.
    sxx = sxx_obs - np.bincount(judge, weights=wl * u * (1.0 - wl / safe_sw[judge]), minlength=J)
    n_out = np.bincount(judge, weights=(wl > 0).astype(float), minlength=J)
    ok = (n_out >= 5) & (sxx > 0.25 * sxx_obs) & (sxx > 1e-12 * sheets.scale**2)
    safe = np.where(ok, sxx, 1.0)
    s_hat = np.clip(sxy / safe, 0.2, 5.0)
    s_now = stretch[judge]
    # Each judge's own noise around their line, pulled toward the panel's by a few pseudo-sheets
    # (the judge-noise rule of the fit).  Not the judge's weight in the fit: a judge who stretches
    # the scale has large residuals in a fit without stretches and is down-weighted there as if
    # noisy, which would hide the very stretch this measures.
    line = (yc - y_mean[judge]) - s_hat[judge] * x
    scatter = np.bincount(judge, weights=wl * line**2, minlength=J)
    from_x = np.bincount(judge, weights=wl * s_now**2 * u, minlength=J)
    own_dof = np.maximum(n_out - 2.0, 0.0)
    sigma2_j = (np.maximum(scatter - from_x, 0.0) + prior_sheets * sigma2) / (own_dof + prior_sheets)
    noise = np.where(wl > 0, sigma2_j[judge] / np.where(wl > 0, wl, 1.0), 0.0) + s_now**2 * u
    var_s = np.bincount(judge, weights=wl**2 * (x**2 * noise + 2.0 * s_now**2 * u**2), minlength=J) / safe**2
    return ok, s_hat, np.where(ok, var_s / stretch**2, np.inf)
