"""Rows -> response models. Student views are built here from the student schemas only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError
from peerlab.review import repository as repo
from peerlab.review.models import AllocationRow, ReactionRow, ReviewRow, RoundRow
from peerlab.review.schemas import (
    AllocationStaffPublic,
    EligibilityPublic,
    LabStatusPublic,
    ReactionPublic,
    ReceivedReviewPublic,
    ReviewContent,
    ReviewStaffPublic,
    RoundPublic,
    StudentRoundPublic,
    TaskPublic,
)
from peerlab.review.service import rounds
from peerlab.review.service.eligibility import Eligibility
from peerlab.review.service.lab_status import LabState


def reaction(row: ReactionRow | None) -> ReactionPublic | None:
    if row is None:
        return None
    return ReactionPublic.model_validate(row, from_attributes=True)


def tasks(session: Session, allocations: list[AllocationRow], *, now: datetime) -> list[TaskPublic]:
    rounds_by_id = {r.id: r for r in repo.rounds_by_ids(session, {a.round_id for a in allocations})}
    reviews = repo.reviews_by_allocation(session, [a.id for a in allocations])
    reactions = repo.reactions(session, [r.id for r in reviews.values()])
    keys = {
        (a.round_id, reviews[a.id].rubric_version if a.id in reviews else rounds_by_id[a.round_id].rubric_version)
        for a in allocations
    }
    rubrics = {key: rounds.rubric_from_row(row) for key, row in repo.rubrics(session, keys).items()}
    out = []
    for a in allocations:
        round_row = rounds_by_id[a.round_id]
        review = reviews.get(a.id)
        version = review.rubric_version if review else round_row.rubric_version
        if review is not None and review.status == "submitted":
            state = "submitted"
        elif a.status in ("flagged", "withdrawn"):
            state = a.status
        else:
            state = "draft" if review is not None else "todo"
        out.append(
            TaskPublic(
                task_token=a.task_token,
                lab_number=round_row.lab_number,
                assignment_id=round_row.assignment_id,
                state=state,
                due_at=round_row.review_closes_at,
                window_open=a.status == "active" and rounds.window_open(round_row, now),
                rubric=rubrics[(a.round_id, version)],
                review=ReviewContent(scores=review.scores, answers=review.answers) if review else None,
                submitted_at=review.submitted_at if review else None,
                reaction=reaction(reactions.get(review.id)) if review else None,
            )
        )
    return out


def received_reviews(session: Session, reviews: list[ReviewRow], *, flagged: set[str]) -> list[ReceivedReviewPublic]:
    rounds_by_id = {r.id: r for r in repo.rounds_by_ids(session, {r.round_id for r in reviews})}
    rubrics = {
        k: rounds.rubric_from_row(v)
        for k, v in repo.rubrics(session, {(r.round_id, r.rubric_version) for r in reviews}).items()
    }
    reactions = repo.reactions(session, [r.id for r in reviews])
    return [
        ReceivedReviewPublic(
            review_id=r.id,
            lab_number=rounds_by_id[r.round_id].lab_number,
            assignment_id=rounds_by_id[r.round_id].assignment_id,
            rubric=rubrics[(r.round_id, r.rubric_version)],
            scores=r.scores,
            answers=r.answers,
            submitted_at=r.submitted_at,
            my_reaction=reaction(reactions.get(r.id)),
            flagged_by_me=r.id in flagged,
        )
        for r in reviews
    ]


def round_public(session: Session, row: RoundRow) -> RoundPublic:
    return rounds_public(session, [row])[0]


def rounds_public(session: Session, rows: list[RoundRow]) -> list[RoundPublic]:
    """Rounds with their rubrics and exclusion groups, in two queries whatever their number."""
    rubrics = repo.rubrics(session, [(row.id, row.rubric_version) for row in rows])
    members = repo.exclusion_members_of(session, [row.id for row in rows])
    out = []
    for row in rows:
        rubric = rubrics.get((row.id, row.rubric_version))
        if rubric is None:
            raise ProblemError(500, "rubric_missing", "The rubric version of this round is missing.")
        out.append(
            RoundPublic(
                id=row.id,
                assignment_id=row.assignment_id,
                lab_number=row.lab_number,
                reviews_per_person=row.k,
                window_days=row.window_days,
                review_closes_at=row.review_closes_at,
                seed=row.seed,
                peer_grading_required=row.peer_grading_required,
                rubric=rounds.rubric_from_row(rubric),
                status=row.status,
                failure_reason_code=row.failure_reason_code,
                failure_message=row.failure_message,
                allocated_at=row.allocated_at,
                window_closed_at=row.window_closed_at,
                exclusion_groups=rounds.group_lists(members.get(row.id, [])),
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return out


def student_round_public(session: Session, row: RoundRow) -> StudentRoundPublic:
    return StudentRoundPublic(
        round_id=row.id,
        assignment_id=row.assignment_id,
        lab_number=row.lab_number,
        reviews_per_person=row.k,
        review_closes_at=row.review_closes_at,
        status=row.status,
        rubric=rounds.rubric_public(session, row.id, row.rubric_version),
    )


def allocation_staff(row: AllocationRow, review: ReviewRow | None) -> AllocationStaffPublic:
    return AllocationStaffPublic(
        id=row.id,
        round_id=row.round_id,
        submission_id=row.submission_id,
        reviewer_id=row.reviewer_id,
        reviewee_id=row.reviewee_id,
        status=row.status,
        review_status="todo" if review is None else review.status,
        replaces_allocation_id=row.replaces_allocation_id,
        created_at=row.created_at,
    )


def review_staff(row: ReviewRow, reaction_row: ReactionRow | None) -> ReviewStaffPublic:
    return ReviewStaffPublic(
        id=row.id,
        allocation_id=row.allocation_id,
        round_id=row.round_id,
        submission_id=row.submission_id,
        reviewer_id=row.reviewer_id,
        reviewee_id=row.reviewee_id,
        status=row.status,
        rubric_version=row.rubric_version,
        scores=row.scores,
        answers=row.answers,
        submitted_at=row.submitted_at,
        reaction=reaction(reaction_row),
    )


def lab_status_public(state: LabState, *, received: int = 0, assigned: int = 0, given: int = 0) -> LabStatusPublic:
    a, v = state.assignment, state.verdict
    return LabStatusPublic(
        student_id=state.student_id,
        lab_number=state.lab_number,
        assignment_id=a.assignment_id if a else None,
        status=state.status,
        deadline=a.deadline if a else None,
        handed_in_at=state.hand_in.received_at if state.hand_in else None,
        late=state.late,
        verdict=v.verdict if v else None,
        verdict_origin=v.origin if v else None,
        verdict_comment=(v.comment or None) if v else None,
        passed_without_hand_in=state.without_hand_in,
        reviews_received=received,
        reviews_assigned=assigned,
        reviews_given=given,
    )


def eligibility_public(e: Eligibility) -> EligibilityPublic:
    return EligibilityPublic(
        student_id=e.student_id,
        status=e.status,
        labs_passed=e.labs_passed,
        labs_open=e.labs_open,
        threshold=e.threshold,
        total_labs=e.total_labs,
    )
