"""Conflicts of interest: the one place that decides whether a judge may see an entry.

A conflict is a hard rule: no assignment, no access to the entry's files or
scores.  It arises from any of:

* a declaration naming the entry (by the judge, an organizer, or a recusal);
* a declaration naming an organization that is the entry's or one of its authors';
* one of the judge's organizations being the entry's or an author's (found automatically);
* the applicant naming one of the judge's organizations, or the judge by their whole name;
* two organization names that look alike (:func:`contest.organizations.near_match`) which an organizer
  has not yet said are different organizations.

A judge's organizations are the one the organizers recorded on the profile, every affiliation an organizer
confirmed that had not ended before the entry's edition opened, and every one the judge proposed that is still
waiting: the judge's own edit can add a conflict, never lift one.  Names are compared as organizations of the
organizers' list (:mod:`contest.organizations`), so its merges and aliases count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.models import (
    AffiliationStatus,
    ConflictOfInterest,
    ConflictSource,
    Edition,
    Entry,
    JudgeAffiliation,
    NearMatchVerdict,
    User,
)
from contest.organizations import OrganizationIndex, near_match, organization_key
from contest.search import fold as _fold

NEAR_UNCONFIRMED = "near:unconfirmed"
NEAR_CONFIRMED = "near:confirmed"

# Titles and forms of address written before a name; "PGS.TS. Nguyễn Văn An" is the person "nguyen van an".
PERSON_TITLES = frozenset({
    "gs", "pgs", "ts", "tskh", "ths", "ks", "bs", "ds", "cn", "ncs", "ong", "ba", "anh", "chi", "thay", "co",
    "dr", "prof", "mr", "mrs", "ms",
})
MIN_PERSON_WORDS = 2
MIN_PERSON_LETTERS = 5


@lru_cache(maxsize=4096)
def fold(name: str | None) -> str:
    """``contest.search.fold`` for the short names compared here, remembered: every judge page
    checks the same organizations and people again."""
    return _fold(name)


@lru_cache(maxsize=4096)
def _organization_key(name: str | None) -> str:
    return organization_key(name)


@lru_cache(maxsize=4096)
def person_key(name: str | None) -> str:
    """A person's whole name, folded, without punctuation or the titles before it."""
    words = re.sub(r"[^\w\s]", " ", fold(name)).split()
    while words and words[0] in PERSON_TITLES:
        words = words[1:]
    return " ".join(words)


def names_a_whole_person(name: str | None) -> bool:
    """A person-name declaration must name someone: two words and five letters at least once folded."""
    key = person_key(name)
    return len(key.split()) >= MIN_PERSON_WORDS and len(key.replace(" ", "")) >= MIN_PERSON_LETTERS


@dataclass(frozen=True)
class Finding:
    """One reason a judge may not judge an entry, with the two names that met (for the organizer)."""

    code: str
    judge_side: str | None = None
    entry_side: str | None = None


def window_start(edition: Edition) -> datetime:
    """From when an edition's conflicts look back: an organization the judge left before it opened is past."""
    return edition.registration_opens_at or edition.created_at


@dataclass
class ConflictContext:
    """What many conflict checks share, loaded once: the organizations list, the organizers' near-match
    decisions, and the judges' declarations and affiliations."""

    index: OrganizationIndex = field(default_factory=OrganizationIndex.load)
    declared: dict[int, list[ConflictOfInterest]] = field(default_factory=dict)
    affiliations: dict[int, list[JudgeAffiliation]] = field(default_factory=dict)

    @classmethod
    def for_judges(cls, judges: Iterable[User]) -> ConflictContext:
        context = cls()
        context.load(judges)
        return context

    def load(self, judges: Iterable[User]) -> None:
        ids = [j.id for j in judges if j.id not in self.declared]
        if not ids:
            return
        for judge_id in ids:
            self.declared[judge_id] = []
            self.affiliations[judge_id] = []
        for conflict in db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.judge_id.in_(ids))):
            self.declared[conflict.judge_id].append(conflict)
        for affiliation in db.session.scalars(select(JudgeAffiliation).where(JudgeAffiliation.judge_id.in_(ids))):
            self.affiliations[affiliation.judge_id].append(affiliation)

    def judge_organizations(self, judge: User, edition: Edition) -> list[str]:
        """Every organization name that binds ``judge`` for entries of ``edition``."""
        self.load([judge])
        names = []
        if judge.judge_profile is not None and judge.judge_profile.organization:
            names.append(judge.judge_profile.organization)
        start = window_start(edition)
        for affiliation in self.affiliations[judge.id]:
            if affiliation.status == AffiliationStatus.REJECTED.value:
                continue
            if affiliation.ended_at is not None and start is not None and affiliation.ended_at < start:
                continue
            names.append(affiliation.organization.name if affiliation.organization else affiliation.typed_name)
            names.append(affiliation.typed_name)
        return list(dict.fromkeys(n for n in names if _organization_key(n)))


def _entry_organizations(entry: Entry) -> list[str]:
    names = [entry.organization] + [m.organization for m in entry.members]
    return list(dict.fromkeys(n for n in names if n and _organization_key(n)))


