"""What a reviewee does with the reviews of their hand-in: read them, rate them, flag them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.errors import conflict, not_found
from peerlab.review import repository as repo
from peerlab.review.models import FlagRow, ReactionRow, ReviewRow
from peerlab.review.schemas import FlagReceipt, ReactionCreate, ReactionPublic, ReceivedReviewPublic, ReviewFlagCreate
from peerlab.review.service import teacher_queue, views
from peerlab.review.service.common import new_id


def list_received(session: Session, *, student_id: str) -> list[ReceivedReviewPublic]:
    reviews = repo.submitted_reviews_of_reviewee(session, student_id)
    return views.received_reviews(session, reviews, flagged=repo.review_flags_by(session, student_id))


def _own_review(session: Session, *, review_id: str, author_id: str) -> ReviewRow:
    review = repo.get_review(session, review_id)
    if review is None or review.reviewee_id != author_id or review.status != "submitted":
        raise not_found("review")
    return review


def react(session: Session, *, review_id: str, author_id: str, data: ReactionCreate, now: datetime) -> ReactionPublic:
    review = _own_review(session, review_id=review_id, author_id=author_id)
    row = session.get(ReactionRow, review.id)
    if row is None:
        row = ReactionRow(
            review_id=review.id, helpfulness=data.helpfulness, comment=data.comment, created_at=now, updated_at=now
        )
        session.add(row)
    else:
        row.helpfulness, row.comment, row.updated_at = data.helpfulness, data.comment, now
    return views.reaction(row)


def flag_review(
    session: Session, *, review_id: str, author_id: str, data: ReviewFlagCreate, now: datetime
) -> FlagReceipt:
    """An inappropriate review goes to the teachers; each review can be flagged once."""
    review = _own_review(session, review_id=review_id, author_id=author_id)
    key = f"review:{review.id}"
    if repo.flag_by_key(session, key) is not None:
        raise conflict("already_flagged", "You have flagged this review already.")
    flag = FlagRow(
        id=new_id(),
        kind="review",
        dedupe_key=key,
        round_id=review.round_id,
        submission_id=review.submission_id,
        review_id=review.id,
        flagged_by=author_id,
        reason=data.reason,
        comment=data.comment,
        created_at=now,
    )
    session.add(flag)
    try:
        session.flush()
    except IntegrityError as exc:
        raise conflict("already_flagged", "You have flagged this review already.") from exc
    round_row = repo.get_round(session, review.round_id)
    teacher_queue.add_item(
        session,
        kind="review_flagged",
        dedupe_key=f"review_flagged:{review.id}",
        now=now,
        round_id=review.round_id,
        lab_number=round_row.lab_number if round_row else None,
        student_id=review.reviewer_id,
        submission_id=review.submission_id,
        review_id=review.id,
        detail=f"The author flagged a review as {data.reason}: {data.comment}".strip(),
    )
    return FlagReceipt(recorded=True)
