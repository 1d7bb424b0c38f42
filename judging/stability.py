"""How stable is the result? Seeded draws of the values from their approximate posterior.

Posterior draws (``posterior``, the default)
    A bootstrap re-runs the *estimator* on resampled data; its spread is the estimator's, centred
    on the estimate, and it does not say how likely the *truth* is to be in the top ten.
    Measured on simulated rounds it overstates borderline entries (of those given P(top 10 %)
    between 0.1 and 0.5 only a third as many truly belonged).  The council's question is about
    the truth, so the default draws the true values from an approximate posterior of the
    calibrated model, empirical Bayes throughout:

    - prior: true values of the round's entries ~ N(m, T^2), with ``m`` and ``T^2`` estimated
      from the panel itself (spread of the values beyond their standard errors);
    - likelihood: the fitted values with the model's error covariance, which is correlated
      across entries through the judges' shared bias (and stretch) estimates:
      ``v_hat - v = e / sqrt(d) - M (b_hat - b)`` with ``b_hat - b ~ N(0, C)`` (``C`` the
      biases' posterior covariance, ``M`` each entry's precision share per judge, ``d`` each
      entry's total precision), plus ``sum_j M_ej x_ej (l_hat_j - l_j)`` with each judge's
      log-stretch error ``l_hat_j - l_j ~ N(0, V_j)`` drawn once for all of that judge's sheets
      (``x_ej`` the sheet's distance from the centre): a judge whose stretch is off moves their
      high-scored entries up together and their low-scored ones down together;
    - posterior draw: ``m + L (v_hat - m) + sqrt(L) (v_hat - v)*`` with the shrinkage factor
      ``L = T^2 / (T^2 + se^2)`` per entry and ``(v_hat - v)*`` a draw of the correlated error.
      With independent errors this is the exact normal posterior; with the correlated part it
      keeps the joint structure (a judge's bias or stretch error moves that judge's entries
      together) at the cost of an approximation in the cross terms.

    An entry with a large standard error is pulled toward the middle and spread widely, so a
    high estimate made of little evidence does not claim a safe prize.

Bootstrap (``judges+sheets``, ``judges``, ``sheets``)
    Each replicate reweights the data with Poisson(1) counts (the Poisson bootstrap, a fast,
    vectorisable stand-in for drawing with replacement): by default one count per *judge* (a
    judge drawn twice counts double, a judge not drawn vanishes) times one count per *sheet*.
    Resampling judges captures the uncertainty of who happened to sit on the panel, resampling
    sheets the noise of single sheets; together they are deliberately on the cautious side.
    The values are recomputed in every replicate by the same method:

    - ``raw`` / ``zscore`` / ``ls``: the method itself on the reweighted sheets;
    - ``calibrated``: the additive judge model re-solved on the reweighted sheets with the noise
      level, bias prior, robust weights and stretches of the full fit held fixed (one linear
      solve per replicate instead of a full re-fit; these hyper-parameters move little between
      replicates, and holding them keeps 200 replicates well inside seconds).

    An entry whose sheets all drop out of a replicate is not evaluable there; its probabilities
    are over the replicates where it is.

Outputs per entry
    ``p_keep_level`` — share of replicates where the award allocation (same levels, categories
    and extra points) gives the entry the level it has on the full data (for an entry without an
    award: that it again gets none); ``p_top_k`` — share of replicates in which it is among the
    ``top_k`` totals; ``interval`` — the equal-tailed ``confidence`` (default 90 %) percentile
    interval of its value; ``grey_zone`` when 0.1 < p_keep_level < 0.9, the NIPS-2014 rule for
    "send to discussion".

Units: points of the rubric scale (values); probabilities in [0, 1].  Seeded: the same inputs
and seed give the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

from judging import awards as awards_mod
from judging.normalize import Normalized, Sheets, _solve_additive, components, judge_gauge, normalize, sheet_pairs

RESAMPLING = ("posterior", "judges+sheets", "judges", "sheets")
DEFAULT_RESAMPLING = "posterior"


@dataclass(frozen=True)
class EntryStability:
    entry_id: str
    value: float
    interval: tuple[float, float]
    level: str | None
    p_keep_level: float | None
    p_top_k: float
    grey_zone: bool
    n_evaluable: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["interval"] = list(self.interval)
        return d


@dataclass(frozen=True)
class Stability:
    method: str
    n_resamples: int
    seed: int
    resample: str
    top_k: int
    confidence: float
    entries: list[EntryStability]

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "entries"}
        d["entries"] = [e.to_dict() for e in self.entries]
        return d


def replicate_weights(sheets: Sheets, n_resamples: int, seed: int, resample: str) -> np.ndarray:
    """Poisson(1) bootstrap weights, shape (n_resamples, n_sheets)."""
    if resample not in RESAMPLING or resample == "posterior":
        raise ValueError(f"resample must be one of {RESAMPLING}")
    rng = np.random.default_rng(seed)
    n = sheets.total.size
    w = np.ones((n_resamples, n))
    if "judges" in resample:
        w *= rng.poisson(1.0, (n_resamples, sheets.n_judges))[:, sheets.judge]
    if "sheets" in resample:
        w *= rng.poisson(1.0, (n_resamples, n))
    return w * sheets.sheet_weights()[None, :]


def bootstrap_values(
    sheets: Sheets,
    fit: Normalized,
    n_resamples: int = 200,
    seed: int = 0,
    resample: str = "judges+sheets",
) -> np.ndarray:
    """Replicate values, shape (n_resamples, n_entries); NaN where an entry lost all its sheets.

    ``resample="posterior"`` returns draws of the true values instead (:func:`posterior_values`).
    """
    if resample == "posterior":
        return posterior_values(sheets, fit, n_resamples, seed)
    weights = replicate_weights(sheets, n_resamples, seed, resample)
    E = sheets.n_entries
    indicator = sparse.csr_matrix(
        (np.ones(sheets.total.size), (np.arange(sheets.total.size), sheets.entry)),
        shape=(sheets.total.size, E),
    )
    wsum = np.asarray((indicator.T @ weights.T).T)
    alive = wsum > 0
    if fit.method == "raw":
        wy = np.asarray((indicator.T @ (weights * sheets.total[None, :]).T).T)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(alive, wy / np.where(alive, wsum, 1.0), np.nan)
    out = np.full((n_resamples, E), np.nan)
    if fit.method == "calibrated":
        _, _, comp_j = components(sheets)
        n_comp = int(comp_j.max()) + 1
        J = sheets.n_judges
        gauge = judge_gauge(comp_j, n_comp, fit.judge_weight)
        center = float(np.average(sheets.total, weights=sheets.sheet_weights()))
        stretch = fit.judge_scale
        y_adj = center + (sheets.total - center) / stretch[sheets.judge]
        base = sheets.sheet_weights()
        # The fit's sheet weights already include the data weights; divide them out once.
        robust = np.where(base > 0, fit.sheet_weight / np.where(base > 0, base, 1.0), 0.0)
        sigma2 = fit.sigma**2
        # The bias prior of the full fit is held fixed too.
        prior = 1.0 / fit.bias_prior_var if fit.bias_prior_var is not None else np.zeros(J)
        # A sheet left out of a replicate weighs 0, so every replicate shares the panel's pairs.
        pairs = sheet_pairs(sheets.entry, E)
        for r in range(n_resamples):
            precision = weights[r] * robust * stretch[sheets.judge] ** 2 / sigma2
            solved = _solve_additive(sheets.entry, sheets.judge, y_adj, precision, prior, E, J, gauge, pairs)
            out[r] = np.where(alive[r], solved.values, np.nan)
        return out
    if fit.method == "median":
        raise ValueError("the median has no weighted form; bootstrap it with another method")
    for r in range(n_resamples):
        keep = weights[r] > 0
        if not keep.any():
            continue  # every sheet dropped out: nothing is evaluable in this replicate
        entries_kept = np.unique(sheets.entry[keep])
        sub = Sheets(
            tuple(sheets.entry_ids[i] for i in entries_kept),
            sheets.judge_ids,
            np.searchsorted(entries_kept, sheets.entry[keep]),
            sheets.judge[keep],
            sheets.total[keep],
            sheets.scale,
            weights[r][keep],
        )
        out[r, entries_kept] = normalize(sub, fit.method, fit.params or None).values
    return out


def value_prior(values: np.ndarray, stderr: np.ndarray) -> tuple[float, float]:
    """Mean and variance of the entries' true values, by moments: the values' spread minus noise.

    Floored at a tenth of the values' own variance so one round where the noise seems to explain
    everything does not collapse every entry onto the mean.
    """
    ok = np.isfinite(values) & np.isfinite(stderr)
    if ok.sum() < 2:
        return float(np.nanmean(values)) if ok.any() else 0.0, np.inf
    v, se2 = values[ok], stderr[ok] ** 2
    m = float(np.mean(v))
    total = float(np.var(v, ddof=1))
    return m, max(total - float(np.mean(se2)), 0.1 * total, 1e-12)


def posterior_values(sheets: Sheets, fit: Normalized, n_draws: int = 200, seed: int = 0) -> np.ndarray:
    """Draws of the entries' true values, shape (n_draws, n_entries) (the module docstring)."""
    rng = np.random.default_rng(seed)
    E, J = sheets.n_entries, sheets.n_judges
    values = np.asarray(fit.values, dtype=float)
    stderr = np.asarray(fit.stderr, dtype=float)
    if fit.method in ("calibrated", "ls"):
        _, _, comp_j = components(sheets)
        n_comp = int(comp_j.max()) + 1
        gauge = judge_gauge(comp_j, n_comp, fit.judge_weight)
        stretch = fit.judge_scale
        center = fit.center if fit.center is not None else float(np.mean(sheets.total))
        y_adj = center + (sheets.total - center) / stretch[sheets.judge]
        precision = fit.sheet_weight * stretch[sheets.judge] ** 2 / fit.sigma**2
        keep = precision > 0
        prior = 1.0 / fit.bias_prior_var if fit.bias_prior_var is not None else np.zeros(J)
        solved = _solve_additive(
            sheets.entry[keep], sheets.judge[keep], y_adj[keep], precision[keep], prior, E, J, gauge
        )
        # The biases' error, correlated across judges: C = L L^T (eigen form: C is only
        # positive semi-definite once conditioned on the gauge).
        evals, evecs = np.linalg.eigh((solved.cov_b + solved.cov_b.T) / 2)
        root = evecs * np.sqrt(np.clip(evals, 0.0, None))[None, :]
        bias_err = rng.standard_normal((n_draws, J)) @ root.T
        if fit.bias_var_ratio is not None:
            bias_err = bias_err * np.sqrt(fit.bias_var_ratio)[None, :]
        shared = -(solved.m_matrix @ bias_err.T).T
        if fit.stretch_var is not None and np.any(fit.stretch_var > 0):
            # A judge's stretch error is one number for all of that judge's sheets: it moves the
            # judge's high-scored entries up together and the low ones down together, so it is
            # drawn per judge, not as noise of each entry on its own.
            log_sd = np.where(
                np.isfinite(fit.judge_scale_se), np.nan_to_num(fit.judge_scale_se) / stretch, 0.0
            )
            share = np.where(keep, precision, 0.0) / np.where(solved.d_entry > 0, solved.d_entry, 1.0)[sheets.entry]
            lever = solved.values[sheets.entry] + solved.bias[sheets.judge] - center
            per_sheet = sparse.csr_matrix((share * lever, (sheets.entry, sheets.judge)), shape=(E, J))
            log_err = rng.standard_normal((n_draws, J)) * log_sd[None, :]
            shared = shared + (per_sheet @ log_err.T).T
        if fit.noise_var is not None:
            own_var = fit.noise_var
        else:
            d = solved.d_entry
            own_var = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), np.inf)
        error = shared + rng.standard_normal((n_draws, E)) * np.sqrt(own_var)[None, :]
    else:
        error = rng.standard_normal((n_draws, E)) * stderr[None, :]
    m, t2 = value_prior(values, stderr)
    shrink = t2 / (t2 + stderr**2) if np.isfinite(t2) else np.ones(E)
    draws = m + shrink[None, :] * (values[None, :] - m) + np.sqrt(shrink)[None, :] * error
    return np.where(np.isfinite(draws), draws, np.nan)


