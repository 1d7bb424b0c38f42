"""The one list of organizations the organizers keep, and how a typed name finds its organization.

Applicants and judges choose a name from the list or type a new one; a new name is recorded as *proposed*
until an organizer confirms it or merges it into an organization already kept. Every spelling stays attached
to its organization (``OrganizationName``), so "Trường ĐH Nông Lâm" and "Trường Đại học Nông Lâm" are one
organization for conflicts of interest once an organizer says so — and at once when they only differ in case,
diacritics, spacing, punctuation or a common abbreviation.

Normalization is deliberately conservative: explicit rules (:data:`ABBREVIATIONS`) make the exact key; what
they do not fold is caught by :func:`near_match` and shown to an organizer, never folded silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from sqlalchemy import select

from contest import audit
from contest.extensions import db
from contest.i18n import _
from contest.models import (
    JudgeAffiliation,
    NearMatchDecision,
    NearMatchVerdict,
    Organization,
    OrganizationName,
    OrganizationStatus,
    User,
    utcnow,
)
from contest.search import fold

# Abbreviations written out before comparing: each side of the table is one organization word, so
# "ĐH", "Đ.H." and "Đại học" give the same key. Only abbreviations that mean one thing in Vietnamese names.
ABBREVIATIONS: dict[str, str] = {
    "dh": "dai hoc",
    "dhqg": "dai hoc quoc gia",
    "cd": "cao dang",
    "cty": "cong ty",
    "tnhh": "trach nhiem huu han",
    "cp": "co phan",
    "mtv": "mot thanh vien",
    "hv": "hoc vien",
    "ubnd": "uy ban nhan dan",
    "tp": "thanh pho",
    "khcn": "khoa hoc va cong nghe",
    "thpt": "trung hoc pho thong",
    "thcs": "trung hoc co so",
    "bv": "benh vien",
    "ttyt": "trung tam y te",
}

# Words that say what kind of organization a name is, not which one: left out when looking for near matches
# ("Trường Đại học Nông Lâm" and "Đại học Nông Lâm Thái Nguyên" share "nong lam").  Longest first.
GENERIC_PREFIXES: tuple[str, ...] = tuple(sorted((
    "truong", "dai hoc", "dai hoc quoc gia", "cao dang", "hoc vien", "vien", "cong ty",
    "trach nhiem huu han", "mot thanh vien", "co phan", "tap doan", "trung tam", "so", "phong", "khoa",
    "bo mon", "benh vien", "uy ban nhan dan", "trung hoc pho thong", "trung hoc co so", "tieu hoc", "hop tac xa",
    "doanh nghiep", "chi nhanh", "nganh",
), key=lambda p: -len(p)))

_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
NEAR_RATIO = 0.9  # difflib ratio between two names' distinctive parts that counts as "looks alike"
MIN_DISTINCTIVE_LETTERS = 3


def organization_key(name: str | None) -> str:
    """The exact key of an organization name: case, diacritics, spacing, punctuation and the abbreviations
    of :data:`ABBREVIATIONS` folded, nothing else ("Công ty TNHH ABC" ≠ "Công ty CP ABC")."""
    text = fold(name).replace("&", " va ")
    # Dotted abbreviations ("Đ.H.", "T.P.") are one word: join their letters before punctuation becomes space.
    text = re.sub(r"\b(\w)\.(?=\w\.)", r"\1", text)
    text = re.sub(r"\b(\w)\.(\w)\.", r"\1\2", text)
    words = _PUNCTUATION.sub(" ", text).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)[:300]


def distinctive_part(key: str) -> str:
    """What is left of a key once the leading words that only say the kind of organization are removed."""
    rest = f" {key} "
    changed = True
    while changed:
        changed = False
        for prefix in GENERIC_PREFIXES:
            if rest.startswith(f" {prefix} "):
                rest = rest[len(prefix) + 1:]
                changed = True
                break
    return rest.strip()


def _contains_words(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def near_match(first_key: str, second_key: str) -> bool:
    """Whether two different keys may name one organization, for an organizer to decide.

    True when their distinctive parts are equal, when one's words (two or more) appear in order inside the
    other's ("nong lam" in "nong lam thai nguyen"), or when they differ by a typo (difflib ratio ≥ 0.9 on
    names of eight letters or more).
    """
    if not first_key or not second_key or first_key == second_key:
        return False
    a, b = distinctive_part(first_key), distinctive_part(second_key)
    if len(a.replace(" ", "")) < MIN_DISTINCTIVE_LETTERS or len(b.replace(" ", "")) < MIN_DISTINCTIVE_LETTERS:
        return False
    if a == b:
        return True
    words_a, words_b = a.split(), b.split()
    shorter, longer = sorted((words_a, words_b), key=len)
    if len(shorter) >= 2 and _contains_words(longer, shorter):
        return True
    return min(len(a), len(b)) >= 8 and SequenceMatcher(None, a, b).ratio() >= NEAR_RATIO


def pair_key(first_key: str, second_key: str) -> tuple[str, str]:
    return (first_key, second_key) if first_key < second_key else (second_key, first_key)


class OrganizationError(Exception):
    """A refused change to the list; ``message`` is translated."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------- looking names up