def conflict_findings(judge: User, entry: Entry, declared: Iterable[ConflictOfInterest] | None = None,
                      context: ConflictContext | None = None) -> list[Finding]:
    """Why ``judge`` may not judge ``entry``, each reason with the names that met (empty: no conflict)."""
    context = context or ConflictContext()
    if declared is None:
        context.load([judge])
        declared = context.declared[judge.id]
    index = context.index

    def identity(name: str) -> str:
        return index.identity(_organization_key(name))

    findings: list[Finding] = []
    entry_orgs = _entry_organizations(entry)
    entry_ids = {identity(n) for n in entry_orgs}
    judge_orgs = context.judge_organizations(judge, entry.edition)
    judge_ids = {identity(n) for n in judge_orgs}
    declared_orgs: list[tuple[str, str]] = []  # (name, source) of the judge-side declarations
    for conflict in declared:
        if conflict.entry_id == entry.id:
            findings.append(Finding(f"declared:{conflict.source}"))
        elif conflict.organization:
            declared_orgs.append((conflict.organization, conflict.source))
            if identity(conflict.organization) in entry_ids:
                findings.append(Finding(f"organization:{conflict.source}", conflict.organization,
                                        next(n for n in entry_orgs if identity(n) == identity(conflict.organization))))
    for name in judge_orgs:
        if identity(name) in entry_ids:
            findings.append(Finding("automatic:same_organization", name,
                                    next(n for n in entry_orgs if identity(n) == identity(name))))
            break
    if any(m.user_id == judge.id for m in entry.members) or entry.owner_id == judge.id:
        findings.append(Finding("automatic:author"))
    judge_person = person_key(judge.full_name)
    applicant_orgs = []
    for named in entry.conflict_declarations:
        if named.organization:
            applicant_orgs.append(named.organization)
            if identity(named.organization) in judge_ids:
                findings.append(Finding("applicant:organization",
                                        next(n for n in judge_orgs if identity(n) == identity(named.organization)),
                                        named.organization))
        person = named.person_name
        if person and names_a_whole_person(person) and person_key(person) == judge_person:
            findings.append(Finding("applicant:person", judge.full_name, named.person_name))

    # Names that look alike but are not one organization of the list: an organizer decides.
    judge_side = list(dict.fromkeys([*judge_orgs, *(name for name, _source in declared_orgs)]))
    entry_side = list(dict.fromkeys([*entry_orgs, *applicant_orgs]))
    for mine in judge_side:
        for theirs in entry_side:
            if identity(mine) == identity(theirs):
                continue
            first, second = _organization_key(mine), _organization_key(theirs)
            if not near_match(first, second):
                continue
            verdict = index.verdict(first, second)
            if verdict == NearMatchVerdict.CONFLICT.value:
                findings.append(Finding(NEAR_CONFIRMED, mine, theirs))
            elif verdict is None:
                findings.append(Finding(NEAR_UNCONFIRMED, mine, theirs))
    return findings


def conflict_reasons(judge: User, entry: Entry, declared: Iterable[ConflictOfInterest] | None = None,
                     context: ConflictContext | None = None) -> list[str]:
    """Why ``judge`` may not judge ``entry`` (an empty list means no conflict).

    ``declared`` may pass the judge's declarations and ``context`` what is shared when checking many pairs.
    An undecided near match counts as a conflict until an organizer decides it.
    """
    return list(dict.fromkeys(f.code for f in conflict_findings(judge, entry, declared, context)))


def is_conflicted(judge: User, entry: Entry) -> bool:
    return bool(conflict_reasons(judge, entry))


def conflict_mask(entries: Sequence[Entry], judges: Sequence[User],
                  context: ConflictContext | None = None) -> np.ndarray:
    """An entries × judges boolean matrix, True where the pair is in conflict."""
    context = context or ConflictContext.for_judges(judges)
    mask = np.zeros((len(entries), len(judges)), dtype=bool)
    for i, entry in enumerate(entries):
        for j, judge in enumerate(judges):
            mask[i, j] = bool(conflict_findings(judge, entry, context.declared[judge.id], context))
    return mask


@dataclass(frozen=True)
class UndecidedNearMatch:
    judge: User
    entry: Entry
    judge_organization: str
    entry_organization: str


def undecided_near_matches(entries: Sequence[Entry], judges: Sequence[User],
                           context: ConflictContext | None = None) -> list[UndecidedNearMatch]:
    """Pairs kept apart only by names that look alike and that no organizer has decided yet."""
    context = context or ConflictContext.for_judges(judges)
    found = []
    for entry in entries:
        for judge in judges:
            findings = conflict_findings(judge, entry, context.declared[judge.id], context)
            if findings and all(f.code == NEAR_UNCONFIRMED for f in findings):
                found.extend(UndecidedNearMatch(judge, entry, f.judge_side or "", f.entry_side or "")
                             for f in findings)
    return found


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
        if entry is not None or _organization_key(existing.organization) == _organization_key(organization):
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
