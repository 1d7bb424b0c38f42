"""The one entry point the web application calls: scores in, a reproducible evaluation out.

Model
    ``scores`` are rubric points, one item per (entry, judge, criterion).  A judge's sheet for
    an entry is totalled with :func:`judging.rubric.weighted_total` (criteria left blank are
    skipped and the sheet is flagged ``incomplete_sheet``), the sheet totals are turned into
    one value per entry with a standard error by :func:`judging.normalize.normalize` (default
    ``calibrated``), ranked by :func:`judging.rank.rank`, and diagnosed by
    :mod:`judging.reliability` (always from a ``calibrated`` fit, whatever the ranking method,
    since judge bias is only visible through the judge model).

Reproducibility
    ``input_sha256`` is the SHA-256 of a canonical UTF-8 text of every input that decides the
    result: the line ``judging-input-v1``; the rubric as ``rubric|<scale>`` and one
    ``criterion|key|weight|min|max|step`` line per criterion in rubric order; ``method|<name>``;
    ``params|<json with sorted keys>``; one ``score|entry|judge|criterion|value`` line per score
    sorted by (entry, judge, criterion), numbers written with ``repr`` of the float (shortest
    round-trip form, so 7.5 -> ``7.5``), a blank score as the empty string; and one
    ``code|entry|reference`` line per reference code, sorted.  Lines are joined with ``\\n``.
    See :func:`canonical_text`.

Units: points of ``rubric.scale``.  Nothing passed in is modified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from judging import __version__, reliability
from judging import awards as awards_mod
from judging import stability as stability_mod
from judging.awards import Award, AwardList, Level
from judging.normalize import DEFAULT_METHOD, METHODS, Normalized, Sheets, normalize
from judging.rank import DEFAULT_DECIMALS, rank
from judging.rubric import UNKNOWN_CRITERION, Criterion, Rubric, check_score, contest_rubric
from judging.vote import combine, vote_points

# The web application needs only this module: the types it builds or reads are re-exported.
__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "Award",
    "AwardList",
    "Criterion",
    "Evaluation",
    "InvalidScores",
    "Level",
    "RankedEntry",
    "Rubric",
    "SheetError",
    "allocate_awards",
    "canonical_text",
    "combine",
    "contest_rubric",
    "evaluate",
    "stability",
    "vote_points",
]

DUPLICATE = "duplicate"
BAD_ID = "bad_id"


@dataclass(frozen=True)
class SheetError:
    """One invalid score: where it is (entry, judge, criterion, 0-based item index) and why."""

    entry_id: str
    judge_id: str
    criterion: str
    code: str
    index: int
    value: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class InvalidScores(ValueError):
    """The scores cannot be evaluated; ``errors`` lists every problem found."""

    def __init__(self, errors: list[SheetError]):
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"{first.code} at item {first.index}: entry {first.entry_id!r}, judge {first.judge_id!r}, "
            f"criterion {first.criterion!r}{more}"
        )


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    entry_id: str
    score: float  # points of the rubric scale
    stderr: float  # points
    raw_mean: float  # plain mean of the sheet totals, points
    n_sheets: int
    tied: bool
    flags: tuple[str, ...]
    component: int
    primary_mean: float | None  # mean points on the highest-weight criterion (tie-break)
    missing_sheets: int  # sheets with a blank criterion
    reference_code: str | None

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["flags"] = list(self.flags)
        return d


@dataclass(frozen=True)
class Evaluation:
    ranking: list[RankedEntry]
    judges: list[reliability.JudgeStats]
    agreement: reliability.Agreement
    components: list[dict]  # [{"component": i, "entries": [...], "judges": [...]}]
    method: str
    params: dict
    scale: float
    engine_version: str
    input_sha256: str
    warnings: list[str]
    unscored: list[str]  # entries whose every sheet is blank
    sheets: Sheets = field(repr=False, compare=False)
    fit: Normalized = field(repr=False, compare=False)
    # The calibrated fit the judge report was read from (``fit`` itself for that method).
    judge_fit: Normalized | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.judge_fit is None:
            object.__setattr__(self, "judge_fit", self.fit)

    @property
    def connected(self) -> bool:
        return len(self.components) <= 1

    def scores(self) -> dict[str, float]:
        return {r.entry_id: r.score for r in self.ranking}

    def adjusted_totals(self) -> dict[tuple[str, str], float]:
        """Each sheet's total as the panel would have given it: (entry, judge) -> points.

        ``c + (total - c - bias_j) / stretch_j`` with ``c`` = ``params["stretch_center"]``: the
        judge's leniency removed and their stretch undone (``total - bias_j`` without a stretch).
        """
        s, f = self.sheets, self.judge_fit
        c = f.center if f.center is not None else 0.0
        adj = c + (s.total - c - f.bias[s.judge]) / f.judge_scale[s.judge]
        return {(s.entry_ids[e], s.judge_ids[j]): float(a) for e, j, a in zip(s.entry, s.judge, adj)}

    def to_dict(self) -> dict:
        return {
            "engine_version": self.engine_version,
            "method": self.method,
            "params": self.params,
            "scale": self.scale,
            "input_sha256": self.input_sha256,
            "connected": self.connected,
            "components": self.components,
            "warnings": list(self.warnings),
            "unscored": list(self.unscored),
            "ranking": [r.to_dict() for r in self.ranking],
            "judges": [j.to_dict() for j in self.judges],
            "agreement": self.agreement.to_dict(),
        }


def _fmt(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def canonical_text(
    items: Sequence[tuple[str, str, str, float | None]],
    rubric: Rubric,
    method: str,
    params: Mapping | None,
    reference_codes: Mapping[str, str] | None,
) -> str:
    """The canonical form hashed into ``input_sha256`` (module docstring)."""
    lines = ["judging-input-v1", f"rubric|{_fmt(rubric.scale)}"]
    for c in rubric.criteria:
        lines.append(
            f"criterion|{c.key}|{_fmt(c.weight)}|{_fmt(c.minimum)}|{_fmt(c.maximum)}|{_fmt(c.step)}"
        )
    lines.append(f"method|{method}")
    lines.append(f"params|{json.dumps(dict(params or {}), sort_keys=True)}")
    for e, j, c, v in sorted(items, key=lambda t: (t[0], t[1], t[2])):
        lines.append(f"score|{e}|{j}|{c}|{_fmt(v)}")
    for e, code in sorted((reference_codes or {}).items()):
        lines.append(f"code|{e}|{code}")
    return "\n".join(lines)


def _collect(scores: Iterable, rubric: Rubric) -> list[tuple[str, str, str, float | None]]:
    items: list[tuple[str, str, str, float | None]] = []
    errors: list[SheetError] = []
    seen: set[tuple[str, str, str]] = set()
    for index, item in enumerate(scores):
        try:
            entry_id, judge_id, criterion, value = item
        except (TypeError, ValueError):
            errors.append(SheetError("", "", "", BAD_ID, index))
            continue
        if not all(isinstance(x, str) and x for x in (entry_id, judge_id, criterion)):
            errors.append(SheetError(str(entry_id), str(judge_id), str(criterion), BAD_ID, index))
            continue
        if criterion not in rubric:
            errors.append(SheetError(entry_id, judge_id, criterion, UNKNOWN_CRITERION, index))
            continue
        key = (entry_id, judge_id, criterion)
        if key in seen:
            errors.append(SheetError(entry_id, judge_id, criterion, DUPLICATE, index))
            continue
        seen.add(key)
        if value is not None:
            problem = check_score(rubric[criterion], value)
            if problem is not None:
                errors.append(
                    SheetError(
                        entry_id, judge_id, criterion, problem.code, index,
                        problem.value, problem.minimum, problem.maximum, problem.step,
                    )
                )
                continue
            value = float(value)
        items.append((entry_id, judge_id, criterion, value))
    if errors:
        raise InvalidScores(errors)
    if not items:
        raise InvalidScores([SheetError("", "", "", "no_scores", 0)])
    return items


def evaluate(
    scores: Iterable[tuple[str, str, str, float | None]],
    rubric: Rubric,
    method: str = DEFAULT_METHOD,
    reference_codes: Mapping[str, str] | None = None,
    params: Mapping | None = None,
    *,
    decimals: int = DEFAULT_DECIMALS,
    disagree_fraction: float = reliability.DISAGREE_FRACTION,
) -> Evaluation:
    """Evaluate a round: validate, total, normalise, rank and diagnose.

    Raises :class:`InvalidScores` listing every invalid item (unknown criterion, duplicate,
    out of range, off step, not a number, bad id) — nothing is evaluated from invalid input.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    params = dict(params or {})
    if params and method not in ("calibrated", "ls"):
        raise ValueError(f"method {method!r} takes no parameters")
    items = _collect(scores, rubric)

    # Sheets: (entry, judge) -> criterion -> points.
    sheet_points: dict[tuple[str, str], dict[str, float | None]] = {}
    for e, j, c, v in items:
        sheet_points.setdefault((e, j), {})[c] = v
    keys = rubric.keys
    weights = np.array([c.weight for c in rubric.criteria])
    lows = np.array([c.minimum for c in rubric.criteria])
    spans = np.array([c.maximum - c.minimum for c in rubric.criteria])
    pairs = sorted(sheet_points)
    column = {k: i for i, k in enumerate(keys)}
    points = np.full((len(pairs), len(keys)), np.nan)
    for row, p in enumerate(pairs):
        for k, v in sheet_points[p].items():
            if v is not None:
                points[row, column[k]] = v
    present = np.isfinite(points)
    w_present = present * weights[None, :]
    norm = np.where(present, (points - lows[None, :]) / spans[None, :], 0.0)
    wsum = w_present.sum(axis=1)
    usable = wsum > 0
    totals = rubric.scale * (w_present * norm).sum(axis=1) / np.where(usable, wsum, 1.0)
    incomplete = ~present.all(axis=1)

    all_entries = sorted({p[0] for p in pairs})
    used_pairs = [p for p, ok in zip(pairs, usable) if ok]
    entry_ids = tuple(sorted({p[0] for p in used_pairs}))
    judge_ids = tuple(sorted({p[1] for p in used_pairs}))
    unscored = [e for e in all_entries if e not in set(entry_ids)]
    if not entry_ids:
        raise InvalidScores([SheetError("", "", "", "no_scores", 0)])
    e_index = {e: i for i, e in enumerate(entry_ids)}
    j_index = {j: i for i, j in enumerate(judge_ids)}
    sheets = Sheets(
        entry_ids,
        judge_ids,
        np.array([e_index[p[0]] for p in used_pairs], dtype=np.intp),
        np.array([j_index[p[1]] for p in used_pairs], dtype=np.intp),
        totals[usable],
        rubric.scale,
    )
    E = sheets.n_entries
    fit = normalize(sheets, method, params or None)
    judge_fit = fit if method == "calibrated" else normalize(sheets, "calibrated", None)

    raw_mean = np.bincount(sheets.entry, weights=sheets.total, minlength=E) / np.bincount(sheets.entry, minlength=E)
    n_sheets = np.bincount(sheets.entry, minlength=E)
    # Missing sheets count every incomplete sheet, blank ones included.
    missing = np.zeros(E, dtype=int)
    for p, inc in zip(pairs, incomplete):
        if inc and p[0] in e_index:
            missing[e_index[p[0]]] += 1
    primary = keys.index(rubric.primary_criterion().key)
    prim_vals = points[usable][:, primary]
    prim_ok = np.isfinite(prim_vals)
    prim_n = np.bincount(sheets.entry[prim_ok], minlength=E)
    prim_sum = np.bincount(sheets.entry[prim_ok], weights=prim_vals[prim_ok], minlength=E)
    primary_mean = [float(prim_sum[i] / prim_n[i]) if prim_n[i] else None for i in range(E)]

    judges = reliability.judge_report(sheets, judge_fit)
    flags = reliability.entry_flags(sheets, judges, disagree_fraction=disagree_fraction)
    largest = int(np.argmax(np.bincount(fit.component))) if fit.n_components > 1 else 0
    for i in range(E):
        if missing[i]:
            flags[i].append("incomplete_sheet")
        if fit.n_components > 1 and fit.component[i] != largest:
            flags[i].append("separate_component")

    ranked = rank(
        list(entry_ids),
        fit.values.tolist(),
        primary_means=primary_mean,
        missing_sheets=missing.tolist(),
        reference_codes=reference_codes,
        stderr=fit.stderr.tolist(),
        decimals=decimals,
    )
    ranking = [
        RankedEntry(
            rank=r.rank,
            entry_id=r.entry_id,
            score=r.score,
            stderr=float(fit.stderr[e_index[r.entry_id]]),
            raw_mean=float(raw_mean[e_index[r.entry_id]]),
            n_sheets=int(n_sheets[e_index[r.entry_id]]),
            tied=r.tied,
            flags=tuple(flags[e_index[r.entry_id]]),
            component=int(fit.component[e_index[r.entry_id]]),
            primary_mean=r.primary_mean,
            missing_sheets=r.missing_sheets,
            reference_code=r.reference_code,
        )
        for r in ranked
    ]
    comps = [
        {
            "component": c,
            "entries": [entry_ids[i] for i in np.flatnonzero(fit.component == c)],
            "judges": [judge_ids[i] for i in np.flatnonzero(fit.judge_component == c)],
        }
        for c in range(fit.n_components)
    ]
    warnings = []
    if fit.n_components > 1:
        warnings.append(
            f"disconnected_panel: the judge–entry graph has {fit.n_components} components; "
            "values are comparable across components only if each component's judges are fair on average"
        )
    if unscored:
        warnings.append(f"unscored_entries: {len(unscored)} entries have only blank sheets")
    effective = dict(fit.params) if fit.params else {}
    if fit.log_stretch_var is not None:
        # What the model decided about stretches, for the record and the reliability page.
        effective["stretch_var"] = fit.log_stretch_var
        effective["stretch_sd"] = float(np.sqrt(fit.log_stretch_var))
        effective["stretch_center"] = fit.center
        effective["judge_stretch"] = {
            judge_ids[j]: {"stretch": float(fit.judge_scale[j]), "se": float(fit.judge_scale_se[j])}
            for j in range(sheets.n_judges)
        }
    return Evaluation(
        ranking=ranking,
        judges=judges,
        agreement=reliability.agreement(sheets, judge_fit),
        components=comps,
        method=method,
        params=effective,
        scale=rubric.scale,
        engine_version=__version__,
        input_sha256=hashlib.sha256(
            canonical_text(items, rubric, method, params, reference_codes).encode("utf-8")
        ).hexdigest(),
        warnings=warnings,
        unscored=unscored,
        sheets=sheets,
        fit=fit,
        judge_fit=judge_fit,
    )


