"""Examiners, their availability and itinerary; a group's supervisors as staff record them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, ensure_self_or_staff
from peerlab.chassis.db import SessionDep
from peerlab.scheduling import visit_ics
from peerlab.scheduling.exam_schemas import ExaminerPublic, ExaminerPut, SupervisionPublic, SupervisorsPut, VisitPublic
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now
from peerlab.scheduling.service import examiners, visit_plans

router = APIRouter(prefix="/v1/courses/{course_id}", tags=["examiners"])


@router.put("/examiners/{person_id}", response_model=ExaminerPublic)
def put_examiner(
    course_id: CourseId, person_id: NaturalId, body: ExaminerPut, session: SessionDep, _: StaffPrincipal, now: Now
) -> ExaminerPublic:
    """Mark a teacher as examiner with their availability per exam day (time windows, replaced whole)."""
    return examiners.to_public(
        examiners.put_examiner(session, course_id=course_id, person_id=person_id, body=body, now=now)
    )


@router.get("/examiners", response_model=list[ExaminerPublic])
def list_examiners(course_id: CourseId, session: SessionDep, _: StaffPrincipal) -> list[ExaminerPublic]:
    return [examiners.to_public(e) for e in examiners.list_examiners(session, course_id=course_id)]


@router.get("/examiners/{person_id}", response_model=ExaminerPublic)
def get_examiner(
    course_id: CourseId, person_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> ExaminerPublic:
    ensure_self_or_staff(principal, person_id)
    return examiners.to_public(examiners.get_examiner(session, course_id=course_id, person_id=person_id))


@router.delete("/examiners/{person_id}", status_code=204)
def delete_examiner(
    course_id: CourseId, person_id: NaturalId, session: SessionDep, _: StaffPrincipal, now: Now
) -> None:
    """Remove an examiner (e.g. one who drops out): the plans of their days go stale; re-plan and
    publish to move their visits."""
    examiners.delete_examiner(session, course_id=course_id, person_id=person_id, now=now)


@router.get("/examiners/{person_id}/itinerary", response_model=list[VisitPublic])
def itinerary(
    course_id: CourseId, person_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> list[VisitPublic]:
    """The examiner's published visits in time order: their own, or anyone's for staff."""
    rows = visit_plans.itinerary(session, course_id=course_id, examiner_id=person_id, principal=principal)
    return [visit_plans.visit_public(v) for v in rows]


@router.get(
    "/examiners/{person_id}/itinerary.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}}
)
def itinerary_ics(
    course_id: CourseId, person_id: NaturalId, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> Response:
    rows = visit_plans.itinerary(session, course_id=course_id, examiner_id=person_id, principal=principal)
    body = visit_ics.itinerary_calendar(course_id=course_id, examiner_id=person_id, visits=rows, stamp=now)
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.put("/groups/{group_id}/supervisors", response_model=SupervisionPublic)
def put_supervisors(
    course_id: CourseId, group_id: NaturalId, body: SupervisorsPut, session: SessionDep, _: StaffPrincipal, now: Now
) -> SupervisionPublic:
    """Record a group's supervisors by person id (besides the catalogue's e-mails from projects)."""
    examiners.put_supervisors(
        session, course_id=course_id, group_id=group_id, supervisor_ids=body.supervisor_ids, now=now
    )
    return examiners.supervision_public(session, course_id=course_id, group_id=group_id)


@router.get("/groups/{group_id}/supervisors", response_model=SupervisionPublic)
def get_supervisors(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, _: StaffPrincipal
) -> SupervisionPublic:
    return examiners.supervision_public(session, course_id=course_id, group_id=group_id)
