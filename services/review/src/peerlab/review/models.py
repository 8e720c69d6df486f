"""The review service's tables (all prefixed ``review_``).

Projections of other services' data (assignments, submissions, students) are kept apart from
what this service owns (rounds, rubrics, allocations, reviews, reactions, flags, verdicts,
eligibility, the teacher queue).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from peerlab.chassis.clock import UTCDateTime

TZ = UTCDateTime()


# --- projections of other services -------------------------------------------------------------
class AssignmentRow(SQLModel, table=True):
    """An assignment as ``assignment.upserted.v1`` / ``assignment.closed.v1`` describe it."""

    __tablename__ = "review_assignment"

    assignment_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)
    lab_number: int | None = Field(default=None, index=True)
    title: str = Field(default="", max_length=300)
    owner_type: str = Field(default="student", max_length=20)
    opens_at: datetime | None = Field(default=None, sa_type=TZ)
    deadline: datetime | None = Field(default=None, sa_type=TZ)
    closed_at: datetime | None = Field(default=None, sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


class StudentRow(SQLModel, table=True):
    """A student known from the roster or from a hand-in; eligibility is computed for these."""

    __tablename__ = "review_student"

    student_id: str = Field(primary_key=True, max_length=64)
    enrolled: bool = Field(default=True)
    programme: str | None = Field(default=None, max_length=20)
    first_seen_at: datetime = Field(sa_type=TZ)


class SubmissionRow(SQLModel, table=True):
    """One owner's hand-in for one assignment (its latest version), from the submissions events.

    ``final`` is set from ``assignment.closed.v1`` (the owner's final version at the deadline);
    ``withdrawn_from_review`` after too many reviewer flags.
    """

    __tablename__ = "review_submission"
    __table_args__ = (Index("ix_review_submission_assignment_owner", "assignment_id", "owner_id"),)

    submission_id: str = Field(primary_key=True, max_length=64)
    assignment_id: str = Field(max_length=64)
    assignment_kind: str = Field(max_length=20)
    lab_number: int | None = Field(default=None)
    owner_type: str = Field(default="student", max_length=20)
    owner_id: str = Field(max_length=64, index=True)
    submitted_by: str = Field(default="", max_length=64)
    version: int = Field(default=1)
    file_name: str = Field(default="", max_length=300)
    size: int = Field(default=0)
    sha256: str = Field(default="", max_length=64)
    received_at: datetime | None = Field(default=None, sa_type=TZ)
    on_time: bool = Field(default=True)
    withdrawn: bool = Field(default=False)
    withdrawn_at: datetime | None = Field(default=None, sa_type=TZ)
    final: bool = Field(default=False)
    withdrawn_from_review: bool = Field(default=False)
    updated_at: datetime = Field(sa_type=TZ)


# --- rounds and rubrics ------------------------------------------------------------------------
class RoundRow(SQLModel, table=True):
    """The peer review of one lab assignment.

    ``status``: ``configured`` (waiting for the deadline), ``allocated``, ``allocation_failed``.
    ``window_closed_at`` is set once the no-news-is-a-pass defaults were applied.
    """

    __tablename__ = "review_round"

    id: str = Field(primary_key=True, max_length=36)
    assignment_id: str = Field(max_length=64, unique=True)
    lab_number: int | None = Field(default=None, index=True)
    k: int = Field(default=3)
    window_days: int = Field(default=7)
    review_closes_at: datetime | None = Field(default=None, sa_type=TZ)
    seed: str = Field(max_length=100)
    peer_grading_required: bool = Field(default=False)
    rubric_version: int = Field(default=1)
    status: str = Field(default="configured", max_length=30)
    failure_reason_code: str | None = Field(default=None, max_length=50)
    failure_message: str | None = Field(default=None, sa_type=Text)
    allocated_at: datetime | None = Field(default=None, sa_type=TZ)
    window_closed_at: datetime | None = Field(default=None, sa_type=TZ)
    created_at: datetime = Field(sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


class RubricRow(SQLModel, table=True):
    """One version of a round's rubric; a review keeps the version it was started under."""

    __tablename__ = "review_rubric"

    round_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    criteria: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_type=TZ)


class ExclusionMemberRow(SQLModel, table=True):
    """Membership of an exclusion group: members of one group never review each other."""

    __tablename__ = "review_exclusion_member"

    round_id: str = Field(primary_key=True, max_length=36)
    student_id: str = Field(primary_key=True, max_length=64)
    group_label: str = Field(max_length=64)


# --- allocation --------------------------------------------------------------------------------
class AllocationRunRow(SQLModel, table=True):
    """One allocation run of a round. The primary key is the claim: run 1 is written once per
    round, in the transaction that writes the allocations, so duplicate or concurrent triggers
    cannot both allocate (the loser fails on the key and, retried, finds the round allocated)."""

    __tablename__ = "review_allocation_run"

    round_id: str = Field(primary_key=True, max_length=36)
    run_no: int = Field(primary_key=True)
    trigger: str = Field(max_length=30)
    triggered_by: str = Field(default="", max_length=100)
    outcome: str = Field(max_length=30)
    reason_code: str | None = Field(default=None, max_length=50)
    message: str | None = Field(default=None, sa_type=Text)
    method: str | None = Field(default=None, max_length=20)
    submitters: int = Field(default=0)
    added: int = Field(default=0)
    kept: int = Field(default=0)
    cancelled: int = Field(default=0)
    created_at: datetime = Field(sa_type=TZ)


