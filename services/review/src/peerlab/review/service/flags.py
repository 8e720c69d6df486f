"""A reviewer flags the submission of a task (empty, wrong lab, ...).

The reviewer gets a replacement task at once. When ``flags_to_withdraw`` distinct reviewers have
flagged a submission it is withdrawn from peer review: its other unfinished tasks are replaced
too, and the teachers find it in their queue (they judge it; no default pass applies). Every task
that stops being active publishes ``review.allocation_cancelled`` in the same transaction, so the
submissions service revokes that reviewer's anonymised copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.errors import conflict
from peerlab.review import repository as repo
from peerlab.review.allocation import AllocationInfeasible, replacement_for
from peerlab.review.events import publish
from peerlab.review.models import AllocationRow, FlagRow, RoundRow, SubmissionRow
from peerlab.review.schemas import FlagReceipt, SubmissionFlagCreate
from peerlab.review.service import allocating, rounds, teacher_queue
from peerlab.review.service.common import new_id
from peerlab.review.service.reviews import ensure_window_open, task_for
from peerlab.review.settings import ReviewSettings


def flag_submission(
    session: Session,
    *,
    token: str,
    reviewer_id: str,
    data: SubmissionFlagCreate,
    settings: ReviewSettings,
    course_id: str,
    now: datetime,
) -> FlagReceipt:
    allocation, round_row = task_for(session, token=token, reviewer_id=reviewer_id)
    ensure_window_open(round_row, now)
    if allocation.status != "active":
        raise conflict("task_inactive", "This task was withdrawn or flagged already.")
    review = repo.reviews_by_allocation(session, [allocation.id]).get(allocation.id)
    if review is not None and review.status == "submitted":
        raise conflict("review_already_submitted", "A submitted review cannot be turned into a flag.")
    key = f"submission:{allocation.id}"
    if repo.flag_by_key(session, key) is not None:
        raise conflict("already_flagged", "You have flagged this submission already.")
    session.add(
        FlagRow(
            id=new_id(),
            kind="submission",
            dedupe_key=key,
            round_id=round_row.id,
            submission_id=allocation.submission_id,
            allocation_id=allocation.id,
            flagged_by=reviewer_id,
            reason=data.reason,
            comment=data.comment,
            created_at=now,
        )
    )
    allocation.status, allocation.updated_at = "flagged", now
    try:
        session.flush()
    except IntegrityError as exc:
        raise conflict("already_flagged", "You have flagged this submission already.") from exc
    publish.allocation_cancelled(
        session, allocation=allocation, round_row=round_row, reason="flagged", course_id=course_id, now=now
    )

    submission = repo.get_submission(session, allocation.submission_id)
    losers = [allocation]
    if (
        submission is not None
        and not submission.withdrawn_from_review
        and repo.submission_flaggers(session, submission.submission_id) >= settings.flags_to_withdraw
    ):
        losers += _withdraw_from_review(
            session, round_row=round_row, submission=submission, course_id=course_id, now=now
        )

    replacement_token: str | None = None
    for lost in losers:
        new = _replace(session, round_row=round_row, lost=lost, course_id=course_id, now=now)
        if lost is allocation and new is not None:
            replacement_token = new.task_token
    return FlagReceipt(recorded=True, replacement_task_token=replacement_token)


def _withdraw_from_review(
    session: Session, *, round_row: RoundRow, submission: SubmissionRow, course_id: str, now: datetime
) -> list[AllocationRow]:
    """Take the submission out of peer review; return the unfinished tasks it loses."""
    submission.withdrawn_from_review, submission.updated_at = True, now
    active = [
        a
        for a in repo.allocations_of_round(session, round_row.id, ("active",))
        if a.submission_id == submission.submission_id
    ]
    reviews = repo.reviews_by_allocation(session, [a.id for a in active])
    lost = [a for a in active if not (a.id in reviews and reviews[a.id].status == "submitted")]
    for a in lost:
        a.status, a.updated_at = "withdrawn", now
        publish.allocation_cancelled(
            session, allocation=a, round_row=round_row, reason="submission_withdrawn", course_id=course_id, now=now
        )
    teacher_queue.add_item(
        session,
        kind="submission_withdrawn",
        dedupe_key=f"submission_withdrawn:{submission.submission_id}",
        now=now,
        round_id=round_row.id,
        lab_number=round_row.lab_number,
        student_id=submission.owner_id,
        submission_id=submission.submission_id,
        detail="Withdrawn from peer review after reviewers flagged it; it needs a teacher's verdict.",
    )
    session.flush()
    return lost


def _replace(
    session: Session, *, round_row: RoundRow, lost: AllocationRow, course_id: str, now: datetime
) -> AllocationRow | None:
    pool = repo.review_pool(session, round_row.assignment_id)
    rows = repo.allocations_of_round(session, round_row.id)
    pairs = [(a.reviewer_id, a.reviewee_id) for a in rows if a.status == "active" or a.reviewer_id == lost.reviewer_id]
    try:
        reviewee = replacement_for(
            lost.reviewer_id,
            lost.reviewee_id,
            pairs,
            seed=round_row.seed,
            submitters=list(pool),
            groups=rounds.group_of(session, round_row.id),
        )
    except AllocationInfeasible as exc:
        teacher_queue.add_item(
            session,
            kind="replacement_unavailable",
            dedupe_key=f"replacement_unavailable:{lost.id}",
            now=now,
            round_id=round_row.id,
            lab_number=round_row.lab_number,
            student_id=lost.reviewer_id,
            detail=f"No replacement task for a reviewer who lost one ({exc.reason_code}).",
        )
        return None
    new = allocating.add_task(
        session,
        round_row=round_row,
        reviewer_id=lost.reviewer_id,
        reviewee_id=reviewee,
        submission_id=pool[reviewee].submission_id,
        replaces=lost.id,
        course_id=course_id,
        now=now,
    )
    session.flush()
    return new
