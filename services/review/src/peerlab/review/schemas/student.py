"""Student-facing response and request shapes.

Anonymity by construction: none of these models has a field that can hold the identity of the
other side of a review (no reviewer id, reviewee id, owner id, submission id or allocation id).
A reviewer's task is named by its unguessable ``task_token``; a received review by its own id.
The only person id any of them carries is the caller's own (``student_id`` of lab status and
eligibility).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from peerlab.review.schemas.rubric import RubricPublic

LabState = Literal["not_handed_in", "pending", "passed", "failed", "resubmitted"]
EligibilityState = Literal["eligible", "not_eligible", "undecided"]


class ReviewContent(BaseModel):
    """Scores per criterion key and answers per question key."""

    model_config = ConfigDict(extra="forbid")

    scores: dict[str, int] = Field(default_factory=dict)
    answers: dict[str, str] = Field(default_factory=dict)


class ReactionCreate(BaseModel):
    """The author's rating of a received review's helpfulness (feedback on feedback)."""

    model_config = ConfigDict(extra="forbid")

    helpfulness: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class ReactionPublic(BaseModel):
    helpfulness: int
    comment: str
    updated_at: datetime


class SubmissionFlagCreate(BaseModel):
    """A reviewer flags the submission of a task (e.g. empty or the wrong lab)."""

    model_config = ConfigDict(extra="forbid")

    reason: Literal["empty", "wrong_lab", "unreadable", "other"]
    comment: str = Field(default="", max_length=2000)


class ReviewFlagCreate(BaseModel):
    """An author flags a received review as inappropriate."""

    model_config = ConfigDict(extra="forbid")

    reason: Literal["inappropriate", "offensive", "not_a_review", "other"]
    comment: str = Field(default="", max_length=2000)


class FlagReceipt(BaseModel):
    """``replacement_task_token`` names the task given instead of a flagged submission."""

    recorded: bool = True
    replacement_task_token: str | None = None


class TaskPublic(BaseModel):
    """A review task as its reviewer sees it."""

    task_token: str
    lab_number: int | None
    assignment_id: str
    state: Literal["todo", "draft", "submitted", "flagged", "withdrawn"]
    due_at: datetime | None
    window_open: bool
    rubric: RubricPublic
    review: ReviewContent | None = None
    submitted_at: datetime | None = None
    reaction: ReactionPublic | None = Field(default=None, description="The author's rating of this review.")


class ReceivedReviewPublic(BaseModel):
    """A submitted review of the caller's hand-in."""

    review_id: str
    lab_number: int | None
    assignment_id: str
    rubric: RubricPublic
    scores: dict[str, int]
    answers: dict[str, str]
    submitted_at: datetime | None
    my_reaction: ReactionPublic | None = None
    flagged_by_me: bool = False


class StudentRoundPublic(BaseModel):
    """A round without its seed or exclusion groups."""

    round_id: str
    assignment_id: str
    lab_number: int | None
    reviews_per_person: int
    review_closes_at: datetime | None
    status: str
    rubric: RubricPublic


class LabStatusPublic(BaseModel):
    student_id: str
    lab_number: int
    assignment_id: str | None
    status: LabState
    deadline: datetime | None
    handed_in_at: datetime | None
    late: bool = False
    verdict: Literal["pass", "fail"] | None = None
    verdict_origin: str | None = None
    verdict_comment: str | None = None
    passed_without_hand_in: bool = Field(
        default=False, description="Passed by a teacher's audited decision although it was not handed in (on time)."
    )
    reviews_received: int = 0
    reviews_assigned: int = 0
    reviews_given: int = 0


class EligibilityPublic(BaseModel):
    student_id: str
    status: EligibilityState
    labs_passed: int
    labs_open: int
    threshold: int
    total_labs: int


class StudentLabsPublic(BaseModel):
    student_id: str
    labs: list[LabStatusPublic]
    eligibility: EligibilityPublic
