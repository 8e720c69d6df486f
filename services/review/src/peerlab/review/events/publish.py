"""Events of the review service, written to the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.review import (
    EligibilityChangedV1,
    LabVerdictSetV1,
    ReviewAllocatedV1,
    ReviewAllocationCancelledV1,
    ReviewAllocationFailedV1,
    ReviewSubmittedV1,
)
from peerlab.review.models import AllocationRow, EligibilityRow, ReviewRow, RoundRow, VerdictRow

SOURCE = "review"


def allocated(
    session: Session,
    *,
    allocation_id: str,
    submission_id: str,
    reviewer_id: str,
    task_token: str,
    replaces_allocation_id: str | None,
    round_row: RoundRow,
    due_at: datetime,
    course_id: str,
) -> None:
    """One per task; the submissions service grants the task token anonymised read access."""
    enqueue(
        session,
        ReviewAllocatedV1(
            allocation_id=allocation_id,
            round_id=round_row.id,
            assignment_id=round_row.assignment_id,
            submission_id=submission_id,
            reviewer_id=reviewer_id,
            task_token=task_token,
            due_at=due_at,
            lab_number=round_row.lab_number,
            replaces_allocation_id=replaces_allocation_id,
        ),
        source=SOURCE,
        subject=allocation_id,
        course_id=course_id,
    )


def allocation_cancelled(
    session: Session, *, allocation: AllocationRow, round_row: RoundRow, reason: str, course_id: str, now: datetime
) -> None:
    """A task stopped being active; the submissions service revokes the token's anonymised copy.
    Keyed by allocation id, like ``allocated``, so the two stay in order."""
    enqueue(
        session,
        ReviewAllocationCancelledV1(
            allocation_id=allocation.id,
            round_id=round_row.id,
            assignment_id=round_row.assignment_id,
            submission_id=allocation.submission_id,
            reviewer_id=allocation.reviewer_id,
            task_token=allocation.task_token,
            reason=reason,
            cancelled_at=now,
        ),
        source=SOURCE,
        subject=allocation.id,
        course_id=course_id,
    )


def allocation_failed(session: Session, *, round_row: RoundRow, reason_code: str, message: str, course_id: str) -> None:
    enqueue(
        session,
        ReviewAllocationFailedV1(
            round_id=round_row.id, assignment_id=round_row.assignment_id, reason_code=reason_code, message=message
        ),
        source=SOURCE,
        subject=round_row.id,
        course_id=course_id,
    )


def review_submitted(session: Session, *, review: ReviewRow, round_row: RoundRow, course_id: str) -> None:
    enqueue(
        session,
        ReviewSubmittedV1(
            review_id=review.id,
            allocation_id=review.allocation_id,
            round_id=round_row.id,
            assignment_id=round_row.assignment_id,
            submission_id=review.submission_id,
            reviewer_id=review.reviewer_id,
            submitted_at=review.submitted_at,
        ),
        source=SOURCE,
        subject=review.id,
        course_id=course_id,
    )


def verdict_set(session: Session, *, verdict: VerdictRow, course_id: str) -> None:
    """Keyed by student, so a student's verdicts and eligibility changes stay in order."""
    enqueue(
        session,
        LabVerdictSetV1(
            student_id=verdict.student_id,
            assignment_id=verdict.assignment_id or "",
            lab_number=verdict.lab_number,
            verdict=verdict.verdict,
            origin=verdict.origin,
            set_by=verdict.set_by,
            set_at=verdict.set_at,
            reason=verdict.reason,
        ),
        source=SOURCE,
        subject=verdict.student_id,
        course_id=course_id,
    )


def eligibility_changed(session: Session, *, row: EligibilityRow, course_id: str) -> None:
    enqueue(
        session,
        EligibilityChangedV1(
            student_id=row.student_id,
            status=row.status,
            labs_passed=row.labs_passed,
            labs_open=row.labs_open,
            threshold=row.threshold,
            changed_at=row.updated_at,
        ),
        source=SOURCE,
        subject=row.student_id,
        course_id=course_id,
    )
