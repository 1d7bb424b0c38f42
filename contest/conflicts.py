"""Conflicts of interest: the one place that decides whether a judge may see an entry.

A conflict is a hard rule: no assignment, no access to the entry's files or
scores.  It arises from any of:

* a declaration naming the entry (by the judge, an organizer, or a recusal);
* a declaration naming an organization that is the entry's or one of its authors';
* the judge's own organization being the entry's or an author's (found automatically);
* the applicant naming the judge's organization or the judge by name.

Organization and person names are compared diacritics- and case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.models import ConflictOfInterest, ConflictSource, Entry, User
from contest.search import fold as _fold


@lru_cache(maxsize=4096)
def fold(name: str | None) -> str:
    """``contest.search.fold`` for the short names compared here, remembered: every judge page
    checks the same organizations and people again."""
    return _fold(name)


def _entry_organizations(entry: Entry) -> set[str]:
    names = {fold(entry.organization)} | {fold(m.organization) for m in entry.members}
    return {n for n in names if n}


def conflict_reasons(judge: User, entry: Entry, declared: Iterable[ConflictOfInterest] | None = None) -> list[str]:
    """Why ``judge`` may not judge ``entry`` (an empty list means no conflict).

    ``declared`` may pass the judge's declarations when checking many entries at once.
    """
    if declared is None:
        declared = db.session.scalars(
            select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id)
        ).all()
    reasons = []
    entry_orgs = _entry_organizations(entry)
    for conflict in declared:
        if conflict.entry_id == entry.id:
            reasons.append(f"declared:{conflict.source}")
        elif conflict.organization and fold(conflict.organization) in entry_orgs:
            reasons.append(f"organization:{conflict.source}")
    profile = judge.judge_profile
    judge_org = fold(profile.organization) if profile else ""
    if judge_org and judge_org in entry_orgs:
        reasons.append("automatic:same_organization")
    if any(m.user_id == judge.id for m in entry.members) or entry.owner_id == judge.id:
        reasons.append("automatic:author")
    judge_name = fold(judge.full_name)
    for named in entry.conflict_declarations:
        if named.organization and judge_org and fold(named.organization) == judge_org:
            reasons.append("applicant:organization")
        if named.person_name and fold(named.person_name) and fold(named.person_name) in judge_name:
            reasons.append("applicant:person")
    return reasons


def is_conflicted(judge: User, entry: Entry) -> bool:
    return bool(conflict_reasons(judge, entry))


def conflict_mask(entries: Sequence[Entry], judges: Sequence[User]) -> np.ndarray:
    """An entries × judges boolean matrix, True where the pair is in conflict."""
    declared: dict[int, list[ConflictOfInterest]] = {j.id: [] for j in judges}
    if judges:
        for conflict in db.session.scalars(
            select(ConflictOfInterest).where(ConflictOfInterest.judge_id.in_([j.id for j in judges]))
        ):
            declared[conflict.judge_id].append(conflict)
    mask = np.zeros((len(entries), len(judges)), dtype=bool)
    for i, entry in enumerate(entries):
        for j, judge in enumerate(judges):
            mask[i, j] = bool(conflict_reasons(judge, entry, declared[judge.id]))
    return mask


def declare_conflict(
    judge: User,
    *,
    source: ConflictSource,
    entry: Entry | None = None,
    organization: str | None = None,
    reason: str | None = None,
    declared_by: User | None = None,
) -> ConflictOfInterest:
    """Record a conflict (idempotent for the same judge and entry or organization)."""
    if entry is None and not organization:
        raise ValueError("a conflict names an entry or an organization")
    query = select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id)
    if entry is not None:
        query = query.where(ConflictOfInterest.entry_id == entry.id)
    for existing in db.session.scalars(query):
        if entry is not None or fold(existing.organization) == fold(organization):
            return existing
    conflict = ConflictOfInterest(
        judge_id=judge.id,
        entry_id=entry.id if entry else None,
        organization=organization or None,
        source=source.value,
        reason=reason,
        declared_by_id=declared_by.id if declared_by else None,
    )
    db.session.add(conflict)
    audit.record(
        "conflict.declared",
        conflict,
        actor=declared_by,
        after={"judge_id": judge.id, "entry_id": conflict.entry_id, "organization": organization,
               "source": source.value},
        reason=reason,
    )
    return conflict
