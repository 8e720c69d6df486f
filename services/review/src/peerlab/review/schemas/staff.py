"""Staff-facing shapes (teachers and TAs). These carry identities; students never receive them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from peerlab.review.schemas.rubric import RubricPublic, RubricUpdate
from peerlab.review.schemas.student import EligibilityPublic, LabStatusPublic, ReactionPublic

IdList = list[list[str]]


def _check_groups(groups: IdList | None) -> IdList | None:
    if groups is None:
        return None
    seen: set[str] = set()
    for group in groups:
        for member in group:
            if member in seen:
                raise ValueError(f"{member!r} is in more than one exclusion group")
            seen.add(member)
    return groups


class RoundCreate(BaseModel):
    """A review round for a lab assignment; omitted fields take the service defaults."""

    model_config = ConfigDict(extra="forbid")

    assignment_id: str = Field(min_length=1, max_length=64)
    reviews_per_person: int | None = Field(default=None, ge=1, le=20)
    window_days: int | None = Field(default=None, ge=0, le=60)
    seed: str | None = Field(default=None, min_length=1, max_length=100)
    peer_grading_required: bool | None = None
    rubric: RubricUpdate | None = None
    exclusion_groups: IdList | None = Field(default=None, max_length=2000)

    _groups = field_validator("exclusion_groups")(_check_groups)


class RoundUpdate(BaseModel):
    """Changes to a round. k, seed and exclusion groups are fixed once the round is allocated."""

    model_config = ConfigDict(extra="forbid")

    reviews_per_person: int | None = Field(default=None, ge=1, le=20)
    window_days: int | None = Field(default=None, ge=0, le=60)
    seed: str | None = Field(default=None, min_length=1, max_length=100)
    peer_grading_required: bool | None = None
    exclusion_groups: IdList | None = Field(default=None, max_length=2000)

    _groups = field_validator("exclusion_groups")(_check_groups)


class RoundPublic(BaseModel):
    id: str
    assignment_id: str
    lab_number: int | None
    reviews_per_person: int
    window_days: int
    review_closes_at: datetime | None
    seed: str
    peer_grading_required: bool
    rubric: RubricPublic
    status: str
    failure_reason_code: str | None
    failure_message: str | None
    allocated_at: datetime | None
    window_closed_at: datetime | None
    exclusion_groups: IdList
    created_at: datetime
    updated_at: datetime


class AllocationRunPublic(BaseModel):
    round_id: str
    run_no: int
    trigger: str
    triggered_by: str
    outcome: str
    reason_code: str | None
    message: str | None
    method: str | None
    submitters: int
    added: int
    kept: int
    cancelled: int
    created_at: datetime


class AllocationStaffPublic(BaseModel):
    id: str
    round_id: str
    submission_id: str
    reviewer_id: str
    reviewee_id: str
    status: str
    review_status: Literal["todo", "draft", "submitted"]
    replaces_allocation_id: str | None
    created_at: datetime


class ReviewStaffPublic(BaseModel):
    id: str
    allocation_id: str
    round_id: str
    submission_id: str
    reviewer_id: str
    reviewee_id: str
    status: str
    rubric_version: int
    scores: dict[str, int]
    answers: dict[str, str]
    submitted_at: datetime | None
    reaction: ReactionPublic | None


class VerdictUpdate(BaseModel):
    """Pass or fail a lab. Passing needs an on-time hand-in or a resubmission; to pass a lab that
    was not handed in, say so (``without_hand_in``) and why (``override_reason``): it is audited."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["pass", "fail"]
    comment: str = Field(default="", max_length=5000)
    without_hand_in: bool = Field(default=False, description="Pass although the lab was not handed in (on time).")
    override_reason: str | None = Field(
        default=None, max_length=2000, description="Required with without_hand_in; kept in the audit log."
    )


class AuditEntryPublic(BaseModel):
    """A staff decision that bent a course rule: who, what, for whom, when and why."""

    id: str
    action: Literal["pass_without_hand_in"]
    actor: str
    student_id: str
    lab_number: int | None
    reason: str
    created_at: datetime


class VerdictPublic(BaseModel):
    student_id: str
    lab_number: int
    assignment_id: str | None
    verdict: Literal["pass", "fail"]
    origin: str
    reason: str | None
    comment: str
    set_by: str
    set_at: datetime


class SubmissionPublic(BaseModel):
    """The review service's projection of a hand-in."""

    submission_id: str
    assignment_id: str
    assignment_kind: str
    lab_number: int | None
    owner_type: str
    owner_id: str
    version: int
    file_name: str
    received_at: datetime | None
    on_time: bool
    withdrawn: bool
    final: bool
    withdrawn_from_review: bool


class FlagPublic(BaseModel):
    id: str
    kind: str
    submission_id: str
    review_id: str | None
    flagged_by: str
    reason: str
    comment: str
    created_at: datetime


class TeacherItemPublic(BaseModel):
    id: str
    kind: str
    round_id: str | None
    lab_number: int | None
    student_id: str | None
    submission_id: str | None
    review_id: str | None
    detail: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


class TeacherItemResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(default="", max_length=2000)


class ReviewerProgress(BaseModel):
    reviewer_id: str
    assigned: int
    submitted: int
    drafts: int
    missing: int


class VerdictCounts(BaseModel):
    passed: int = 0
    failed: int = 0
    pending: int = 0
    resubmitted: int = 0
    not_handed_in: int = 0


class LabOverviewPublic(BaseModel):
    lab_number: int
    assignment_id: str | None
    deadline: datetime | None
    closed: bool
    round: RoundPublic | None
    handed_in: int
    late: int
    allocated_tasks: int
    reviews_submitted: int
    reviews_missing: int
    reviewers: list[ReviewerProgress]
    flags: list[FlagPublic]
    statuses: VerdictCounts
    failures: list[AllocationRunPublic]
    open_teacher_items: int


class StudentOverviewPublic(BaseModel):
    student_id: str
    labs: list[LabStatusPublic]
    eligibility: EligibilityPublic
    verdicts: list[VerdictPublic]
    audit: list[AuditEntryPublic] = Field(default_factory=list)