def _scores_of(evaluation_or_ranking) -> dict[str, float]:
    if isinstance(evaluation_or_ranking, Evaluation):
        return evaluation_or_ranking.scores()
    if isinstance(evaluation_or_ranking, Mapping):
        return {str(k): float(v) for k, v in evaluation_or_ranking.items()}
    return {r.entry_id: float(r.score) for r in evaluation_or_ranking}


def allocate_awards(
    evaluation_or_ranking,
    levels: Sequence[awards_mod.Level],
    categories: Mapping[str, str] | None = None,
    extra_points: Mapping[str, float] | None = None,
    *,
    decimals: int = DEFAULT_DECIMALS,
) -> awards_mod.AwardList:
    """Award levels down the total score (expert score + ``extra_points``, e.g. vote points).

    ``evaluation_or_ranking``: an :class:`Evaluation`, a list of ranking rows with ``entry_id``
    and ``score``, or a mapping entry id -> score.  ``categories``: entry id -> category, None
    for overall awards.  Extra points for unknown entries are an error.
    """
    scores = _scores_of(evaluation_or_ranking)
    extra = dict(extra_points or {})
    unknown = set(extra) - set(scores)
    if unknown:
        raise ValueError(f"extra points for unknown entries: {sorted(unknown)}")
    totals = {e: s + float(extra.get(e, 0.0)) for e, s in scores.items()}
    return awards_mod.allocate(totals, levels, categories, decimals=decimals)


