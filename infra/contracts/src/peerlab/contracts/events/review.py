"""Events published by the review service on ``peerlab.review``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData


class ReviewAllocatedV1(EventData):
    """A reviewer was given a submission to review (grants anonymised read access)."""

    TYPE = "review.allocated.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "allocation_id": "al-0001",
                    "round_id": "r-lab-1",
                    "assignment_id": "a-lab-1",
                    "submission_id": "s-0001",
                    "reviewer_id": "s210002",
                    "task_token": "k3J9xQ",
                    "due_at": "2021-09-13T21:59:00Z",
                }
            ]
        }
    )

    allocation_id: str
    round_id: str
    assignment_id: str
    submission_id: str
    reviewer_id: str
    task_token: str
    due_at: datetime
    lab_number: int | None = None
    replaces_allocation_id: str | None = Field(
        default=None,
        description="Set when this task replaces one the reviewer lost (a flag or a withdrawn submission).",
    )


class ReviewAllocationCancelledV1(EventData):
    """A task stopped being active: its reviewer loses read access to the anonymised copy.

    Keyed by allocation id like ``review.allocated.v1``, so a later ``review.allocated.v1`` of the
    same allocation (a rerun that reinstates a dropped task) arrives after it and grants access again.
    """

    TYPE = "review.allocation_cancelled.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "allocation_id": "al-0001",
                    "round_id": "r-lab-1",
                    "assignment_id": "a-lab-1",
                    "submission_id": "s-0001",
                    "reviewer_id": "s210002",
                    "task_token": "k3J9xQ",
                    "reason": "flagged",
                    "cancelled_at": "2021-09-08T12:00:00Z",
                }
            ]
        }
    )

    allocation_id: str
    round_id: str
    assignment_id: str
    submission_id: str
    reviewer_id: str
    task_token: str
    reason: str = Field(
        description=(
            "Why: 'rerun' (a teacher's rerun dropped the unstarted task), 'flagged' (the reviewer flagged "
            "the hand-in and got a replacement), 'submission_withdrawn' (the hand-in left peer review after "
            "flags). Readers must accept other values."
        ),
    )
    cancelled_at: datetime


class ReviewAllocationFailedV1(EventData):
    """No allocation exists for a round; teachers must act. Nothing was allocated."""

    TYPE = "review.allocation_failed.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "round_id": "r-lab-1",
                    "assignment_id": "a-lab-1",
                    "reason_code": "too_few_submitters",
                    "message": "3 submitters cannot each review 3 others",
                }
            ]
        }
    )

    round_id: str
    assignment_id: str
    reason_code: str
    message: str


class ReviewSubmittedV1(EventData):
    """A reviewer submitted their review."""

    TYPE = "review.submitted.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "review_id": "rv-0001",
                    "allocation_id": "al-0001",
                    "round_id": "r-lab-1",
                    "assignment_id": "a-lab-1",
                    "submission_id": "s-0001",
                    "reviewer_id": "s210002",
                    "submitted_at": "2021-09-10T10:00:00Z",
                }
            ]
        }
    )

    review_id: str
    allocation_id: str
    round_id: str
    assignment_id: str
    submission_id: str
    reviewer_id: str
    submitted_at: datetime


class LabVerdictSetV1(EventData):
    """A student's lab was judged (by a teacher, by the no-news-is-a-pass rule, or on resubmission)."""

    TYPE = "lab.verdict_set.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "student_id": "s210001",
                    "assignment_id": "a-lab-1",
                    "lab_number": 1,
                    "verdict": "fail",
                    "origin": "teacher",
                    "set_by": "teacher-ole",
                    "set_at": "2021-09-14T08:00:00Z",
                }
            ]
        }
    )

    student_id: str
    assignment_id: str
    lab_number: int | None = None
    verdict: Literal["pass", "fail"]
    origin: Literal["teacher", "default_pass", "resubmission"] = "teacher"
    set_by: str
    set_at: datetime
    reason: str | None = Field(
        default=None,
        description=(
            "Why a rule set it: 'no_news_is_a_pass', or 'peer_grading_missing' when the round requires "
            "peer grading and the student did not give their reviews (origin 'default_pass', verdict 'fail')."
        ),
    )


class EligibilityChangedV1(EventData):
    """A student's project eligibility changed."""

    TYPE = "eligibility.changed.v1"
    TOPIC = topics.REVIEW
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "student_id": "s210001",
                    "status": "eligible",
                    "labs_passed": 6,
                    "labs_open": 0,
                    "threshold": 6,
                    "changed_at": "2021-10-25T22:00:00Z",
                }
            ]
        }
    )

    student_id: str
    status: Literal["eligible", "not_eligible", "undecided"]
    labs_passed: int
    labs_open: int
    threshold: int
    changed_at: datetime
