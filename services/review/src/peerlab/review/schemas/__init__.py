"""Request and response shapes: ``student`` (anonymous by construction), ``staff``, ``rubric``."""

from peerlab.review.schemas.rubric import (
    RubricCriterion, RubricPublic, RubricQuestion, RubricUpdate, default_rubric,
)
from peerlab.review.schemas.staff import (
    AllocationRunPublic, AllocationStaffPublic, AuditEntryPublic, FlagPublic, LabOverviewPublic, ReviewerProgress,
    ReviewStaffPublic, RoundCreate, RoundPublic, RoundUpdate, StudentOverviewPublic, SubmissionPublic,
    TeacherItemPublic, TeacherItemResolve, VerdictCounts, VerdictPublic, VerdictUpdate,
)
from peerlab.review.schemas.student import (
    EligibilityPublic, FlagReceipt, LabStatusPublic, ReactionCreate, ReactionPublic,
    ReceivedReviewPublic, ReviewContent, ReviewFlagCreate, StudentLabsPublic, StudentRoundPublic,
    SubmissionFlagCreate, TaskPublic,
)

STUDENT_RESPONSE_MODELS = (
    TaskPublic, ReceivedReviewPublic, ReactionPublic, FlagReceipt, StudentRoundPublic,
    LabStatusPublic, EligibilityPublic, StudentLabsPublic, RubricPublic, ReviewContent,
)
"""Every model a student-facing route answers with (checked by the anonymity tests)."""

__all__ = [
    "STUDENT_RESPONSE_MODELS", "AllocationRunPublic", "AllocationStaffPublic", "AuditEntryPublic", "EligibilityPublic",
    "FlagPublic", "FlagReceipt", "LabOverviewPublic", "LabStatusPublic", "ReactionCreate", "ReactionPublic",
    "ReceivedReviewPublic", "ReviewContent", "ReviewFlagCreate", "ReviewStaffPublic", "ReviewerProgress",
    "RoundCreate", "RoundPublic", "RoundUpdate", "RubricCriterion", "RubricPublic", "RubricQuestion",
    "RubricUpdate", "StudentLabsPublic", "StudentOverviewPublic", "StudentRoundPublic",
    "SubmissionFlagCreate", "SubmissionPublic", "TaskPublic", "TeacherItemPublic", "TeacherItemResolve",
    "VerdictCounts", "VerdictPublic", "VerdictUpdate", "default_rubric",
]
