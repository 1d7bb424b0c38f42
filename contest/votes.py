"""The public vote (điểm bình chọn): voting periods, verified voters, votes, review and tally.

Operations change the models, write the audit event and flush; the route commits.  A vote's
uniqueness is decided by the database (unique key on period, voter, entry and day), never by a
check in Python, so two tabs or a double click cannot count twice.  Vote points are computed by
:func:`judging.vote.vote_points` from the frozen tally only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contest import audit
from contest.extensions import db
from contest.i18n import _, to_local
from contest.models import (
    ONCE_DAY,
    BallotEntry,
    Entry,
    EntryRound,
    EntryStatus,
    Round,
    RoundOutcome,
    User,
    Vote,
    VoteFrequency,
    Voter,
    VoterCode,
    VotingPeriod,
    utcnow,
)
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


def vote_points_for_round(round_: Round) -> dict[int, Decimal]:
    """entry_id → vote points from the frozen tally of the round's voting period.

    Empty when the edition has no vote part, the round has no period, or its tally is not
    frozen yet.  Points are ``edition.vote_points × votes ÷ max``, half-up to one decimal.
    """
    edition = round_.edition
    if not edition.has_public_vote:
        return {}
    period = period_for_round(round_)
    if period is None or period.frozen_at is None or not period.tally:
        return {}
    counts = {str(k): int(v) for k, v in period.tally["counts"].items()}
    return {int(k): v for k, v in vote_points(counts, max_points=edition.vote_points).items()}
