"""Assignments: teachers create and edit; everyone signed in reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import conflict
from peerlab.submissions.routers.deps import IdList, SettingsDep
from peerlab.submissions.schemas import (
    AssignmentCreate,
    AssignmentKindName,
    AssignmentPage,
    AssignmentPublic,
    AssignmentPut,
    AssignmentUpdate,
    DeadlineChangePublic,
    ID_PATTERN,
)
from peerlab.submissions.service import assignments as svc
from peerlab.submissions.service import calendar_dates

router = APIRouter(prefix="/v1/assignments", tags=["assignments"])


def _limits(settings) -> dict:
    return {"report_soft_max_pages": settings.report_soft_max_pages, "synopsis_max_pages": settings.synopsis_max_pages}


@router.get("", response_model=AssignmentPage)
def list_assignments(
    session: SessionDep,
    settings: SettingsDep,
    _: CurrentPrincipal,
    ids: IdList,
    kind: Annotated[AssignmentKindName | None, Query()] = None,
) -> AssignmentPage:
    """All assignments of the course, or those named by ``?ids=a,b`` (unknown ids are left out)."""
    if ids is not None:
        rows = [a for a in svc.repository.assignments_by_ids(session, ids) if a.course_id == settings.course_id]
        order = {i: n for n, i in enumerate(ids)}
        rows.sort(key=lambda a: order[a.id])
    else:
        rows = svc.repository.list_assignments(session, course_id=settings.course_id, kind=kind)
    return AssignmentPage(items=svc.publics(session, rows, time_zone=settings.course_timezone))


@router.get("/{assignment_id}", response_model=AssignmentPublic)
def get_assignment(
    assignment_id: str, session: SessionDep, settings: SettingsDep, _: CurrentPrincipal
) -> AssignmentPublic:
    assignment = svc.get_assignment(session, assignment_id=assignment_id, course_id=settings.course_id)
    return svc.publics(session, [assignment], time_zone=settings.course_timezone)[0]


@router.post("", status_code=201, response_model=AssignmentPublic)
def create_assignment(
    body: AssignmentCreate, session: SessionDep, settings: SettingsDep, _: TeacherPrincipal
) -> AssignmentPublic:
    if body.id is not None and svc.repository.get_assignment(session, body.id) is not None:
        raise conflict("assignment_exists", f"An assignment {body.id!r} exists already.")
    fields = AssignmentPut.model_validate(body.model_dump(exclude={"id"}))
    assignment, _changed = svc.put_assignment(
        session, assignment_id=body.id, body=fields, course_id=settings.course_id, **_limits(settings)
    )
    return svc.publics(session, [assignment], time_zone=settings.course_timezone)[0]


@router.put(
    "/{assignment_id}",
    response_model=AssignmentPublic,
    responses={201: {"model": AssignmentPublic, "description": "Created"}},
)
def put_assignment(
    assignment_id: Annotated[str, Path(pattern=ID_PATTERN)],
    body: AssignmentPut,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    _: TeacherPrincipal,
) -> AssignmentPublic:
    """Create or replace by id; repeating the same body changes nothing and publishes nothing."""
    existed = svc.repository.get_assignment(session, assignment_id) is not None
    assignment, _changed = svc.put_assignment(
        session, assignment_id=assignment_id, body=body, course_id=settings.course_id, **_limits(settings)
    )
    if not existed:
        response.status_code = 201
    return svc.publics(session, [assignment], time_zone=settings.course_timezone)[0]


@router.patch("/{assignment_id}", response_model=AssignmentPublic)
def update_assignment(
    assignment_id: str, body: AssignmentUpdate, session: SessionDep, settings: SettingsDep, _: TeacherPrincipal
) -> AssignmentPublic:
    assignment = svc.update_assignment(
        session, assignment_id=assignment_id, body=body, course_id=settings.course_id, **_limits(settings)
    )
    return svc.publics(session, [assignment], time_zone=settings.course_timezone)[0]


@router.get("/{assignment_id}/deadline-changes", response_model=list[DeadlineChangePublic])
def deadline_changes(
    assignment_id: str, session: SessionDep, settings: SettingsDep, _: StaffPrincipal
) -> list[DeadlineChangePublic]:
    """The audit of the deadline's moves by the course calendar: who changed the term, when, old -> new."""
    svc.get_assignment(session, assignment_id=assignment_id, course_id=settings.course_id)
    return [
        DeadlineChangePublic.model_validate(c, from_attributes=True)
        for c in calendar_dates.changes(session, assignment_id)
    ]