def resolved(organization: Organization) -> Organization:
    """The organization that answers for ``organization`` (itself unless it was merged)."""
    seen = set()
    while organization.merged_into is not None and organization.id not in seen:
        seen.add(organization.id)
        organization = organization.merged_into
    return organization


@dataclass
class OrganizationIndex:
    """Every known spelling's key → the organization answering for it, loaded once for many comparisons."""

    by_key: dict[str, int]
    decisions: dict[tuple[str, str], str]

    @classmethod
    def load(cls) -> OrganizationIndex:
        organizations = {o.id: o for o in db.session.scalars(select(Organization))}
        by_key = {}
        for key, organization_id in db.session.execute(
            select(OrganizationName.key, OrganizationName.organization_id)
        ):
            by_key[key] = resolved(organizations[organization_id]).id
        decisions = {
            (d.first_key, d.second_key): d.verdict for d in db.session.scalars(select(NearMatchDecision))
        }
        return cls(by_key=by_key, decisions=decisions)

    def identity(self, key: str) -> str:
        """Two names with the same identity are one organization."""
        organization_id = self.by_key.get(key)
        return f"organization:{organization_id}" if organization_id is not None else f"name:{key}"

    def verdict(self, first_key: str, second_key: str) -> str | None:
        return self.decisions.get(pair_key(first_key, second_key))


def find_organization(name: str | None) -> Organization | None:
    key = organization_key(name)
    if not key:
        return None
    row = db.session.scalar(select(OrganizationName).where(OrganizationName.key == key))
    return resolved(row.organization) if row is not None else None


def organization_choices() -> list[str]:
    """The names offered to applicants and judges: every confirmed organization and its other names."""
    names = db.session.scalars(
        select(OrganizationName.name).join(Organization, Organization.id == OrganizationName.organization_id)
        .where(Organization.status == OrganizationStatus.CONFIRMED.value)
        .order_by(OrganizationName.name)
    )
    return list(dict.fromkeys(names))


def organization_json(organization: Organization) -> dict[str, object]:
    return {"name": organization.name, "short_name": organization.short_name, "status": organization.status,
            "aliases": organization.aliases,
            "merged_into_id": organization.merged_into_id}


def _add_name(organization: Organization, name: str) -> None:
    key = organization_key(name)
    if not key:
        return
    existing = db.session.scalar(select(OrganizationName).where(OrganizationName.key == key))
    if existing is None:
        organization.names.append(OrganizationName(name=name, key=key))
    elif resolved(existing.organization).id != organization.id:
        raise OrganizationError(_("Tên “%(name)s” đã thuộc đơn vị “%(other)s”. Hãy gộp hai đơn vị nếu là một.",
                                  name=name, other=resolved(existing.organization).name), status=409)


