"""Exam days and their slots: staff create and edit, everyone signed in reads."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.scheduling import repository as repo
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now, SettingsDep
from peerlab.scheduling.schemas import ExamDayPublic, ExamDayPut, SlotPublic
from peerlab.scheduling.service import exam_days

router = APIRouter(prefix="/v1/courses/{course_id}/exam-days", tags=["exam days"])


@router.get("", response_model=list[ExamDayPublic])
def list_exam_days(course_id: CourseId, session: SessionDep, _: CurrentPrincipal) -> list[ExamDayPublic]:
    return [exam_days.to_public(session, d) for d in repo.list_exam_days(session, course_id)]


@router.get("/{exam_day_id}", response_model=ExamDayPublic)
def get_exam_day(
    course_id: CourseId, exam_day_id: NaturalId, session: SessionDep, _: CurrentPrincipal
) -> ExamDayPublic:
    return exam_days.to_public(session, exam_days.require_day(session, course_id, exam_day_id))


@router.put(
    "/{exam_day_id}", response_model=ExamDayPublic, responses={201: {"model": ExamDayPublic, "description": "Created"}}
)
def put_exam_day(
    course_id: CourseId,
    exam_day_id: NaturalId,
    body: ExamDayPut,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffPrincipal,
    at: Now,
) -> ExamDayPublic:
    """Create or replace an exam day; its slots are re-cut (booked slots must survive, else 409)."""
    day, created = exam_days.put_exam_day(
        session,
        course_id=course_id,
        exam_day_id=exam_day_id,
        body=body,
        max_slots=settings.max_slots_per_day,
        now=at,
        actor=principal.sub,
    )
    if created:
        response.status_code = 201
    return exam_days.to_public(session, day)


@router.get("/{exam_day_id}/slots", response_model=list[SlotPublic])
def list_slots(
    course_id: CourseId, exam_day_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> list[SlotPublic]:
    """The day's slots with free places; staff also see which groups booked each slot."""
    return exam_days.list_slots(session, course_id=course_id, exam_day_id=exam_day_id, with_groups=principal.is_staff)
