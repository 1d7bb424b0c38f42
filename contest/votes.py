"""The public vote (điểm bình chọn): voting periods, verified voters, votes, review and tally.

Operations change the models, write the audit event and flush; the route commits.  A vote's
uniqueness is decided by the database (unique key on period, voter, entry and day), never by a
check in Python, so two tabs or a double click cannot count twice.  Vote points are computed by
:func:`judging.vote.vote_points` from the frozen tally only.

Settings (contest/config.py, from the environment; README lists them):
    VOTE_POW_BITS (16) leading zero bits of the proof of work; VOTE_POW_SECONDS (900) challenge life;
    VOTE_CODE_MINUTES (15), VOTE_CODE_MAX_ATTEMPTS (5), VOTE_CODE_RESEND_SECONDS (60),
    VOTE_CODES_PER_HOUR (5); review queue thresholds VOTE_REVIEW_NETWORK_BURST (20 votes) within
    VOTE_REVIEW_NETWORK_MINUTES (10), VOTE_REVIEW_NEW_VOTERS (30 new addresses) within
    VOTE_REVIEW_NEW_VOTERS_MINUTES (5), VOTE_REVIEW_DEVICE_VOTERS (3 addresses on one device).
    Rate limits (contest/web/public/vote.py), per device and per network block, never per address alone:
    VOTE_LIMIT_{CHALLENGE,CODE,VERIFY,VOTE}_{DEVICE,NETWORK}, as Flask-Limiter strings ("60 per minute").
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached

from contest import audit
from contest.extensions import db
from contest.i18n import _, to_local
from contest.models import (
    ONCE_DAY,
    BallotEntry,
    Edition,
    Entry,
    EntryRound,
    EntryStatus,
    ResultSet,
    ResultStatus,
    Round,
    RoundOutcome,
    RoundStatus,
    UsedChallenge,
    User,
    Vote,
    VoteFrequency,
    Voter,
    VoterCode,
    VotingPeriod,
    utcnow,
)
from contest.voter_identity import canonical_identity
from judging.vote import vote_points

# Fields an organizer may make public, in display order.  Authors, e-mails, phones, addresses
# and organizations are personal data and are never offered.
PUBLIC_FIELDS = ("title", "category", "summary", "description", "images")
# Without the applicant's consent only what is needed to recognise the entry on a ballot shows.
WITHOUT_CONSENT_FIELDS = ("title", "category")
DEFAULT_PUBLIC_FIELDS = ["title", "category", "summary"]

CODE_DIGITS = 6
TALLY_FORMAT = "votes-v1"


class VoteError(Exception):
    """A refused request of the public vote, with a Vietnamese message and an HTTP status."""

    def __init__(self, message: str, status: int = 422, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


# ---------------------------------------------------------------- vote points (for results)


def period_for_round(round_: Round) -> VotingPeriod | None:
    return db.session.scalar(
        select(VotingPeriod).where(VotingPeriod.round_id == round_.id).order_by(VotingPeriod.id.desc()).limit(1)
    )


def counted_period(round_: Round) -> VotingPeriod | None:
    """The vote whose tally counts in the round's totals: the round's own, else the latest vote held in an
    earlier round of the edition (a vote run while round 1 is scored counts in the final award list)."""
    own = period_for_round(round_)
    if own is not None:
        return own
    return db.session.scalar(
        select(VotingPeriod).join(Round, Round.id == VotingPeriod.round_id)
        .where(Round.edition_id == round_.edition_id, Round.position < round_.position)
        .order_by(Round.position.desc(), VotingPeriod.id.desc()).limit(1)
    )


def vote_points_for_round(round_: Round) -> dict[int, Decimal]:
    """entry_id → vote points from the frozen tally of the vote counted in the round (``counted_period``).

    Empty when the edition has no vote part, no vote counts in the round, or its tally is not
    frozen yet.  Points are ``edition.vote_points × votes ÷ max``, half-up to one decimal, over the
    counted entries only (not in :func:`excluded_entry_ids`).
    """
    edition = round_.edition
    if not edition.has_public_vote:
        return {}
    period = counted_period(round_)
    if period is None or period.frozen_at is None or not period.tally:
        return {}
    # Only entries still counted share the points: one screened out after the freeze neither gets points
    # nor sets the highest count the others are divided by.
    excluded = excluded_entry_ids(period)
    counts = {str(k): int(v) for k, v in period.tally["counts"].items() if int(k) not in excluded}
    return {int(k): v for k, v in vote_points(counts, max_points=edition.vote_points).items()}


# ---------------------------------------------------------------- settings


def pow_bits() -> int:
    return int(current_app.config["VOTE_POW_BITS"])


# ---------------------------------------------------------------- networks and devices


def network_of(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) block an address belongs to, for limits and review."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_hash(device: str | None) -> str | None:
    """A keyed hash of the browser's device identifier: comparable, not reversible."""
    if not device:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"device:{device}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- disposable e-mail domains

_disposable: frozenset[str] | None = None


def disposable_domains() -> frozenset[str]:
    global _disposable
    if _disposable is None:
        text = resources.files("contest.data").joinpath("disposable_domains.txt").read_text("utf-8")
        _disposable = frozenset(
            line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
        )
    return _disposable


def is_disposable(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    parts = domain.split(".")
    # A sub-domain of a listed domain is refused too (x.mailinator.com).
    return any(".".join(parts[i:]) in disposable_domains() for i in range(len(parts) - 1))


# ---------------------------------------------------------------- opening a period and its ballot


def _local_date(now: datetime) -> date:
    return to_local(now).date()


def default_ballot_entries(round_: Round) -> list[Entry]:
    """Entries in the round (its EntryRound rows still in play), else the edition's eligible ones."""
    in_round = list(
        db.session.scalars(
            select(Entry)
            .join(EntryRound, EntryRound.entry_id == Entry.id)
            .where(
                EntryRound.round_id == round_.id,
                EntryRound.outcome.in_([RoundOutcome.IN_ROUND.value, RoundOutcome.ADVANCED.value]),
                Entry.status.notin_([EntryStatus.WITHDRAWN.value, EntryStatus.INELIGIBLE.value]),
            )
            .order_by(Entry.reference_code)
        )
    )
    if in_round:
        return in_round
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.edition_id == round_.edition_id,
                Entry.status.in_(
                    [EntryStatus.ELIGIBLE.value, EntryStatus.ADVANCED.value, EntryStatus.AWARDED.value]
                ),
            )
            .order_by(Entry.reference_code)
        )
    )


