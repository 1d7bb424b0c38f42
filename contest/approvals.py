"""Approval of awards by the organizing committee (Ban tổ chức).

Each member approves or rejects each award; decisions are keyed by the award's revision, so
replacing one award (which bumps its revision) re-opens approval for that award only.  The
two-thirds rule itself lives in :mod:`judging.approval`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contest import audit
from contest.extensions import db
from contest.i18n import _, localized
from contest.models import (
    ApprovalState,
    Assignment,
    Award,
    AwardApproval,
    CommitteeMembership,
    CriterionScore,
    Edition,
    Entry,
    ResultSet,
    ResultStatus,
    Role,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
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
    awarded = proposed_awards(result_set)
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


# ---------------------------------------------------------------- operations

DECISIONS = ("approve", "reject")
SENT_ACTION = "approval.requested"


class ApprovalError(Exception):
    """A refused committee action, with a Vietnamese message and an HTTP status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def add_committee_member(edition: Edition, user: User, title: str | None = None, *,
                         actor: User | None = None) -> CommitteeMembership:
    """Make ``user`` a member of the edition's organizing committee (with the committee role)."""
    existing = db.session.scalar(select(CommitteeMembership).where(
        CommitteeMembership.edition_id == edition.id, CommitteeMembership.user_id == user.id))
    if existing is not None:
        raise ApprovalError(_("%(name)s đã là thành viên Ban tổ chức.", name=user.full_name), 409)
    if not user.active:
        raise ApprovalError(_("Tài khoản này đã bị khóa."), 422)
    if not user.email_verified:
        # The address may have been registered by someone who does not own the mailbox.
        raise ApprovalError(_("Tài khoản %(email)s chưa xác minh email; chỉ thêm vào Ban tổ chức sau khi "
                              "người dùng đã xác minh địa chỉ.", email=user.email), 422)
    membership = CommitteeMembership(edition_id=edition.id, user_id=user.id, title=(title or None))
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError as exc:
        raise ApprovalError(_("%(name)s đã là thành viên Ban tổ chức.", name=user.full_name), 409) from exc
    user.add_role(Role.COMMITTEE)
    db.session.flush()
    audit.record("committee.member_added", membership, actor=actor,
                 after={"edition_id": edition.id, "user_id": user.id, "title": membership.title})
    return membership


def remove_committee_member(membership: CommitteeMembership, *, actor: User | None = None) -> None:
    """Remove a member; the committee role goes when the account sits on no other committee."""
    user = membership.user
    before = {"edition_id": membership.edition_id, "user_id": membership.user_id, "title": membership.title}
    audit.record("committee.member_removed", membership, actor=actor, before=before)
    db.session.delete(membership)
    db.session.flush()
    others = db.session.scalar(select(CommitteeMembership.id).where(CommitteeMembership.user_id == user.id))
    if others is None:
        user.remove_role(Role.COMMITTEE)
    db.session.flush()
    _refresh_states_of_edition(before["edition_id"])


def committee(edition: Edition) -> list[CommitteeMembership]:
    return list(db.session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.edition_id == edition.id)
        .order_by(CommitteeMembership.added_at, CommitteeMembership.id)
    ))


def proposed_awards(result_set: ResultSet) -> list[Award]:
    """The awards of the list that carry a prize level: what the committee approves, best first.

    Each comes with its entry, level and decisions (and who made them), loaded together: the
    committee's page and the approval counts read them for every award.
    """
    awards = db.session.scalars(
        select(Award).where(Award.result_set_id == result_set.id).order_by(Award.rank).options(
            selectinload(Award.entry).selectinload(Entry.category),
            selectinload(Award.computed_level), selectinload(Award.override_level),
            selectinload(Award.approvals).selectinload(AwardApproval.member),
        )
    )
    return [a for a in awards if a.level is not None]


def submitted_sheets_by_entry(result_set: ResultSet, entry_ids: list[int]) -> dict[int, list[ScoreSheet]]:
    """The submitted score sheets behind each entry's award (of the result set's round, when it has one),
    with their scores and criteria, in assignment order; one query for every award of the list."""
    query = (
        select(ScoreSheet, Assignment.entry_id).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(Assignment.entry_id.in_(entry_ids), ScoreSheet.status == SheetStatus.SUBMITTED.value)
        .options(selectinload(ScoreSheet.scores).selectinload(CriterionScore.criterion))
        .order_by(Assignment.id)
    )
    if result_set.round_id is not None:
        query = query.where(Assignment.round_id == result_set.round_id)
    sheets: dict[int, list[ScoreSheet]] = {entry_id: [] for entry_id in entry_ids}
    for sheet, entry_id in db.session.execute(query):
        sheets[entry_id].append(sheet)
    return sheets


def is_open_for_decisions(result_set: ResultSet) -> bool:
    return result_set.status in (ResultStatus.COMPUTED, ResultStatus.FROZEN)


def sent_at(result_set: ResultSet) -> datetime | None:
    """When the list was last sent to the committee (None: never sent)."""
    return result_set.sent_for_approval_at


@dataclass(frozen=True)
class Readiness:
    """Where an award list stands on its way to publication, for the organizers' list of lists."""

    code: str  # "published", "no_awards", "not_sent", "waiting", "ready"
    reasons: list[str]