def summarize(
    entry_ids: Sequence[str],
    values: np.ndarray,
    replicates: np.ndarray,
    *,
    levels: Sequence[awards_mod.Level] | None = None,
    categories: Mapping[str, str] | None = None,
    extra_points: Mapping[str, float] | None = None,
    top_k: int = 10,
    confidence: float = 0.90,
    decimals: int = 2,
) -> list[EntryStability]:
    """Per-entry probabilities and intervals from replicate values (see the module docstring)."""
    E = len(entry_ids)
    extra = np.array([float((extra_points or {}).get(e, 0.0)) for e in entry_ids])
    totals = replicates + extra[None, :]
    R = replicates.shape[0]
    evaluable = np.isfinite(totals)
    filled = np.where(evaluable, totals, -np.inf)
    k = max(1, min(int(top_k), E))
    kth = -np.partition(-filled, k - 1, axis=1)[:, k - 1]
    in_top = (filled >= kth[:, None]) & evaluable
    n_eval = evaluable.sum(axis=0)
    p_top = np.where(n_eval > 0, in_top.sum(axis=0) / np.maximum(n_eval, 1), 0.0)
    alpha = (1 - confidence) / 2
    with np.errstate(all="ignore"):
        lo = np.nanquantile(np.where(evaluable, replicates, np.nan), alpha, axis=0) if R else values
        hi = np.nanquantile(np.where(evaluable, replicates, np.nan), 1 - alpha, axis=0) if R else values

    level_full: dict[str, str | None] = {}
    keep = np.zeros(E)
    if levels:
        full = dict(zip(entry_ids, (values + extra).tolist()))
        level_full = awards_mod.award_levels(full, levels, categories, decimals=decimals)
        for r in range(R):
            alive = np.flatnonzero(evaluable[r])
            scores = {entry_ids[i]: float(totals[r, i]) for i in alive}
            got = awards_mod.award_levels(scores, levels, categories, decimals=decimals)
            for i in alive:
                keep[i] += got[entry_ids[i]] == level_full[entry_ids[i]]
    result = []
    for i, e in enumerate(entry_ids):
        p_keep = float(keep[i] / n_eval[i]) if levels and n_eval[i] else None
        result.append(
            EntryStability(
                entry_id=e,
                value=float(values[i]),
                interval=(float(lo[i]), float(hi[i])),
                level=level_full.get(e),
                p_keep_level=p_keep,
                p_top_k=float(p_top[i]),
                grey_zone=p_keep is not None and 0.1 < p_keep < 0.9,
                n_evaluable=int(n_eval[i]),
            )
        )
    return result
