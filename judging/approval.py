"""Approval of awards by the organizing committee: at least two thirds of its members.

Model
    ``required = ceil(2 × members / 3)`` computed with integers only (no floating point, whose
    2/3 is not exact): 3 -> 2, 4 -> 3, 5 -> 4, 7 -> 5, 9 -> 6.  An award is ``approved`` once
    approvals reach the requirement, ``rejected`` once the requirement can no longer be reached
    even if every member who has not voted approves, and ``pending`` otherwise.

Assumptions: every member votes at most once, approve or reject; abstaining is not voting.
Units: whole numbers of committee members.
"""

from __future__ import annotations

APPROVED = "approved"
REJECTED = "rejected"
PENDING = "pending"


def required_approvals(members: int) -> int:
    """The smallest whole number of members that is at least two thirds of ``members``."""
    if isinstance(members, bool) or int(members) != members or members < 1:
        raise ValueError("the committee needs a whole number of members >= 1")
    return -(-2 * int(members) // 3)


def approval_state(approvals: int, rejections: int, members: int) -> str:
    """``approved``, ``rejected`` or ``pending`` for an award with these counts."""
    need = required_approvals(members)
    for name, value in (("approvals", approvals), ("rejections", rejections)):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0")
    if approvals + rejections > members:
        raise ValueError("more votes than committee members")
    if approvals >= need:
        return APPROVED
    if members - rejections < need:
        return REJECTED
    return PENDING
