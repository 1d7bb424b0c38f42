"""All models, one module per aggregate; importing this package registers every table."""

from contest.models.audit import AuditEvent
from contest.models.base import Base, utcnow
from contest.models.certificates import Certificate, CertificateSettings
from contest.models.complaints import OPEN_COMPLAINT_STATUSES, Complaint, ComplaintStatus
from contest.models.decisions import AwardDecision
from contest.models.editions import (
    AdvancementRule,
    AttachmentKind,
    AwardLevel,
    AwardScope,
    Category,
    Criterion,
    Edition,
    EditionStatus,
    EligibilityCheck,
    Locality,
    Round,
    RoundMode,
    RoundStatus,
)
from contest.models.entries import (
    Attachment,
    EligibilityResult,
    Entry,
    EntryConflictDeclaration,
    EntryMember,
    EntryRound,
    EntryStatus,
    RoundOutcome,
)
from contest.models.judging import (
    Assignment,
    AssignmentState,
    ConflictOfInterest,
    ConflictSource,
    CriterionScore,
    ReminderLog,
    ScoreSheet,
    SheetStatus,
)
from contest.models.organizations import (
    AffiliationStatus,
    JudgeAffiliation,
    NearMatchDecision,
    NearMatchVerdict,
    Organization,
    OrganizationName,
    OrganizationStatus,
)
from contest.models.people import (
    ApplicantProfile,
    ApplicantType,
    CommitteeMembership,
    JudgeProfile,
    Role,
    User,
    UserRole,
)
from contest.models.privacy import DeletionRequest, DeletionStatus
from contest.models.results import (
    ApprovalState,
    Award,
    AwardApproval,
    ResultSet,
    ResultStatus,
)
from contest.models.reviews import ChairDecision, ChairDecisionKind, PanelChair
from contest.models.showcase import ShowcaseConsent
from contest.models.votes import (
    ONCE_DAY,
    BallotEntry,
    UsedChallenge,
    Vote,
    VoteFrequency,
    Voter,
    VoterCode,
    VotingPeriod,
)

__all__ = [name for name in dir() if not name.startswith("_")]