class AllocationRow(SQLModel, table=True):
    """A reviewer's task: review one submission. ``status``: ``active``, ``flagged`` (the reviewer
    flagged it and got a replacement), ``withdrawn`` (the submission left the review),
    ``cancelled`` (a rerun dropped it before it was started)."""

    __tablename__ = "review_allocation"
    __table_args__ = (
        UniqueConstraint("round_id", "reviewer_id", "submission_id", name="uq_review_allocation_pair"),
        Index("ix_review_allocation_round_status", "round_id", "status"),
    )

    id: str = Field(primary_key=True, max_length=36)
    round_id: str = Field(max_length=36)
    submission_id: str = Field(max_length=64, index=True)
    reviewer_id: str = Field(max_length=64, index=True)
    reviewee_id: str = Field(max_length=64)
    task_token: str = Field(max_length=64, unique=True)
    status: str = Field(default="active", max_length=20)
    run_no: int = Field(default=1)
    replaces_allocation_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


# --- reviews, reactions, flags -----------------------------------------------------------------
class ReviewRow(SQLModel, table=True):
    """The review of one allocation: ``draft`` until submitted."""

    __tablename__ = "review_review"

    id: str = Field(primary_key=True, max_length=36)
    allocation_id: str = Field(max_length=36, unique=True)
    round_id: str = Field(max_length=36, index=True)
    submission_id: str = Field(max_length=64, index=True)
    reviewer_id: str = Field(max_length=64)
    reviewee_id: str = Field(max_length=64, index=True)
    rubric_version: int = Field(default=1)
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=20)
    created_at: datetime = Field(sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)
    submitted_at: datetime | None = Field(default=None, sa_type=TZ)


class ReactionRow(SQLModel, table=True):
    """The author's rating of a review's helpfulness (feedback on feedback); one per review."""

    __tablename__ = "review_reaction"

    review_id: str = Field(primary_key=True, max_length=36)
    helpfulness: int
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


class FlagRow(SQLModel, table=True):
    """A reviewer's flag of a submission (``kind='submission'``) or an author's flag of a review
    (``kind='review'``). ``dedupe_key`` makes each task or review flaggable once."""

    __tablename__ = "review_flag"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=20)
    dedupe_key: str = Field(max_length=80, unique=True)
    round_id: str = Field(max_length=36, index=True)
    submission_id: str = Field(max_length=64, index=True)
    allocation_id: str | None = Field(default=None, max_length=36)
    review_id: str | None = Field(default=None, max_length=36)
    flagged_by: str = Field(max_length=64)
    reason: str = Field(max_length=40)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=TZ)


# --- verdicts, eligibility, teacher queue ------------------------------------------------------
class VerdictRow(SQLModel, table=True):
    """Every verdict ever set (history). The effective one is the latest (highest ``seq``)."""

    __tablename__ = "review_verdict"
    __table_args__ = (Index("ix_review_verdict_student_lab", "student_id", "lab_number"),)

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    student_id: str = Field(max_length=64)
    lab_number: int
    assignment_id: str | None = Field(default=None, max_length=64)
    verdict: str = Field(max_length=10)
    origin: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=40)
    comment: str = Field(default="", sa_type=Text)
    set_by: str = Field(max_length=64)
    set_at: datetime = Field(sa_type=TZ)


class AuditEntryRow(SQLModel, table=True):
    """A staff decision that bends a course rule (e.g. a lab passed without a hand-in): who did
    what to whom, when and why. Written in the transaction of the decision; never changed."""

    __tablename__ = "review_audit_entry"
    __table_args__ = (Index("ix_review_audit_entry_student", "student_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    action: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    student_id: str = Field(max_length=64)
    lab_number: int | None = Field(default=None)
    reason: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TZ)


class EligibilityRow(SQLModel, table=True):
    """A student's last computed eligibility; an event is published only when ``status`` changes."""

    __tablename__ = "review_eligibility"

    student_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=20)
    labs_passed: int
    labs_open: int
    threshold: int
    updated_at: datetime = Field(sa_type=TZ)


class TeacherItemRow(SQLModel, table=True):
    """Something teachers must look at: a resubmission, a withdrawn submission, a flagged review,
    a failed allocation, a reviewer left without a replacement task."""

    __tablename__ = "review_teacher_item"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=40, index=True)
    dedupe_key: str = Field(max_length=120, unique=True)
    round_id: str | None = Field(default=None, max_length=36)
    lab_number: int | None = Field(default=None)
    student_id: str | None = Field(default=None, max_length=64)
    submission_id: str | None = Field(default=None, max_length=64)
    review_id: str | None = Field(default=None, max_length=36)
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=TZ)
    resolved_at: datetime | None = Field(default=None, sa_type=TZ)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution: str | None = Field(default=None, sa_type=Text)


__all__ = [
    "AllocationRow",
    "AllocationRunRow",
    "AssignmentRow",
    "AuditEntryRow",
    "EligibilityRow",
    "ExclusionMemberRow",
    "FlagRow",
    "ReactionRow",
    "ReviewRow",
    "RoundRow",
    "RubricRow",
    "StudentRow",
    "SubmissionRow",
    "TeacherItemRow",
    "VerdictRow",
]
