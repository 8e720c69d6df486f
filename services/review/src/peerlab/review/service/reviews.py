"""A reviewer's tasks: list, read, draft and submit a review within the window.

Tasks are addressed by their unguessable token and checked against the caller; a token that is
not the caller's answers 404, the same as one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import conflict, not_found
from peerlab.review import repository as repo
from peerlab.review.events import publish
from peerlab.review.models import AllocationRow, ReviewRow, RoundRow
from peerlab.review.schemas import ReviewContent, TaskPublic
from peerlab.review.service import rounds, views
from peerlab.review.service.common import new_id
from peerlab.review.service.rubric_check import check_content


def ensure_window_open(round_row: RoundRow, now: datetime) -> None:
    if not rounds.window_open(round_row, now):
        raise conflict("review_window_closed", "The review window of this lab has closed.")


def task_for(session: Session, *, token: str, reviewer_id: str) -> tuple[AllocationRow, RoundRow]:
    allocation = repo.allocation_by_token(session, token)
    if allocation is None or allocation.reviewer_id != reviewer_id or allocation.status == "cancelled":
        raise not_found("task")
    round_row = repo.get_round(session, allocation.round_id)
    if round_row is None:
        raise not_found("task")
    return allocation, round_row


def list_tasks(session: Session, *, reviewer_id: str, now: datetime) -> list[TaskPublic]:
    allocations = [a for a in repo.allocations_of_reviewer(session, reviewer_id) if a.status != "cancelled"]
    return views.tasks(session, allocations, now=now)


def get_task(session: Session, *, token: str, reviewer_id: str, now: datetime) -> TaskPublic:
    allocation, _ = task_for(session, token=token, reviewer_id=reviewer_id)
    return views.tasks(session, [allocation], now=now)[0]


def _writable(
    session: Session, *, token: str, reviewer_id: str, now: datetime
) -> tuple[AllocationRow, RoundRow, ReviewRow | None]:
    allocation, round_row = task_for(session, token=token, reviewer_id=reviewer_id)
    ensure_window_open(round_row, now)
    if allocation.status != "active":
        raise conflict("task_inactive", "This task was withdrawn or flagged; it takes no review.")
    review = repo.reviews_by_allocation(session, [allocation.id]).get(allocation.id)
    if review is not None and review.status == "submitted":
        raise conflict("review_already_submitted", "This review has been submitted already.")
    return allocation, round_row, review


def _start(session: Session, allocation: AllocationRow, round_row: RoundRow, now: datetime) -> ReviewRow:
    review = ReviewRow(
        id=new_id(),
        allocation_id=allocation.id,
        round_id=round_row.id,
        submission_id=allocation.submission_id,
        reviewer_id=allocation.reviewer_id,
        reviewee_id=allocation.reviewee_id,
        rubric_version=round_row.rubric_version,
        status="draft",
        created_at=now,
        updated_at=now,
    )
    session.add(review)
    return review


def save_draft(session: Session, *, token: str, reviewer_id: str, content: ReviewContent, now: datetime) -> TaskPublic:
    allocation, round_row, review = _writable(session, token=token, reviewer_id=reviewer_id, now=now)
    review = review or _start(session, allocation, round_row, now)
    check_content(content, rounds.rubric_public(session, round_row.id, review.rubric_version), complete=False)
    review.scores, review.answers, review.updated_at = dict(content.scores), dict(content.answers), now
    session.flush()
    return views.tasks(session, [allocation], now=now)[0]


def submit(
    session: Session, *, token: str, reviewer_id: str, content: ReviewContent | None, course_id: str, now: datetime
) -> TaskPublic:
    """Submit the review (with ``content`` replacing the draft if given); it is final afterwards."""
    allocation, round_row, review = _writable(session, token=token, reviewer_id=reviewer_id, now=now)
    review = review or _start(session, allocation, round_row, now)
    if content is not None:
        review.scores, review.answers = dict(content.scores), dict(content.answers)
    final = ReviewContent(scores=review.scores, answers=review.answers)
    check_content(final, rounds.rubric_public(session, round_row.id, review.rubric_version), complete=True)
    review.status, review.submitted_at, review.updated_at = "submitted", now, now
    session.flush()
    publish.review_submitted(session, review=review, round_row=round_row, course_id=course_id)
    return views.tasks(session, [allocation], now=now)[0]
