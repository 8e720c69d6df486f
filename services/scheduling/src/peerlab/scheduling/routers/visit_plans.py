"""The examiners' visit plan of an exam day: plan (draft), publish, read; a group's visit times."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.problem_docs import answers
from peerlab.scheduling.exam_schemas import PlanPublic, VisitPublic
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now, SettingsDep
from peerlab.scheduling.service import visit_plans

router = APIRouter(prefix="/v1/courses/{course_id}", tags=["visit plan"])


@router.post(
    "/exam-days/{exam_day_id}/plan",
    response_model=PlanPublic,
    responses=answers(
        422,
        "plan_infeasible",
        note="With `plan_infeasible`, `conflicts` lists per slot the groups and the missing examiner-minutes.",
    ),
)
def make_plan(
    course_id: CourseId,
    exam_day_id: NaturalId,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffPrincipal,
    now: Now,
) -> PlanPublic:
    """Solve the day's visit plan into a draft (replacing any draft). With a published plan, every
    published visit still possible is kept and the changes are listed."""
    plan = visit_plans.make_plan(
        session, course_id=course_id, exam_day_id=exam_day_id, settings=settings, principal=principal, now=now
    )
    return visit_plans.plan_public(
        *visit_plans.get_plan(session, course_id=course_id, exam_day_id=exam_day_id, state=plan.state)
    )


@router.post("/exam-days/{exam_day_id}/plan/publish", response_model=PlanPublic)
def publish_plan(
    course_id: CourseId, exam_day_id: NaturalId, session: SessionDep, _: StaffPrincipal, now: Now
) -> PlanPublic:
    """Publish the draft (``exam.plan_published.v1``); 409 ``no_draft_plan``."""
    visit_plans.publish(session, course_id=course_id, exam_day_id=exam_day_id, now=now)
    return visit_plans.plan_public(
        *visit_plans.get_plan(session, course_id=course_id, exam_day_id=exam_day_id, state="published")
    )


@router.get("/exam-days/{exam_day_id}/plan", response_model=PlanPublic)
def get_plan(
    course_id: CourseId,
    exam_day_id: NaturalId,
    session: SessionDep,
    _: StaffPrincipal,
    state: Literal["draft", "published"] = "published",
) -> PlanPublic:
    return visit_plans.plan_public(
        *visit_plans.get_plan(session, course_id=course_id, exam_day_id=exam_day_id, state=state)
    )


@router.get("/groups/{group_id}/visits", response_model=list[VisitPublic])
def group_visits(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> list[VisitPublic]:
    """The group's published visits: staff see who visits; members see only when (examiner is null)."""
    return visit_plans.group_visits(session, course_id=course_id, group_id=group_id, principal=principal)