def register_organization_name(name: str | None, *, actor: User | None = None,
                               confirmed: bool = False) -> Organization | None:
    """The organization a typed name belongs to; a name nobody knows yet is recorded as a proposal.

    ``confirmed`` records it straight away as kept (the organizers typing a name themselves).
    """
    name = " ".join((name or "").split())
    if not organization_key(name):
        return None
    organization = find_organization(name)
    if organization is not None:
        if confirmed and organization.is_proposed:
            confirm_organization(organization, actor=actor)
        return organization
    organization = Organization(
        name=name,
        status=OrganizationStatus.CONFIRMED.value if confirmed else OrganizationStatus.PROPOSED.value,
        created_by_id=actor.id if actor else None,
        confirmed_by_id=actor.id if actor and confirmed else None,
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(organization)
    _add_name(organization, name)
    db.session.flush()
    audit.record("organization.added" if confirmed else "organization.proposed", organization, actor=actor,
                 after=organization_json(organization))
    return organization


def register_organization_names(names: Iterable[str | None], *, actor: User | None = None) -> None:
    for name in names:
        register_organization_name(name, actor=actor)


# ---------------------------------------------------------------- the organizers' operations on the list


def add_organization(name: str, *, short_name: str | None = None, actor: User | None = None) -> Organization:
    name = " ".join((name or "").split())
    if not organization_key(name):
        raise OrganizationError(_("Vui lòng nhập tên đơn vị."))
    existing = find_organization(name)
    if existing is not None:
        raise OrganizationError(_("Đơn vị “%(name)s” đã có trong danh sách.", name=existing.name), status=409)
    organization = register_organization_name(name, actor=actor, confirmed=True)
    assert organization is not None
    if short_name:
        organization.short_name = short_name.strip()
        _add_name(organization, organization.short_name)
        db.session.flush()
    return organization


def confirm_organization(organization: Organization, *, actor: User | None = None) -> None:
    if organization.status != OrganizationStatus.PROPOSED.value:
        raise OrganizationError(_("Đơn vị này không ở trạng thái chờ xác nhận."), status=409)
    before = organization_json(organization)
    organization.status = OrganizationStatus.CONFIRMED.value
    organization.confirmed_at = utcnow()
    organization.confirmed_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("organization.confirmed", organization, actor=actor, before=before,
                 after=organization_json(organization))


def rename_organization(organization: Organization, *, name: str, short_name: str | None = None,
                        actor: User | None = None) -> None:
    """Give an organization its canonical name; the former name stays one of its names, so nothing typed before
    loses its organization."""
    name = " ".join((name or "").split())
    if not organization_key(name):
        raise OrganizationError(_("Vui lòng nhập tên đơn vị."))
    if organization.status == OrganizationStatus.MERGED.value:
        raise OrganizationError(_("Đơn vị này đã được gộp vào đơn vị khác."), status=409)
    before = organization_json(organization)
    _add_name(organization, name)
    organization.name = name
    organization.short_name = (short_name or "").strip() or None
    if organization.short_name:
        _add_name(organization, organization.short_name)
    db.session.flush()
    db.session.refresh(organization)
    audit.record("organization.renamed", organization, actor=actor, before=before,
                 after=organization_json(organization))


def merge_organization(source: Organization, target: Organization, *, actor: User | None = None) -> None:
    """Fold ``source`` (usually a proposed spelling) into ``target``: every name and judge affiliation of
    ``source`` now belongs to ``target``; ``source`` stays, marked merged, for the record."""
    # Two merges may run at once (two organizers, two tabs): read both rows afresh under a row lock, so that a
    # merge committed meanwhile is seen and no merge ever closes a loop (an organization merged into itself).
    for row in (source, target):
        db.session.refresh(row, with_for_update=True)
    source, target = resolved(source), resolved(target)
    if source.id == target.id:
        raise OrganizationError(_("Hãy chọn một đơn vị khác để gộp vào."))
    before = {"source": organization_json(source), "target": organization_json(target)}
    for name in list(source.names):
        name.organization = target
    for earlier in db.session.scalars(select(Organization).where(Organization.merged_into_id == source.id,
                                                                 Organization.id != target.id)):
        earlier.merged_into = target
    for affiliation in db.session.scalars(
        select(JudgeAffiliation).where(JudgeAffiliation.organization_id == source.id)
    ):
        affiliation.organization_id = target.id
    source.status = OrganizationStatus.MERGED.value
    source.merged_into = target
    db.session.flush()
    db.session.refresh(target)
    audit.record("organization.merged", source, actor=actor, before=before,
                 after={"merged_into_id": target.id, "target": organization_json(target)})


def kept_organizations() -> list[Organization]:
    """Every organization not merged away: proposals first, then by name."""
    rows = db.session.scalars(
        select(Organization).where(Organization.status != OrganizationStatus.MERGED.value)
    ).all()
    return sorted(rows, key=lambda o: (not o.is_proposed, fold(o.name)))


def possible_duplicates(organizations: Sequence[Organization]) -> list[tuple[Organization, Organization]]:
    """Pairs of kept organizations whose names look alike: candidates for a merge."""
    keyed = [(o, [n.key for n in o.names] or [organization_key(o.name)]) for o in organizations]
    pairs = []
    for (first, first_keys), (second, second_keys) in combinations(keyed, 2):
        if any(near_match(a, b) for a in first_keys for b in second_keys):
            pairs.append((first, second))
    return pairs


# ---------------------------------------------------------------- near matches the organizers decide


def decide_near_match(first_name: str, second_name: str, *, verdict: NearMatchVerdict, note: str | None = None,
                      actor: User | None = None) -> NearMatchDecision:
    """Record whether two names that look alike make a conflict of interest (replacing an earlier word)."""
    first_key, second_key = organization_key(first_name), organization_key(second_name)
    if not first_key or not second_key or first_key == second_key:
        raise OrganizationError(_("Hai tên đơn vị không hợp lệ."))
    if (first_key, second_key) != pair_key(first_key, second_key):
        first_name, second_name = second_name, first_name
        first_key, second_key = second_key, first_key
    decision = db.session.scalar(select(NearMatchDecision).where(
        NearMatchDecision.first_key == first_key, NearMatchDecision.second_key == second_key))
    before = {"verdict": decision.verdict, "note": decision.note} if decision else None
    if decision is None:
        decision = NearMatchDecision(first_key=first_key, second_key=second_key, first_name=first_name,
                                     second_name=second_name, verdict=verdict.value)
        db.session.add(decision)
    decision.verdict = verdict.value
    decision.note = (note or "").strip() or None
    decision.decided_by_id = actor.id if actor else None
    decision.decided_at = utcnow()
    db.session.flush()
    audit.record("organization.near_match_decided", decision, actor=actor, before=before,
                 after={"first_name": first_name, "second_name": second_name, "verdict": verdict.value,
                        "note": decision.note})
    return decision


def init_app(app) -> None:
    """Forms that ask for an organization offer the kept list (an HTML datalist: any other name may be typed)."""
    app.jinja_env.globals["organization_choices"] = organization_choices