def _clean_fields(fields: Any) -> list[str]:
    chosen = {str(f) for f in (fields or [])}
    unknown = chosen - set(PUBLIC_FIELDS)
    if unknown:
        raise VoteError(_("Trường công khai không hợp lệ: %(f)s.", f=", ".join(sorted(unknown))), 422)
    chosen.add("title")  # a ballot line without a title cannot be voted on knowingly
    return [f for f in PUBLIC_FIELDS if f in chosen]


def _ballot_rows(round_: Round, entry_ids: list[int] | None, public_fields: Any) -> list[BallotEntry]:
    if entry_ids is None:
        entries = default_ballot_entries(round_)
    else:
        ids = list(dict.fromkeys(int(i) for i in entry_ids))
        found = {
            e.id: e
            for e in db.session.scalars(
                select(Entry).where(Entry.id.in_(ids), Entry.edition_id == round_.edition_id)
            )
        }
        bad = [i for i in ids if i not in found or found[i].status in (
            EntryStatus.DRAFT, EntryStatus.WITHDRAWN, EntryStatus.INELIGIBLE)]
        if bad:
            raise VoteError(_("Có bài dự thi không thể đưa vào danh sách bình chọn."), 422)
        entries = [found[i] for i in ids]
    rows = []
    for position, entry in enumerate(entries):
        fields = public_fields.get(entry.id, DEFAULT_PUBLIC_FIELDS) if isinstance(public_fields, dict) else (
            public_fields if public_fields is not None else DEFAULT_PUBLIC_FIELDS)
        rows.append(BallotEntry(entry_id=entry.id, position=position, public_fields=_clean_fields(fields)))
    return rows


def late_opening_warnings(round_: Round) -> list[str]:
    """Why a vote opened now for ``round_`` may count for nothing: the organizer sees these and confirms them
    before opening (an empty list: nothing to confirm)."""
    warnings = []
    if round_.status == RoundStatus.CLOSED:
        warnings.append(_("Vòng thi này đã đóng chấm: điểm bình chọn chỉ được tính nếu kết quả của vòng được "
                          "tính lại sau khi chốt bình chọn."))
    published = db.session.scalar(
        select(func.count(ResultSet.id)).where(
            ResultSet.edition_id == round_.edition_id,
            ResultSet.status.in_([ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value]))
    )
    if published:
        warnings.append(_("Kết quả của cuộc thi đã được công bố: phiếu bình chọn mở lúc này không làm thay đổi "
                          "kết quả đã công bố."))
    return warnings


def open_voting_period(
    round_: Round,
    opens_at: datetime,
    closes_at: datetime,
    frequency: str = VoteFrequency.ONCE.value,
    max_entries_per_voter: int | None = None,
    show_counts_live: bool = False,
    entry_ids: list[int] | None = None,
    public_fields: Any = None,
    *,
    actor: User | None = None,
) -> VotingPeriod:
    """Open the public vote of a round with its ballot (default: the entries in the round)."""
    if not round_.edition.has_public_vote:
        raise VoteError(_("Cuộc thi này không có phần điểm bình chọn (điểm bình chọn bằng 0)."), 409)
    if period_for_round(round_) is not None:
        raise VoteError(_("Vòng thi này đã có đợt bình chọn."), 409)
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValueError("voting windows are aware datetimes")
    if closes_at <= opens_at:
        raise VoteError(_("Thời điểm đóng phải sau thời điểm mở."), 422)
    if frequency not in {f.value for f in VoteFrequency}:
        raise VoteError(_("Tần suất bình chọn không hợp lệ."), 422)
    if max_entries_per_voter is not None and max_entries_per_voter < 1:
        raise VoteError(_("Số bài tối đa mỗi người được bình chọn phải lớn hơn 0."), 422)
    rows = _ballot_rows(round_, entry_ids, public_fields)
    if not rows:
        raise VoteError(_("Danh sách bình chọn chưa có bài dự thi nào."), 422)
    period = VotingPeriod(
        round_id=round_.id,
        opens_at=opens_at,
        closes_at=closes_at,
        frequency=frequency,
        max_entries_per_voter=max_entries_per_voter,
        show_counts_live=show_counts_live,
        ballot=rows,
    )
    db.session.add(period)
    db.session.flush()
    audit.record("vote.period_opened", period, actor=actor, after=_period_json(period))
    return period