def readiness(result_set: ResultSet) -> Readiness:
    """A list is ready only once sent to the committee and every award approved; a draft never sent is not."""
    if result_set.status in (ResultStatus.PUBLISHED.value, ResultStatus.FINALIZED.value):
        return Readiness("published", [])
    if not any(a.level is not None for a in result_set.awards):
        return Readiness("no_awards", [])
    if sent_at(result_set) is None:
        return Readiness("not_sent", [])
    reasons = publication_blockers(result_set)
    return Readiness("waiting" if reasons else "ready", reasons)


def sent_result_sets(user: User) -> list[ResultSet]:
    """Result sets sent for approval to the committees this user sits on, newest first."""
    editions = select(CommitteeMembership.edition_id).where(CommitteeMembership.user_id == user.id)
    return list(db.session.scalars(
        select(ResultSet).where(ResultSet.edition_id.in_(editions), ResultSet.sent_for_approval_at.is_not(None))
        .order_by(ResultSet.computed_at.desc())
    ))


def send_for_approval(result_set: ResultSet, *, actor: User | None = None) -> int:
    """E-mail the proposed award list to every committee member; returns how many were told."""
    from contest.mail import send_mail

    if not is_open_for_decisions(result_set):
        raise ApprovalError(_("Chỉ gửi phê duyệt được danh sách đang tính toán hoặc đã chốt."), 409)
    awards = proposed_awards(result_set)
    if not awards:
        raise ApprovalError(_("Danh sách chưa có giải nào để phê duyệt."), 409)
    from contest.reviews import approval_blocker

    unreviewed = approval_blocker(result_set)
    if unreviewed is not None:
        raise ApprovalError(unreviewed, 409)
    members = committee(result_set.edition)
    if not members:
        raise ApprovalError(_("Ban tổ chức chưa có thành viên nào để phê duyệt danh sách giải."), 409)
    link = _path("admin.committee_result_set", result_set_id=result_set.id)
    base = _base_url()
    for m in members:
        send_mail(m.user.email, _("Đề nghị phê duyệt danh sách giải thưởng"), "award_approval_request",
                  member=m.user, result_set=result_set, awards=awards, link=base + link,
                  required=required_approvals(len(members)), members=len(members))
    result_set.sent_for_approval_at = utcnow()
    audit.record(SENT_ACTION, result_set, actor=actor,
                 after={"members": [m.user_id for m in members],
                        "awards": [{"id": a.id, "revision": a.revision} for a in awards]})
    return len(members)


def _path(endpoint: str, **values: object) -> str:
    """A URL path that works inside or outside a request (CLI, tests)."""
    from flask import current_app

    return current_app.url_map.bind("localhost").build(endpoint, values)


def _base_url() -> str:
    from flask import current_app

    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def decide_award(award: Award, member: User, decision: str, comment: str | None = None, *,
                 now: datetime | None = None) -> AwardApproval:
    """A committee member approves or rejects the current revision of one award.

    A member may change their mind while the list is open; the decision is replaced and audited.
    """
    now = now or utcnow()
    if decision not in DECISIONS:
        raise ApprovalError(_("Quyết định không hợp lệ."), 422)
    result_set = award.result_set
    if member.id not in member_ids(result_set.edition_id):
        raise ApprovalError(_("Ông/bà không phải thành viên Ban tổ chức của cuộc thi này."), 403)
    if not is_open_for_decisions(result_set) or sent_at(result_set) is None:
        raise ApprovalError(_("Danh sách giải này không còn mở để phê duyệt."), 409)
    if award.level is None:
        raise ApprovalError(_("Dòng này không có giải nên không cần phê duyệt."), 409)
    comment = (comment or "").strip() or None
    existing = db.session.scalar(select(AwardApproval).where(
        AwardApproval.award_id == award.id, AwardApproval.member_id == member.id,
        AwardApproval.revision == award.revision))
    before = None
    if existing is not None:
        before = {"decision": existing.decision, "comment": existing.comment}
        existing.decision, existing.comment, existing.decided_at = decision, comment, now
        row = existing
    else:
        row = AwardApproval(award_id=award.id, member_id=member.id, revision=award.revision,
                            decision=decision, comment=comment, decided_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError as exc:  # the same member in two tabs at once
            raise ApprovalError(_("Quyết định của ông/bà vừa được ghi nhận ở nơi khác. Vui lòng tải lại trang."),
                                409) from exc
    db.session.flush()
    db.session.refresh(award)
    state_before = award.approval_state
    refresh_approval_state(award)
    audit.record("award.approved" if decision == "approve" else "award.rejected", award, actor=member,
                 before=before, reason=comment,
                 after={"decision": decision, "revision": award.revision, "comment": comment,
                        "state_before": state_before, "state": award.approval_state})
    return row


def refresh_approval_state(award: Award, members: set[int] | None = None) -> str:
    """Store the award's approval state computed from its current revision's decisions."""
    summary = summarize(award, members)
    award.approval_state = summary.state if summary is not None else ApprovalState.PENDING.value
    return award.approval_state


def reopen_award(award: Award, *, actor: User | None = None) -> None:
    """After an award is replaced (its revision bumped), its approval starts again; others stay."""
    before = award.approval_state
    refresh_approval_state(award)
    audit.record("award.approval_reopened", award, actor=actor,
                 before={"approval_state": before},
                 after={"approval_state": award.approval_state, "revision": award.revision})


def _refresh_states_of_edition(edition_id: int) -> None:
    """After the committee changed, recount every open award of the edition against the new members."""
    members = member_ids(edition_id)
    for rs in db.session.scalars(select(ResultSet).where(ResultSet.edition_id == edition_id)):
        if is_open_for_decisions(rs):
            for award in proposed_awards(rs):
                refresh_approval_state(award, members)