def stability(
    evaluation: Evaluation,
    levels: Sequence[awards_mod.Level] | None = None,
    categories: Mapping[str, str] | None = None,
    extra_points: Mapping[str, float] | None = None,
    *,
    top_k: int = 10,
    n_resamples: int = 200,
    seed: int = 0,
    confidence: float = 0.90,
    resample: str = stability_mod.DEFAULT_RESAMPLING,
) -> stability_mod.Stability:
    """P(keeping the award level), P(top ``top_k``) and intervals per entry.

    By default from draws of the true values from the calibrated model's approximate
    posterior (:func:`judging.stability.posterior_values`); ``resample`` names a bootstrap
    instead ("judges+sheets", "judges", "sheets").
    """
    sheets, fit = evaluation.sheets, evaluation.fit
    replicates = stability_mod.bootstrap_values(sheets, fit, n_resamples, seed, resample)
    entries = stability_mod.summarize(
        list(sheets.entry_ids),
        fit.values,
        replicates,
        levels=levels,
        categories=categories,
        extra_points=extra_points,
        top_k=top_k,
        confidence=confidence,
    )
    order = {r.entry_id: i for i, r in enumerate(evaluation.ranking)}
    entries.sort(key=lambda s: order[s.entry_id])
    return stability_mod.Stability(
        evaluation.method, n_resamples, seed, resample, top_k, confidence, entries
    )
