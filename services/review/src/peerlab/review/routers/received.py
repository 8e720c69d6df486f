"""The author's side: reviews of their hand-in, helpfulness ratings, flags. Student-facing, anonymous."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.review.routers.deps import NowDep
from peerlab.review.schemas import FlagReceipt, ReactionCreate, ReactionPublic, ReceivedReviewPublic, ReviewFlagCreate
from peerlab.review.service import received

router = APIRouter(prefix="/v1", tags=["author"])


@router.get("/me/reviews", response_model=list[ReceivedReviewPublic])
def my_reviews(session: SessionDep, principal: CurrentPrincipal) -> list[ReceivedReviewPublic]:
    """Submitted reviews of the caller's hand-ins, without who wrote them."""
    return received.list_received(session, student_id=principal.sub)


@router.put("/reviews/{review_id}/reaction", response_model=ReactionPublic)
def react(
    review_id: str, data: ReactionCreate, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> ReactionPublic:
    """Rate how helpful a review of your hand-in was (1-5)."""
    return received.react(session, review_id=review_id, author_id=principal.sub, data=data, now=now)


@router.post("/reviews/{review_id}/flag", response_model=FlagReceipt)
def flag_review(
    review_id: str, data: ReviewFlagCreate, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> FlagReceipt:
    """Flag an inappropriate review of your hand-in; the teachers are told."""
    return received.flag_review(session, review_id=review_id, author_id=principal.sub, data=data, now=now)
