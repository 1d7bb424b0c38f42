"""One small contest with every kind of object and person, so that every URL of the app can be filled.

Edition 2025 (open, registration open) with its preliminary round OPEN; the owner's entry (submitted, with a
PDF attachment and a co-author), another applicant's entry; an assigned judge with an active assignment and a
draft sheet carrying a private note, an unassigned judge, a judge conflicted with the owner's entry (assigned
to it, but the conflict hides it); a committee member; a published result set on the final round (without the
owner's entry) and a later computed, unpublished one (with it); a voting period open on the preliminary round,
whose ballot holds the other entries.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from contest.extensions import db
from contest.models import (
    Assignment,
    AssignmentState,
    Attachment,
    BallotEntry,
    CommitteeMembership,
    ConflictOfInterest,
    CriterionScore,
    DeletionRequest,
    Edition,
    EntryConflictDeclaration,
    EntryMember,
    EntryRound,
    Role,
    ScoreSheet,
    User,
    VotingPeriod,
    utcnow,
)
from contest.storage import get_store
from tests.entries.helpers import tiny_pdf
from tests.factories import make_edition, make_entry, make_user

SECRET_NOTE = "GHI-CHU-RIENG-TU-cua-giam-khao"
SECRET_TITLE = "Bí-mật-tên-bài-của-chủ-sở-hữu"
OTHER_TITLE = "Bí-mật-tên-bài-người-khác"
# Who made the owner's entry: hidden from judges while blind judging is on.
OWNER_NAME = "Chủ Bài Dự Thi"
COAUTHOR_NAME = "Đồng Tác Giả"
OWNER_ORGANIZATION = "Công ty Chè Tân Cương"
OWNER_FILE_NAME = "thuyet-minh-Chu-Bai-Du-Thi.pdf"


@dataclass
class World:
    edition: Edition
    users: dict[str, User]
    ids: dict[str, Any] = field(default_factory=dict)


ROLES = ("anonymous", "owner", "applicant_other", "judge_assigned", "judge_unassigned", "judge_conflicted",
         "organizer", "committee")


def _attach(entry, kind, filename: str = "ho-so.pdf") -> Attachment:
    data = tiny_pdf("Ho so mat")
    stored = get_store().put(io.BytesIO(data), content_type="application/pdf", key_prefix=f"entries/{entry.id}/")
    attachment = Attachment(entry_id=entry.id, kind_id=kind.id, display_filename=filename,
                            content_type="application/pdf", size=stored.size, sha256=stored.sha256,
                            storage_key=stored.key, uploaded_by_id=entry.owner_id)
    db.session.add(attachment)
    return attachment


def build_world(*, blind: bool = False) -> World:
    edition = make_edition()
    edition.blind_judging = blind
    users = {
        "owner": make_user(Role.APPLICANT, full_name=OWNER_NAME, organization=OWNER_ORGANIZATION),
        "applicant_other": make_user(Role.APPLICANT, full_name="Người Nộp Khác"),
        "judge_assigned": make_user(Role.JUDGE, full_name="Giám Khảo Được Phân"),
        "judge_unassigned": make_user(Role.JUDGE, full_name="Giám Khảo Không Phân"),
        "judge_conflicted": make_user(Role.JUDGE, full_name="Giám Khảo Xung Đột", organization=OWNER_ORGANIZATION),
        "organizer": make_user(Role.ORGANIZER, full_name="Ban Tổ Chức"),
        "committee": make_user(Role.COMMITTEE, full_name="Thành Viên Hội Đồng"),
    }
    owner, other = users["owner"], users["applicant_other"]
    preliminary, final = edition.rounds[0], edition.rounds[-1]
    entry = make_entry(owner, edition, status="eligible", title=SECRET_TITLE, public_consent=True,
                       organization=OWNER_ORGANIZATION)
    other_entry = make_entry(other, edition, status="eligible", title=OTHER_TITLE, public_consent=True)
    draft = make_entry(owner, edition, status="draft", title="Bản nháp của chủ")
    extra = make_entry(other, edition, status="eligible", title="Máy sấy nông sản công khai")
    entry.members.append(EntryMember(full_name=COAUTHOR_NAME, position=1, email="dong@example.vn"))
    db.session.add(EntryConflictDeclaration(entry_id=draft.id, organization="Viện Khác"))
    kind = next(k for k in edition.attachment_kinds if k.code == "phieu_dang_ky")
    attachment = _attach(entry, kind, OWNER_FILE_NAME)
    draft_attachment = _attach(draft, kind)
    other_attachment = _attach(other_entry, kind)
    for e in (entry, other_entry, extra):
        db.session.add(EntryRound(entry=e, round=preliminary))
    preliminary.status = "open"
    preliminary.opens_at = utcnow() - timedelta(days=1)
    preliminary.closes_at = utcnow() + timedelta(days=10)
    db.session.flush()

    def assign(judge: User, e, note: str | None = None) -> Assignment:
        a = Assignment(round_id=preliminary.id, judge_id=judge.id, entry_id=e.id,
                       state=AssignmentState.ACTIVE.value, published_at=utcnow())
        a.sheet = ScoreSheet(status="draft", private_note=note,
                             scores=[CriterionScore(criterion_id=preliminary.criteria[0].id, value=Decimal("10"))])
        db.session.add(a)
        return a

    mine = assign(users["judge_assigned"], entry, SECRET_NOTE)
    assign(users["judge_assigned"], other_entry)
    conflicted = assign(users["judge_conflicted"], entry, "ghi chú của giám khảo xung đột")
    unassigned_other = assign(users["judge_unassigned"], other_entry)
    db.session.add(ConflictOfInterest(judge_id=users["judge_conflicted"].id, entry_id=entry.id, source="organizer",
                                      reason="Cùng đơn vị"))
    db.session.add(CommitteeMembership(edition_id=edition.id, user_id=users["committee"].id))

    # Result sets are real computations over submitted final-round sheets by two judges outside the matrix (the
    # final round stays DRAFT, so these sheets open nothing). The published list holds only the other entries;
    # the owner's entry is in a later computation that is not published.
    from contest.results import compute_result_set, freeze_result_set
    from tests.results.helpers import add_sheet

    panel = [make_user(Role.JUDGE, full_name=f"Giám khảo chung khảo {i}") for i in (1, 2)]
    for e, totals in ((other_entry, (60, 58)), (extra, (75, 77))):
        for judge, total in zip(panel, totals):
            add_sheet(final, e, judge, total)
    db.session.commit()
    published = compute_result_set(final)
    freeze_result_set(published, None)
    published.status = "published"
    published.published_at = utcnow()
    published.complaint_ends_at = utcnow() + timedelta(days=7)
    db.session.commit()
    for judge, total in zip(panel, (72, 70)):
        add_sheet(final, entry, judge, total)
    computed = compute_result_set(final)
    db.session.commit()
    period = VotingPeriod(round_id=preliminary.id, opens_at=utcnow() - timedelta(hours=1),
                          closes_at=utcnow() + timedelta(days=3))
    period.ballot = [BallotEntry(entry_id=other_entry.id, position=0), BallotEntry(entry_id=extra.id, position=1)]
    db.session.add(period)
    request = DeletionRequest(user_id=owner.id, reason="Thử nghiệm")
    db.session.add(request)
    db.session.commit()

    conflict = db.session.query(ConflictOfInterest).first()
    membership = db.session.query(CommitteeMembership).first()
    ids = {
        "edition_id": edition.id, "slug": edition.slug, "round_id": preliminary.id, "final_round_id": final.id,
        "entry_id": entry.id, "other_entry_id": other_entry.id, "draft_id": draft.id,
        "attachment_id": attachment.id, "draft_attachment_id": draft_attachment.id,
        "other_attachment_id": other_attachment.id,
        "member_id": entry.members[0].id, "kind_id": kind.id,
        "declaration_id": draft.conflict_declarations[0].id,
        "assignment_id": mine.id, "conflicted_assignment_id": conflicted.id,
        "unassigned_other_assignment_id": unassigned_other.id,
        "sheet_id": mine.sheet.id, "computed_rs_id": computed.id, "published_rs_id": published.id,
        "computed_award_id": computed.awards[0].id, "published_award_id": published.awards[0].id,
        "ballot_entry_id": other_entry.id, "extra_entry_id": extra.id,
        "period_id": period.id, "conflict_id": conflict.id, "membership_id": membership.id,
        "draft_member_id": draft.members[0].id, "request_id": request.id,
        "judge_id": users["judge_assigned"].id, "category_id": entry.category_id,
    }
    return World(edition=edition, users=users, ids=ids)
