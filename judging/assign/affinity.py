"""How well a judge's expertise fits an entry, as a number the solver maximises."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

CATEGORY_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.5


def normalize_term(term: str) -> str:
    """Canonical form of a category or keyword for matching.

    Unicode NFC, case-folded, inner white space collapsed.  Vietnamese tone
    marks are kept on purpose: "má" and "ma" are different words, so folding
    them away would invent matches.
    """
    return " ".join(unicodedata.normalize("NFC", term).casefold().split())


def _terms(items: Iterable[str]) -> frozenset[str]:
    return frozenset(t for t in (normalize_term(item) for item in items) if t)


def affinity_from_expertise(
    entry_categories: Sequence[str],
    entry_keywords: Sequence[Iterable[str]],
    judge_expertise: Sequence[Iterable[str]],
    *,
    category_weight: float = CATEGORY_WEIGHT,
    keyword_weight: float = KEYWORD_WEIGHT,
) -> np.ndarray:
    """Affinity matrix (entries × judges) from declared expertise.

    Model: ``affinity[e, j] = category_weight · [category(e) ∈ expertise(j)]
    + keyword_weight · |keywords(e) ∩ expertise(j)| / |keywords(e)|``.

    A matching category counts most (1.0 by default); keyword overlap adds up
    to 0.5, as the share of the entry's keywords the judge covers, so an entry
    with many keywords is not favoured over one with few.  An entry without
    keywords scores on its category alone.  Terms are compared after
    :func:`normalize_term`.  The result is a new float array with values in
    ``[0, category_weight + keyword_weight]``; organisers may adjust it before
    passing it to :func:`judging.assign.assign`.
    """
    if len(entry_categories) != len(entry_keywords):
        raise ValueError(
            f"entry_categories has {len(entry_categories)} items but entry_keywords has {len(entry_keywords)}"
        )
    if category_weight < 0 or keyword_weight < 0:
        raise ValueError("weights must be non-negative")
    categories = [normalize_term(c) for c in entry_categories]
    keywords = [_terms(k) for k in entry_keywords]
    expertise = [_terms(x) for x in judge_expertise]
    affinity = np.zeros((len(categories), len(expertise)), dtype=float)
    for j, known in enumerate(expertise):
        for e, (category, words) in enumerate(zip(categories, keywords)):
            score = category_weight if category and category in known else 0.0
            if words:
                score += keyword_weight * len(words & known) / len(words)
            affinity[e, j] = score
    return affinity
