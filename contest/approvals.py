"""Approval of awards by the organizing committee (Ban tổ chức).

Each member approves or rejects each award; decisions are keyed by the award's revision, so
replacing one award (which bumps its revision) re-opens approval for that award only.  The
two-thirds rule itself lives in :mod:`judging.approval`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from contest.extensions import db
from contest.i18n import _, localized
from contest.models import (
    ApprovalState,
    Award,
    AwardApproval,
    CommitteeMembership,
    Edition,
    ResultSet,
)
from judging.approval import approval_state, required_approvals


@dataclass(frozen=True)
class ApprovalSummary:
    members: int
    required: int
    approvals: int
    rejections: int
    state: str

    @property
    def still_needed(self) -> int:
        return max(0, self.required - self.approvals)


def member_ids(edition: Edition | int) -> set[int]:
    edition_id = edition if isinstance(edition, int) else edition.id
    return set(
        db.session.scalars(
            select(CommitteeMembership.user_id).where(CommitteeMembership.edition_id == edition_id)
        )
    )


def current_decisions(award: Award, members: set[int] | None = None) -> list[AwardApproval]:
    """Decisions of current members on the award's current revision."""
    if members is None:
        members = member_ids(award.result_set.edition_id)
    return [a for a in award.approvals if a.revision == award.revision and a.member_id in members]


def summarize(award: Award, members: set[int] | None = None) -> ApprovalSummary | None:
    """Counts and state of the award's approval; None when the committee has no members."""
    if members is None:
        members = member_ids(award.result_set.edition_id)
    if not members:
        return None
    decisions = current_decisions(award, members)
    approvals = sum(1 for a in decisions if a.decision == "approve")
    rejections = sum(1 for a in decisions if a.decision == "reject")
    n = len(members)
    return ApprovalSummary(
        members=n,
        required=required_approvals(n),
        approvals=approvals,
        rejections=rejections,
        state=approval_state(approvals, rejections, n),
    )


def publication_blockers(result_set: ResultSet) -> list[str]:
    """Translated reasons why the award list cannot be published yet; empty when it can."""
    members = member_ids(result_set.edition_id)
    awarded = [a for a in result_set.awards if a.level is not None]
    if not awarded:
        return []
    if not members:
        return [_("Ban tổ chức chưa có thành viên nào để phê duyệt danh sách giải.")]
    reasons: list[str] = []
    for award in awarded:
        summary = summarize(award, members)
        assert summary is not None
        label = f"{localized(award.level, 'name')} – {award.entry.reference_code}"
        if summary.state == ApprovalState.REJECTED:
            reasons.append(
                _("%(award)s: bị từ chối (%(n)d phiếu từ chối), cần thay thế giải này.",
                  award=label, n=summary.rejections)
            )
        elif summary.state != ApprovalState.APPROVED:
            reasons.append(
                _("%(award)s: còn thiếu %(n)d phiếu phê duyệt", award=label, n=summary.still_needed)
            )
    return reasons
