"""Review rounds (teachers configure; staff read; everyone reads a lab's rubric)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import conflict, not_found
from peerlab.review import repository as repo
from peerlab.review.routers.deps import IdsQuery, LabNumberPath, NowDep, SettingsDep, split_ids
from peerlab.review.schemas import (
    AllocationRunPublic,
    AllocationStaffPublic,
    ReviewStaffPublic,
    RoundCreate,
    RoundPublic,
    RoundUpdate,
    RubricPublic,
    RubricUpdate,
    StudentRoundPublic,
)
from peerlab.review.service import allocating, rounds, views

router = APIRouter(prefix="/v1", tags=["rounds"])


@router.post(
    "/rounds",
    response_model=RoundPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": RoundPublic, "description": "The existing round was updated."}},
)
def configure_round(
    data: RoundCreate,
    session: SessionDep,
    principal: TeacherPrincipal,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
) -> RoundPublic:
    """Create the round of a lab assignment, or update it (rounds are also created with defaults
    when the assignment is announced)."""
    row, created = rounds.configure_round(session, data=data, created_by=principal.sub, settings=settings, now=now)
    if not created:
        response.status_code = status.HTTP_200_OK
    return views.round_public(session, row)


@router.get("/rounds", response_model=list[RoundPublic])
def list_rounds(session: SessionDep, _: StaffPrincipal, settings: SettingsDep, ids: IdsQuery = []) -> list[RoundPublic]:
    """All rounds, or the ones named by ``ids`` (batch read)."""
    wanted = split_ids(ids, settings)
    rows = repo.rounds_by_ids(session, wanted) if wanted else repo.list_rounds(session)
    return views.rounds_public(session, rows)


@router.get("/rounds/{round_id}", response_model=RoundPublic)
def get_round(round_id: str, session: SessionDep, _: StaffPrincipal) -> RoundPublic:
    return views.round_public(session, rounds.get_round_or_404(session, round_id))


@router.patch("/rounds/{round_id}", response_model=RoundPublic)
def update_round(
    round_id: str, data: RoundUpdate, session: SessionDep, _: TeacherPrincipal, now: NowDep
) -> RoundPublic:
    return views.round_public(session, rounds.update_round(session, round_id=round_id, data=data, now=now))


@router.put("/rounds/{round_id}/rubric", response_model=RubricPublic)
def set_rubric(
    round_id: str, data: RubricUpdate, session: SessionDep, principal: TeacherPrincipal, now: NowDep
) -> RubricPublic:
    """A new rubric version; reviews already started keep theirs."""
    row = rounds.set_rubric(session, round_id=round_id, rubric=data, created_by=principal.sub, now=now)
    return rounds.rubric_from_row(row)


@router.post("/rounds/{round_id}/allocate", response_model=AllocationRunPublic)
def rerun_allocation(
    round_id: str, session: SessionDep, principal: TeacherPrincipal, settings: SettingsDep, now: NowDep
) -> AllocationRunPublic:
    """Run the allocation again: started and finished reviews are kept, gaps are filled. After a
    failed allocation (fix k or the groups first) this is how the round gets allocated."""
    row = rounds.get_round_or_404(session, round_id)
    assignment = repo.get_assignment(session, row.assignment_id)
    if assignment is None or assignment.closed_at is None:
        raise conflict("assignment_not_closed", "A round is allocated when its assignment closes.")
    if row.window_closed_at is not None:
        raise conflict("review_window_closed", "The review window of this round has closed.")
    run = allocating.run_allocation(
        session, round_row=row, trigger="teacher", triggered_by=principal.sub, course_id=settings.course_id, now=now
    )
    return AllocationRunPublic.model_validate(run, from_attributes=True)


@router.get("/rounds/{round_id}/runs", response_model=list[AllocationRunPublic])
def list_runs(round_id: str, session: SessionDep, _: StaffPrincipal) -> list[AllocationRunPublic]:
    rounds.get_round_or_404(session, round_id)
    return [
        AllocationRunPublic.model_validate(r, from_attributes=True) for r in repo.allocation_runs(session, round_id)
    ]


@router.get("/rounds/{round_id}/allocations", response_model=list[AllocationStaffPublic])
def list_allocations(round_id: str, session: SessionDep, _: StaffPrincipal) -> list[AllocationStaffPublic]:
    rounds.get_round_or_404(session, round_id)
    rows = repo.allocations_of_round(session, round_id)
    reviews = repo.reviews_by_allocation(session, [a.id for a in rows])
    return [
        views.allocation_staff(a, reviews.get(a.id)) for a in sorted(rows, key=lambda a: (a.reviewer_id, a.created_at))
    ]


@router.get("/rounds/{round_id}/reviews", response_model=list[ReviewStaffPublic])
def list_round_reviews(round_id: str, session: SessionDep, _: StaffPrincipal) -> list[ReviewStaffPublic]:
    rounds.get_round_or_404(session, round_id)
    rows = repo.reviews_of_round(session, round_id)
    reactions = repo.reactions(session, [r.id for r in rows])
    return [views.review_staff(r, reactions.get(r.id)) for r in rows]


@router.get("/labs/{lab_number}/round", response_model=StudentRoundPublic)
def lab_round(lab_number: LabNumberPath, session: SessionDep, _: CurrentPrincipal) -> StudentRoundPublic:
    """A lab's round as anyone on the course sees it: k, window end and rubric."""
    assignment = repo.lab_assignments(session).get(lab_number)
    row = repo.round_for_assignment(session, assignment.assignment_id) if assignment else None
    if row is None:
        raise not_found("round")
    return views.student_round_public(session, row)