def update_voting_period(
    period: VotingPeriod,
    *,
    closes_at: datetime,
    show_counts_live: bool,
    entry_ids: list[int],
    public_fields: dict[int, list[str]],
    removal_reason: str | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> VotingPeriod:
    """Change the closing time, counts display, ballot and public fields of an unfrozen period.

    An entry without votes that leaves the ballot is simply removed.  One that already has votes is taken
    off with ``removal_reason`` (required): its line stays on record, its votes are kept but voided with
    that reason, so nothing is dropped silently.  A line taken off comes back when it is listed again (its
    voided votes stay voided).
    """
    now = now or utcnow()
    if period.frozen_at is not None:
        raise VoteError(_("Kết quả bình chọn đã được chốt, không thể thay đổi."), 409)
    if closes_at <= period.opens_at:
        raise VoteError(_("Thời điểm đóng phải sau thời điểm mở."), 422)
    keep = list(dict.fromkeys(int(i) for i in entry_ids))
    if not keep:
        raise VoteError(_("Danh sách bình chọn chưa có bài dự thi nào."), 422)
    before = _period_json(period)
    voted = set(db.session.scalars(select(Vote.entry_id).where(Vote.period_id == period.id).distinct()))
    leaving = [b for b in period.ballot if b.entry_id not in keep and b.on_ballot]
    leaving_with_votes = [b for b in leaving if b.entry_id in voted]
    reason = (removal_reason or "").strip()
    if leaving_with_votes and not reason:
        raise VoteError(_("Bài %(codes)s đã có phiếu bình chọn: vui lòng nêu lý do bỏ khỏi danh sách. Các phiếu "
                          "được giữ trong hồ sơ nhưng bị hủy, không được tính.",
                          codes=", ".join(b.entry.reference_code for b in leaving_with_votes)),
                      422, "reason_required")
    rows = {b.entry_id: b for b in period.ballot}
    returning = [rows[i].entry for i in keep if i in rows and not rows[i].on_ballot]
    if any(not can_be_on_ballot(e) for e in returning):
        raise VoteError(_("Có bài dự thi không thể đưa vào danh sách bình chọn."), 422)
    new_rows = _ballot_rows(period.round, [i for i in keep if i not in rows], public_fields)
    for b in leaving:
        if b.entry_id in voted:
            _take_off(b, reason, actor, now)
        else:
            period.ballot.remove(b)
    for b in period.ballot:
        if b.entry_id in keep:
            b.taken_off_at = b.taken_off_by_id = b.taken_off_reason = None
            b.public_fields = _clean_fields(public_fields.get(b.entry_id, b.public_fields))
            b.position = keep.index(b.entry_id)
    for r in new_rows:
        r.position = keep.index(r.entry_id)
        period.ballot.append(r)
    period.closes_at = closes_at
    period.show_counts_live = show_counts_live
    db.session.flush()
    audit.record("vote.period_updated", period, actor=actor, before=before, after=_period_json(period),
                 reason=reason if leaving_with_votes else None)
    return period


# Entries screened out of the contest: they leave every ballot and can receive no vote.
SCREENED_OUT = (EntryStatus.INELIGIBLE.value, EntryStatus.WITHDRAWN.value)


def can_be_on_ballot(entry: Entry) -> bool:
    return entry.status not in (EntryStatus.DRAFT.value, *SCREENED_OUT)


def _take_off(line: BallotEntry, reason: str, actor: User | None, now: datetime) -> int:
    """Mark the line off the ballot and void its counted votes with the reason; returns how many were voided."""
    line.taken_off_at = now
    line.taken_off_by_id = actor.id if actor is not None else None
    line.taken_off_reason = reason
    if line.period.frozen_at is not None:
        return 0  # the frozen tally stays as hashed; vote_points_for_round leaves the entry out
    voided = db.session.execute(
        update(Vote).where(Vote.period_id == line.period_id, Vote.entry_id == line.entry_id, Vote.voided_at.is_(None))
        .values(voided_at=now, voided_by_id=line.taken_off_by_id, void_reason=reason)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    return int(voided or 0)


def take_entry_off_ballots(entry: Entry, reason: str, *, actor: User | None = None,
                           now: datetime | None = None) -> int:
    """An entry screened out (ineligible, withdrawn) leaves every ballot it is on.

    Its votes are kept for the record but voided with ``reason``, so they neither count nor set the
    highest count the other entries' points are divided by.  In a period whose tally is already frozen
    the votes stay as hashed and the entry is left out of the vote points.  Returns the votes voided.
    """
    now = now or utcnow()
    lines = list(db.session.scalars(
        select(BallotEntry).where(BallotEntry.entry_id == entry.id, BallotEntry.taken_off_at.is_(None))
    ))
    total = 0
    for line in lines:
        voided = _take_off(line, reason, actor, now)
        total += voided
        db.session.flush()
        audit.record("vote.entry_taken_off", line.period, actor=actor, reason=reason,
                     after={"entry_id": entry.id, "votes_voided": voided})
    return total


def excluded_entry_ids(period: VotingPeriod) -> set[int]:
    """Entries whose votes do not count: taken off the ballot, or screened out of the contest."""
    taken_off = set(db.session.scalars(
        select(BallotEntry.entry_id).where(BallotEntry.period_id == period.id, BallotEntry.taken_off_at.is_not(None))
    ))
    in_period = select(BallotEntry.entry_id).where(BallotEntry.period_id == period.id).union(
        select(Vote.entry_id).where(Vote.period_id == period.id))
    screened_out = set(db.session.scalars(
        select(Entry.id).where(Entry.id.in_(in_period), Entry.status.in_(SCREENED_OUT))
    ))
    return taken_off | screened_out


def public_ballot(period: VotingPeriod) -> list[BallotEntry]:
    """The lines the public sees and may vote for (in ballot order)."""
    return [b for b in period.ballot if b.on_ballot and can_be_on_ballot(b.entry)]


def close_voting_now(period: VotingPeriod, *, actor: User | None = None, now: datetime | None = None) -> VotingPeriod:
    """End the public vote at once (its tally can then be frozen); closing a closed vote changes nothing."""
    now = now or utcnow()
    if period.frozen_at is not None:
        raise VoteError(_("Kết quả bình chọn đã được chốt, không thể thay đổi."), 409)
    if period.closes_at <= now:
        return period
    if now <= period.opens_at:
        raise VoteError(_("Cổng bình chọn chưa mở; hãy sửa thời điểm mở và đóng thay vì đóng ngay."), 409)
    before = _period_json(period)
    period.closes_at = now
    db.session.flush()
    audit.record("vote.period_closed", period, actor=actor, before=before, after=_period_json(period))
    return period


def _period_json(period: VotingPeriod) -> dict[str, Any]:
    return {
        "round_id": period.round_id,
        "opens_at": period.opens_at.isoformat(),
        "closes_at": period.closes_at.isoformat(),
        "frequency": period.frequency,
        "max_entries_per_voter": period.max_entries_per_voter,
        "show_counts_live": period.show_counts_live,
        "ballot": [{"entry_id": b.entry_id, "fields": list(b.public_fields)} for b in period.ballot if b.on_ballot],
        "taken_off": [{"entry_id": b.entry_id, "reason": b.taken_off_reason} for b in period.ballot
                      if not b.on_ballot],
    }


def public_view(ballot_entry: BallotEntry) -> dict[str, Any]:
    """What the public sees of one ballot line: the chosen fields the applicant consented to."""
    entry = ballot_entry.entry
    allowed = set(PUBLIC_FIELDS if entry.public_consent else WITHOUT_CONSENT_FIELDS)
    fields = [f for f in ballot_entry.public_fields if f in allowed]
    view: dict[str, Any] = {"id": entry.id, "reference_code": entry.reference_code, "fields": fields,
                            "title": entry.title, "category_id": entry.category_id}
    if "category" in fields:
        view["category"] = entry.category
    if "summary" in fields:
        view["summary"] = entry.summary
    if "description" in fields:
        view["description"] = entry.description
    view["images"] = (
        [a for a in entry.attachments if a.public and a.storage_key and (a.content_type or "").startswith("image/")]
        if "images" in fields else []
    )
    return view


def public_image_allowed(period: VotingPeriod, attachment: Any) -> bool:
    for b in public_ballot(period):
        if b.entry_id == attachment.entry_id:
            return any(a.id == attachment.id for a in public_view(b)["images"])
    return False


# ---------------------------------------------------------------- voters and one-time codes


def _code_hash(voter_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"voter-code:{voter_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalize_email(email: str) -> str:
    """The address as typed, stripped and lower-cased: where the code is sent."""
    return (email or "").strip().lower()


def voter_identity(email: str) -> str:
    """The mailbox an address reaches (contest/voter_identity.py): what codes, their limits and votes key on."""
    return canonical_identity(email)


def voter_for(email: str) -> Voter | None:
    """The voter of the mailbox ``email`` reaches, whichever spelling they first used (the earliest row)."""
    return db.session.scalar(
        select(Voter).where(Voter.identity == voter_identity(email)).order_by(Voter.id).limit(1)
    )


def _get_or_create_voter(email: str, ip: str | None) -> Voter:
    voter = voter_for(email)
    if voter is not None:
        return voter
    try:
        with db.session.begin_nested():
            voter = Voter(email=email, identity=voter_identity(email), created_ip=ip)
            db.session.add(voter)
    except IntegrityError:  # the same address in another request at the same moment
        voter = voter_for(email)
        assert voter is not None
    return voter


def _codes_of_mailbox(identity: str) -> Select[tuple[VoterCode]]:
    """The codes sent to every spelling of one mailbox, newest first."""
    return (select(VoterCode).join(Voter, Voter.id == VoterCode.voter_id).where(Voter.identity == identity)
            .order_by(VoterCode.created_at.desc(), VoterCode.id.desc()))


def request_voter_code(email: str, ip: str | None = None, device: str | None = None,
                       now: datetime | None = None) -> VoterCode:
    """Send a one-time code to ``email`` as typed; only its keyed hash is stored.

    Refuses disposable domains and requests too close together for the same mailbox, whichever
    spelling of it each request used.
    """
    from email_validator import EmailNotValidError, validate_email

    from contest.mail import send_mail

    now = now or utcnow()
    email = normalize_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise VoteError(_("Địa chỉ email không hợp lệ."), 422, "email_invalid") from exc
    if is_disposable(email):
        raise VoteError(
            _("Không chấp nhận địa chỉ email tạm thời. Vui lòng dùng email thật của bạn."), 422, "disposable"
        )
    voter = _get_or_create_voter(email, ip)
    recent = list(db.session.scalars(
        _codes_of_mailbox(voter.identity).where(VoterCode.created_at > now - timedelta(hours=1))
    ))
    cooldown = int(current_app.config["VOTE_CODE_RESEND_SECONDS"])
    if recent and recent[0].created_at > now - timedelta(seconds=cooldown):
        raise VoteError(_("Mã vừa được gửi. Vui lòng chờ một phút rồi yêu cầu mã mới."), 429, "too_soon")
    if len(recent) >= int(current_app.config["VOTE_CODES_PER_HOUR"]):
        raise VoteError(_("Bạn đã yêu cầu quá nhiều mã. Vui lòng thử lại sau một giờ."), 429, "too_many")
    for old in recent:  # only the newest code is valid
        if old.used_at is None and old.expires_at > now:
            old.expires_at = now
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    minutes = int(current_app.config["VOTE_CODE_MINUTES"])
    row = VoterCode(voter_id=voter.id, code_hash=_code_hash(voter.id, code),
                    expires_at=now + timedelta(minutes=minutes), created_at=now)
    db.session.add(row)
    db.session.flush()
    send_mail(email, _("Mã xác minh bình chọn: %(code)s", code=code), "vote_code", code=code, minutes=minutes)
    return row


def verify_voter_code(email: str, code: str, now: datetime | None = None) -> Voter:
    """The voter whose newest code this is; counts failed attempts (the caller commits them).

    The code may have been asked for under another spelling of the same mailbox: it is one mailbox.
    """
    now = now or utcnow()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    invalid = VoteError(_("Mã xác minh không đúng hoặc đã hết hạn."), 422, "code_invalid")
    if len(code) != CODE_DIGITS:
        raise invalid
    candidates = list(db.session.scalars(_codes_of_mailbox(voter_identity(email)).limit(10)))
    if not candidates:
        raise invalid

    def matches(candidate: VoterCode) -> bool:
        return hmac.compare_digest(candidate.code_hash, _code_hash(candidate.voter_id, code))

    live = next((c for c in candidates if c.used_at is None and c.expires_at > now), None)
    if live is None:
        if any(c.used_at is not None and matches(c) for c in candidates):
            raise VoteError(_("Mã này đã được sử dụng. Vui lòng yêu cầu mã mới."), 409, "code_used")
        raise invalid
    if live.attempts >= int(current_app.config["VOTE_CODE_MAX_ATTEMPTS"]):
        raise VoteError(_("Bạn đã nhập sai quá nhiều lần. Vui lòng yêu cầu mã mới."), 429, "code_locked")
    if not matches(live):
        live.attempts += 1
        db.session.flush()
        if any(c.used_at is not None and matches(c) for c in candidates):
            raise VoteError(_("Mã này đã được sử dụng. Vui lòng yêu cầu mã mới."), 409, "code_used")
        raise invalid
    # Mark used with a guarded UPDATE: two tabs submitting the same code cannot both succeed.
    done = db.session.execute(
        update(VoterCode).where(VoterCode.id == live.id, VoterCode.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if done != 1:
        raise VoteError(_("Mã này đã được sử dụng. Vui lòng yêu cầu mã mới."), 409, "code_used")
    voter = db.session.get(Voter, live.voter_id)
    assert voter is not None
    if voter.verified_at is None:
        voter.verified_at = now
    db.session.flush()
    return voter


# ---------------------------------------------------------------- casting a vote


def vote_day_for(period: VotingPeriod, now: datetime) -> date:
    return ONCE_DAY if period.frequency == VoteFrequency.ONCE else _local_date(now)


def check_period_open(period: VotingPeriod, now: datetime) -> None:
    if period.frozen_at is not None or now >= period.closes_at:
        raise VoteError(_("Cổng bình chọn đã đóng. Phiếu của bạn không được ghi nhận."), 403, "closed")
    if now < period.opens_at:
        raise VoteError(_("Cổng bình chọn chưa mở. Phiếu của bạn không được ghi nhận."), 403, "not_open")


def ballot_entry(period: VotingPeriod, entry_id: int) -> BallotEntry | None:
    """The ballot line of ``entry_id`` in the period (with its entry and field), or None when not on the ballot."""
    line = db.session.scalar(
        select(BallotEntry).where(BallotEntry.period_id == period.id, BallotEntry.entry_id == entry_id,
                                  BallotEntry.taken_off_at.is_(None))
        .options(joinedload(BallotEntry.entry).joinedload(Entry.category))
    )
    return line if line is not None and can_be_on_ballot(line.entry) else None


def ballot_state(period: VotingPeriod, entry_id: int) -> str | None:
    """"on" when ``entry_id`` may be voted for in the period, "off" when it was taken off the ballot or
    screened out of the contest, None when it never was on the ballot (one indexed lookup)."""
    row = db.session.execute(
        select(BallotEntry.taken_off_at, Entry.status).join(Entry, Entry.id == BallotEntry.entry_id)
        .where(BallotEntry.period_id == period.id, BallotEntry.entry_id == entry_id)
    ).first()
    if row is None:
        return None
    return "on" if row.taken_off_at is None and row.status not in SCREENED_OUT else "off"


def off_ballot_error() -> VoteError:
    return VoteError(_("Bài dự thi này đã bị loại khỏi danh sách bình chọn. Phiếu của bạn không được ghi nhận."),
                     409, "off_ballot")


@dataclass
class VoteTarget:
    """What a challenge or a vote needs, read in one statement (the hot path of the public vote)."""

    period: VotingPeriod  # its columns only: relationships load lazily if a page needs them
    edition_status: str
    on_ballot: bool  # on the ballot and votable
    off_ballot: bool  # was on the ballot, taken off or screened out: a vote is refused with its own message
    title: str | None  # the entry's title when it is on the ballot
    voter: Voter | None  # the session's voter, when that row exists


def vote_target(period_id: int, entry_id: int, voter_id: int | None) -> VoteTarget | None:
    """The period with its edition's status, whether ``entry_id`` is on its ballot, and the voter.

    One SELECT (period ⋈ round ⋈ edition, outer joins to the ballot line, its entry and the voter)
    instead of one query for each; the statement is built once and only its parameters change.
    None when the period does not exist.
    """
    global _vote_target_stmt
    if _vote_target_stmt is None:
        _vote_target_stmt = (
            select(VotingPeriod, Edition.status, BallotEntry.id, BallotEntry.taken_off_at, Entry.status, Entry.title,
                   Voter)
            .join(Round, Round.id == VotingPeriod.round_id)
            .join(Edition, Edition.id == Round.edition_id)
            .outerjoin(BallotEntry, and_(BallotEntry.period_id == VotingPeriod.id,
                                         BallotEntry.entry_id == bindparam("entry_id")))
            .outerjoin(Entry, Entry.id == BallotEntry.entry_id)
            .outerjoin(Voter, Voter.id == bindparam("voter_id"))
            .where(VotingPeriod.id == bindparam("period_id"))
        )
    row = db.session.execute(
        _vote_target_stmt, {"period_id": period_id, "entry_id": entry_id, "voter_id": voter_id or 0}
    ).first()
    if row is None:
        return None
    period, status, line_id, taken_off_at, entry_status, title, voter = row
    off = line_id is not None and (taken_off_at is not None or entry_status in SCREENED_OUT)
    on = line_id is not None and not off
    return VoteTarget(period, status, on, off, title if on else None, voter)


_vote_target_stmt: Any = None


_VOTE_KEY = ("period_id", "voter_key", "entry_id", "vote_day")  # the votes table's unique key: one per mailbox


def _insert_vote(values: dict[str, Any]) -> Vote | None:
    """INSERT the vote unless the unique key already holds it; None when the database refused it.

    One statement (INSERT … ON CONFLICT (the unique key) DO NOTHING RETURNING id) on PostgreSQL
    and SQLite: the unique key decides, as before, without a savepoint and an exception per
    duplicate.  The statement is built once per dialect, so SQLAlchemy compiles it once.
    """
    dialect = db.session.get_bind().dialect.name
    stmt = _insert_statements.get(dialect)
    if stmt is None and dialect in _UPSERT_INSERT:
        stmt = _insert_statements[dialect] = (
            _UPSERT_INSERT[dialect](Vote.__table__).on_conflict_do_nothing(index_elements=list(_VOTE_KEY))
            .returning(Vote.__table__.c.id)
        )
    if stmt is None:  # another database: a savepoint around the ORM insert
        vote = Vote(**values)
        try:
            with db.session.begin_nested():
                db.session.add(vote)
        except IntegrityError:
            return None
        return vote
    new_id = db.session.execute(stmt, values).scalar()
    if new_id is None:
        return None
    vote = Vote(id=new_id, **values)
    make_transient_to_detached(vote)  # the row exists: known to the session without another query
    db.session.add(vote)
    return vote


_UPSERT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_insert_statements: dict[str, Any] = {}


def cast_vote(period: VotingPeriod, voter: Voter, entry: Entry | int, ip: str | None = None,
              device: str | None = None, now: datetime | None = None, *,
              on_ballot: bool = False) -> Vote:
    """Record one vote; the database's unique key refuses a second one from the same mailbox for the same day,
    whichever spelling of the address the voter proved.

    ``on_ballot`` says the caller has already found the entry on the period's ballot.
    """
    now = now or utcnow()
    entry_id = entry if isinstance(entry, int) else entry.id
    if voter.verified_at is None:
        raise VoteError(_("Vui lòng xác minh email trước khi bình chọn."), 403, "unverified")
    check_period_open(period, now)
    if not on_ballot:
        state = ballot_state(period, entry_id)
        if state == "off":
            raise off_ballot_error()
        if state is None:
            raise VoteError(_("Bài dự thi này không có trong danh sách bình chọn."), 404, "not_on_ballot")
    day = vote_day_for(period, now)
    if period.max_entries_per_voter:
        # Serialise the mailbox's votes (row locks on PostgreSQL, in id order) so two tabs or two
        # spellings of one address cannot both pass the limit.
        db.session.execute(select(Voter.id).where(Voter.identity == voter.identity).order_by(Voter.id)
                           .with_for_update())
        supported = set(db.session.scalars(
            select(Vote.entry_id).join(Voter, Voter.id == Vote.voter_id)
            .where(Vote.period_id == period.id, Voter.identity == voter.identity, Vote.voided_at.is_(None))
            .distinct()
        ))
        if entry_id not in supported and len(supported) >= period.max_entries_per_voter:
            raise VoteError(
                _("Mỗi người chỉ được bình chọn cho tối đa %(n)d bài dự thi.", n=period.max_entries_per_voter),
                409, "max_entries",
            )
    vote = _insert_vote({
        "period_id": period.id, "voter_id": voter.id, "voter_key": voter.identity, "entry_id": entry_id,
        "vote_day": day, "created_at": now,
        "ip": ip, "network": network_of(ip), "device_hash": device_hash(device),
    })
    if vote is None:
        message = (_("Bạn đã bình chọn cho bài dự thi này hôm nay. Hãy quay lại vào ngày mai.")
                   if period.frequency == VoteFrequency.DAILY
                   else _("Bạn đã bình chọn cho bài dự thi này rồi. Mỗi người chỉ được bình chọn một lần."))
        raise VoteError(message, 409, "duplicate")
    return vote


def entry_count(period: VotingPeriod, entry_id: int) -> int:
    """Valid (not voided) votes of one entry in the period."""
    return int(db.session.scalar(
        select(func.count(Vote.id)).where(Vote.period_id == period.id, Vote.entry_id == entry_id,
                                          Vote.voided_at.is_(None))
    ) or 0)


def has_voted(period: VotingPeriod, voter: Voter | None, now: datetime | None = None) -> set[int]:
    """Entry ids this voter's mailbox can no longer vote for right now (already voted today / in the period)."""
    if voter is None:
        return set()
    day = vote_day_for(period, now or utcnow())
    return set(db.session.scalars(
        select(Vote.entry_id).where(Vote.period_id == period.id, Vote.voter_key == voter.identity,
                                    Vote.vote_day == day)
    ))


# ---------------------------------------------------------------- counts, review queue, voiding, freezing


def live_counts(period: VotingPeriod) -> dict[int, int]:
    """Valid (not voided) votes per counted ballot entry, zero included; entries taken off have none."""
    excluded = excluded_entry_ids(period)
    counts = {b.entry_id: 0 for b in period.ballot if b.entry_id not in excluded}
    for entry_id, n in db.session.execute(
        select(Vote.entry_id, func.count(Vote.id))
        .where(Vote.period_id == period.id, Vote.voided_at.is_(None))
        .group_by(Vote.entry_id)
    ):
        if entry_id not in excluded:
            counts[entry_id] = int(n)
    return counts


def voided_counts(period: VotingPeriod) -> dict[int, int]:
    """Voided votes per entry: kept for the record, not counted."""
    return {int(entry_id): int(n) for entry_id, n in db.session.execute(
        select(Vote.entry_id, func.count(Vote.id))
        .where(Vote.period_id == period.id, Vote.voided_at.is_not(None))
        .group_by(Vote.entry_id)
    )}


def counts_visible(period: VotingPeriod, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return period.frozen_at is not None or period.show_counts_live


def void_votes(votes: list[Vote], reason: str, actor: User, now: datetime | None = None) -> int:
    """Void votes with a reason; they stay in the record with who voided them and why."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise VoteError(_("Vui lòng nhập lý do hủy phiếu."), 422, "reason_required")
    if not votes:
        raise VoteError(_("Chưa chọn phiếu nào để hủy."), 422, "nothing_selected")
    periods = {v.period_id for v in votes}
    if len(periods) != 1:
        raise VoteError(_("Chỉ hủy phiếu của một đợt bình chọn mỗi lần."), 422)
    period = db.session.get(VotingPeriod, periods.pop())
    assert period is not None
    if period.frozen_at is not None:
        raise VoteError(_("Kết quả bình chọn đã được chốt, không thể hủy phiếu."), 409, "frozen")
    changed = [v for v in votes if v.voided_at is None]
    for v in changed:
        v.voided_at = now
        v.voided_by_id = actor.id
        v.void_reason = reason
    db.session.flush()
    audit.record("vote.voided", period, actor=actor, reason=reason,
                 after={"vote_ids": sorted(v.id for v in changed)})
    return len(changed)


def canonical_vote_lines(period: VotingPeriod) -> list[str]:
    """The counted votes, one canonical line each, ordered by id: what the tally hash covers."""
    rows = db.session.execute(
        select(Vote.id, Vote.voter_id, Vote.entry_id, Vote.vote_day)
        .where(Vote.period_id == period.id, Vote.voided_at.is_(None))
        .order_by(Vote.id)
    )
    return [f"{vid}|{voter}|{entry}|{day.isoformat()}" for vid, voter, entry, day in rows]


def tally_hash(lines: list[str]) -> str:
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def freeze_tally(period: VotingPeriod, actor: User | None = None, now: datetime | None = None,
                 *, force: bool = False) -> VotingPeriod:
    """Fix the counts once the period has closed, with a SHA-256 of the votes they came from."""
    now = now or utcnow()
    if period.frozen_at is not None:
        raise VoteError(_("Kết quả bình chọn đã được chốt trước đó."), 409, "frozen")
    if now < period.closes_at and not force:
        raise VoteError(_("Chỉ chốt kết quả sau khi cổng bình chọn đóng."), 409, "still_open")
    if _same_mailbox(period):
        raise VoteError(_("Còn phiếu trùng hộp thư chờ rà soát: hãy giữ một phiếu, hủy các phiếu còn lại rồi chốt."),
                        409, "review_pending")
    _void_votes_of_lines_taken_off(period, now)
    lines = canonical_vote_lines(period)
    counts = live_counts(period)
    period.tally = {
        "format": TALLY_FORMAT,
        "counts": {str(k): v for k, v in sorted(counts.items())},
        "votes": len(lines),
    }
    period.tally_hash = tally_hash(lines)
    period.frozen_at = now
    if now < period.closes_at:
        period.closes_at = now  # frozen early: nothing may be cast after the freeze
    db.session.flush()
    audit.record("vote.tally_frozen", period, actor=actor,
                 after={"hash": period.tally_hash, "counts": period.tally["counts"], "votes": len(lines)})
    return period


def _void_votes_of_lines_taken_off(period: VotingPeriod, now: datetime) -> None:
    """A vote that raced with an entry leaving the ballot is voided with the line's reason before the freeze,
    so the hashed list and the counts agree."""
    for line in period.ballot:
        if line.on_ballot and can_be_on_ballot(line.entry):
            continue
        reason = line.taken_off_reason or line.entry.ineligible_reason or _("Bài dự thi đã rút hoặc bị loại.")
        db.session.execute(
            update(Vote).where(Vote.period_id == period.id, Vote.entry_id == line.entry_id, Vote.voided_at.is_(None))
            .values(voided_at=now, voided_by_id=line.taken_off_by_id, void_reason=reason)
            .execution_options(synchronize_session="fetch")
        )


def verify_frozen_tally(period: VotingPeriod) -> bool:
    """Recompute the hash and counts from the stored votes and compare with the frozen tally."""
    if period.frozen_at is None or period.tally is None:
        return False
    lines = canonical_vote_lines(period)
    counts = Counter(int(line.split("|")[2]) for line in lines)
    stored = {int(k): v for k, v in period.tally["counts"].items()}
    return tally_hash(lines) == period.tally_hash and all(stored[k] == counts.get(k, 0) for k in stored) \
        and sum(counts.values()) == sum(stored.values())


@dataclass
class Finding:
    """One suspicious pattern for the review queue."""

    kind: str  # same_mailbox | network_burst | new_voters_burst | device_many_voters
    label: str  # the network, device hash prefix or time window it is about
    description: str
    vote_ids: list[int] = field(default_factory=list)
    started_at: datetime | None = None
    ended_at: datetime | None = None


def _densest_window(times: list[tuple[datetime, Any]], width: timedelta) -> tuple[int, int]:
    """Indices (i, j) of the window [t_i, t_i + width] holding the most items (times sorted)."""
    best, best_i, best_j, j = 0, 0, 0, 0
    for i in range(len(times)):
        while j < len(times) and times[j][0] - times[i][0] <= width:
            j += 1
        if j - i > best:
            best, best_i, best_j = j - i, i, j
    return best_i, best_j


def suspicious_patterns(period: VotingPeriod) -> list[Finding]:
    """Several counted votes from one mailbox for one entry and day (cast under different spellings before
    votes were keyed on the mailbox), bursts from one network block, many new addresses within minutes, one
    device for many voters."""
    burst_n = int(current_app.config["VOTE_REVIEW_NETWORK_BURST"])
    burst_window = timedelta(minutes=int(current_app.config["VOTE_REVIEW_NETWORK_MINUTES"]))
    new_n = int(current_app.config["VOTE_REVIEW_NEW_VOTERS"])
    new_window = timedelta(minutes=int(current_app.config["VOTE_REVIEW_NEW_VOTERS_MINUTES"]))
    device_n = int(current_app.config["VOTE_REVIEW_DEVICE_VOTERS"])
    rows = db.session.execute(
        select(Vote.id, Vote.voter_id, Vote.created_at, Vote.network, Vote.device_hash, Voter.created_at)
        .join(Voter, Voter.id == Vote.voter_id)
        .where(Vote.period_id == period.id, Vote.voided_at.is_(None))
        .order_by(Vote.created_at, Vote.id)
    ).all()
    findings: list[Finding] = _same_mailbox(period)

    by_network: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for vid, _voter, at, network, _dev, _vc in rows:
        if network:
            by_network[network].append((at, vid))
    for network, items in sorted(by_network.items()):
        i, j = _densest_window(items, burst_window)
        if j - i >= burst_n:
            findings.append(Finding(
                "network_burst", network,
                _("%(n)d phiếu từ dải mạng %(net)s trong %(m)d phút.", n=j - i, net=network,
                  m=int(burst_window.total_seconds() // 60)),
                [vid for _t, vid in items[i:j]], items[i][0], items[j - 1][0]))

    first_vote: dict[int, tuple[datetime, list[int]]] = {}
    for vid, voter, _at, _net, _dev, voter_created in rows:
        first_vote.setdefault(voter, (voter_created, []))[1].append(vid)
    voters_by_time = sorted(((created, voter) for voter, (created, _ids) in first_vote.items()),
                            key=lambda x: (x[0], x[1]))
    i, j = _densest_window(voters_by_time, new_window)
    if j - i >= new_n:
        members = [voter for _t, voter in voters_by_time[i:j]]
        findings.append(Finding(
            "new_voters_burst", f"{voters_by_time[i][0].isoformat()}",
            _("%(n)d địa chỉ email mới đăng ký trong %(m)d phút rồi bình chọn.", n=j - i,
              m=int(new_window.total_seconds() // 60)),
            sorted(vid for voter in members for vid in first_vote[voter][1]),
            voters_by_time[i][0], voters_by_time[j - 1][0]))

    by_device: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for vid, voter, _at, _net, dev, _vc in rows:
        if dev:
            by_device[dev][voter].append(vid)
    for dev, voters in sorted(by_device.items()):
        if len(voters) >= device_n:
            findings.append(Finding(
                "device_many_voters", dev[:12],
                _("Một thiết bị đã bình chọn bằng %(n)d địa chỉ email khác nhau.", n=len(voters)),
                sorted(v for ids in voters.values() for v in ids)))
    return findings


def _same_mailbox(period: VotingPeriod) -> list[Finding]:
    rows = db.session.execute(
        select(Vote.id, Voter.identity, Vote.entry_id, Vote.vote_day, Vote.created_at)
        .join(Voter, Voter.id == Vote.voter_id)
        .where(Vote.period_id == period.id, Vote.voided_at.is_(None))
        .order_by(Vote.id)
    ).all()
    groups: dict[tuple[str, int, date], list[tuple[int, datetime]]] = defaultdict(list)
    for vid, identity, entry_id, day, at in rows:
        groups[(identity, entry_id, day)].append((vid, at))
    findings = []
    for (identity, _entry_id, _day), items in sorted(groups.items(), key=lambda kv: kv[1][0][0]):
        if len(items) > 1:
            findings.append(Finding(
                "same_mailbox", identity,
                _("%(n)d phiếu cho cùng một bài từ một hộp thư (%(mailbox)s) dưới các cách viết địa chỉ khác "
                  "nhau. Mỗi hộp thư chỉ được một phiếu: hãy giữ một phiếu và hủy các phiếu còn lại.",
                  n=len(items), mailbox=identity),
                [vid for vid, _at in items], items[0][1], items[-1][1]))
    return findings


# ---------------------------------------------------------------- proof of work (self-hosted challenge)

POW_PURPOSE = "vote-pow"


def issue_challenge(action: str, binding: str) -> dict[str, Any]:
    """A signed challenge bound to what it unlocks (an e-mail address or a vote), to be solved once.

    The browser looks for a nonce so that SHA-256(challenge ":" nonce) starts with ``bits`` zero bits.
    """
    from contest.tokens import make_token

    bits = pow_bits()
    forget_spent_challenges()
    bound = hashlib.sha256(binding.encode("utf-8")).hexdigest()[:32]
    token = make_token(POW_PURPOSE, {"a": action, "b": bound, "d": bits, "r": secrets.token_hex(8)})
    return {"challenge": token, "bits": bits}


def leading_zero_bits(digest: bytes) -> int:
    n = 0
    for byte in digest:
        if byte == 0:
            n += 8
            continue
        return n + 8 - byte.bit_length()
    return n


def solve_challenge(challenge: str, bits: int) -> str:
    """Find a nonce (used by the benchmark and tests; browsers run static/js/pow.js)."""
    n = 0
    while True:
        nonce = format(n, "x")
        if leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) >= bits:
            return nonce
        n += 1


def verify_challenge(challenge: str | None, nonce: str | None, action: str, binding: str, *,
                     spend: bool = True) -> str:
    """Raise :class:`VoteError` (400) unless the challenge is ours, fresh, for this action, solved and unused.

    Returns the challenge's id; with ``spend=False`` the caller spends it (:func:`spend_challenge`) once the
    action it unlocks has succeeded, so a refused action (a double click on a vote already counted) answers
    its own reason.
    """
    from contest.tokens import TokenInvalid, read_token

    def failed() -> VoteError:
        return VoteError(
            _("Không xác nhận được thao tác từ trình duyệt. Vui lòng tải lại trang và thử lại."), 400, "pow"
        )

    if not challenge or not nonce or len(nonce) > 64:
        raise failed()
    try:
        data = read_token(POW_PURPOSE, challenge, max_age=int(current_app.config["VOTE_POW_SECONDS"]))
    except TokenInvalid as exc:
        raise failed() from exc
    bound = hashlib.sha256(binding.encode("utf-8")).hexdigest()[:32]
    if data.get("a") != action or data.get("b") != bound or int(data.get("d", 0)) < pow_bits():
        raise failed()
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < int(data["d"]):
        raise failed()
    challenge_id = str(data.get("r", ""))
    if not challenge_id:
        raise failed()
    if spend:
        spend_challenge(challenge_id)
    return challenge_id


def spend_challenge(challenge_id: str) -> None:
    """A solved challenge unlocks one action: the first success records its id, a second is refused (400).

    One statement (INSERT … ON CONFLICT DO NOTHING) on PostgreSQL and SQLite; the key decides between two
    requests racing with one solution.
    """
    dialect = db.session.get_bind().dialect.name
    values = {"challenge_id": challenge_id, "used_at": utcnow()}
    if dialect in _UPSERT_INSERT:
        table = UsedChallenge.__table__
        stmt = _UPSERT_INSERT[dialect](table).values(values).on_conflict_do_nothing().returning(table.c.challenge_id)
        spent = db.session.execute(stmt).scalar() is not None
    else:
        try:
            with db.session.begin_nested():
                db.session.add(UsedChallenge(**values))
            spent = True
        except IntegrityError:
            spent = False
    if not spent:
        raise VoteError(
            _("Không xác nhận được thao tác từ trình duyệt. Vui lòng tải lại trang và thử lại."), 400, "pow"
        )


def forget_spent_challenges(now: datetime | None = None) -> int:
    """Drop ids older than a challenge's lifetime: their tokens are refused as expired anyway."""
    lifetime = timedelta(seconds=int(current_app.config["VOTE_POW_SECONDS"]))
    result = db.session.execute(delete(UsedChallenge).where(UsedChallenge.used_at < (now or utcnow()) - lifetime))
    return result.rowcount or 0


def vote_binding(period_id: int, entry_id: int, voter_id: int) -> str:
    return f"vote:{period_id}:{entry_id}:{voter_id}"


def code_binding(email: str) -> str:
    return f"code:{normalize_email(email)}"
