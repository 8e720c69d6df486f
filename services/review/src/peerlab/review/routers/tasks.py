"""The reviewer's side: tasks by token, drafts, submission, flags. Student-facing and anonymous."""

from __future__ import annotations

from fastapi import APIRouter, Body

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.review.routers.deps import NowDep, SettingsDep
from peerlab.review.schemas import FlagReceipt, ReviewContent, SubmissionFlagCreate, TaskPublic
from peerlab.review.service import flags, reviews

router = APIRouter(prefix="/v1", tags=["reviewer"])


@router.get("/me/tasks", response_model=list[TaskPublic])
def my_tasks(session: SessionDep, principal: CurrentPrincipal, now: NowDep) -> list[TaskPublic]:
    """The caller's review tasks (the token is the handle for downloading the hand-in)."""
    return reviews.list_tasks(session, reviewer_id=principal.sub, now=now)


@router.get("/tasks/{token}", response_model=TaskPublic)
def get_task(token: str, session: SessionDep, principal: CurrentPrincipal, now: NowDep) -> TaskPublic:
    return reviews.get_task(session, token=token, reviewer_id=principal.sub, now=now)


@router.put("/tasks/{token}/review", response_model=TaskPublic)
def save_draft(
    token: str, data: ReviewContent, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> TaskPublic:
    """Save a draft (partial answers allowed); 409 ``review_window_closed`` after the window."""
    return reviews.save_draft(session, token=token, reviewer_id=principal.sub, content=data, now=now)


@router.post("/tasks/{token}/review/submit", response_model=TaskPublic)
def submit_review(
    token: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    now: NowDep,
    data: ReviewContent | None = Body(default=None),
) -> TaskPublic:
    """Submit (optionally with the final content); every criterion and required question must be answered."""
    return reviews.submit(
        session, token=token, reviewer_id=principal.sub, content=data, course_id=settings.course_id, now=now
    )


@router.post("/tasks/{token}/flag", response_model=FlagReceipt)
def flag_submission(
    token: str,
    data: SubmissionFlagCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    now: NowDep,
) -> FlagReceipt:
    """Flag the task's hand-in (empty, wrong lab, ...); a replacement task is issued."""
    return flags.flag_submission(
        session,
        token=token,
        reviewer_id=principal.sub,
        data=data,
        settings=settings,
        course_id=settings.course_id,
        now=now,
    )
