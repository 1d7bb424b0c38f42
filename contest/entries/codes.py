"""Reference codes such as ``TN2025-0012``, unique per edition."""

from __future__ import annotations

from sqlalchemy import update

from contest.extensions import db
from contest.models import Edition


def next_reference_code(edition: Edition) -> str:
    """Take the edition's next number atomically.

    The UPDATE … RETURNING holds the row lock until the transaction ends, so
    two applicants creating entries at the same moment never get one code;
    the unique constraint on (edition, reference_code) is the last guard.
    """
    number = db.session.execute(
        update(Edition)
        .where(Edition.id == edition.id)
        .values(next_entry_number=Edition.next_entry_number + 1)
        .returning(Edition.next_entry_number)
        .execution_options(synchronize_session=False)
    ).scalar_one() - 1
    edition_prefix = edition.code_prefix or "TN"
    return f"{edition_prefix}{edition.year}-{number:04d}"
