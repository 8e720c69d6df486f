"""Teacher overview: per lab, per student, the teacher queue, and reviews by id (batch)."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.review import repository as repo
from peerlab.review.routers.deps import (
    IdsQuery,
    LabNumberPath,
    LabNumberQuery,
    NowDep,
    SettingsDep,
    split_ids,
)
from peerlab.review.schemas import (
    LabOverviewPublic,
    ReviewStaffPublic,
    StudentOverviewPublic,
    TeacherItemPublic,
    TeacherItemResolve,
)
from peerlab.review.service import overview, teacher_queue, views

router = APIRouter(prefix="/v1", tags=["teacher"])


@router.get("/teacher/labs/{lab_number}", response_model=LabOverviewPublic)
def lab_overview(
    lab_number: LabNumberPath, session: SessionDep, _: StaffPrincipal, settings: SettingsDep, now: NowDep
) -> LabOverviewPublic:
    """Handed in, allocated, reviews done and missing per reviewer, flags, failures, statuses."""
    return overview.lab_overview(session, lab_number=lab_number, settings=settings, now=now)


@router.get("/teacher/students/{student_id}", response_model=StudentOverviewPublic)
def student_overview(
    student_id: str, session: SessionDep, _: StaffPrincipal, settings: SettingsDep, now: NowDep
) -> StudentOverviewPublic:
    """A student's labs at a glance, eligibility and verdict history."""
    return overview.student_overview(session, student_id=student_id, settings=settings, now=now)


@router.get("/teacher/queue", response_model=list[TeacherItemPublic])
def queue(
    session: SessionDep,
    _: StaffPrincipal,
    open: bool = True,
    kind: str | None = None,
    lab_number: LabNumberQuery = None,
) -> list[TeacherItemPublic]:
    return [
        TeacherItemPublic.model_validate(r, from_attributes=True)
        for r in repo.teacher_items(session, open_only=open, kind=kind, lab_number=lab_number)
    ]


@router.post("/teacher/queue/{item_id}/resolve", response_model=TeacherItemPublic)
def resolve(
    item_id: str, data: TeacherItemResolve, session: SessionDep, principal: StaffPrincipal, now: NowDep
) -> TeacherItemPublic:
    row = teacher_queue.resolve_item(
        session, item_id=item_id, resolved_by=principal.sub, resolution=data.resolution, now=now
    )
    return TeacherItemPublic.model_validate(row, from_attributes=True)


@router.get("/reviews", response_model=list[ReviewStaffPublic])
def reviews_batch(
    session: SessionDep, _: StaffPrincipal, settings: SettingsDep, ids: IdsQuery = []
) -> list[ReviewStaffPublic]:
    """Batch read of reviews by id (staff: includes both sides)."""
    rows = repo.reviews_by_ids(session, split_ids(ids, settings))
    reactions = repo.reactions(session, [r.id for r in rows])
    return [views.review_staff(r, reactions.get(r.id)) for r in rows]
