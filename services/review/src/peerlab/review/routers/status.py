"""Lab status and eligibility: the student's own, and batch reads for the gateway's loaders."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal, ensure_self_or_staff
from peerlab.chassis.db import SessionDep
from peerlab.review.routers.deps import IdsQuery, NowDep, SettingsDep, split_ids
from peerlab.review.schemas import EligibilityPublic, LabStatusPublic, StudentLabsPublic
from peerlab.review.service import overview

router = APIRouter(prefix="/v1", tags=["status"])


@router.get("/me/labs", response_model=StudentLabsPublic)
def my_labs(session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, now: NowDep) -> StudentLabsPublic:
    """The caller's labs at a glance and their eligibility."""
    return overview.student_labs(session, student_id=principal.sub, settings=settings, now=now)


@router.get("/me/eligibility", response_model=EligibilityPublic)
def my_eligibility(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, now: NowDep
) -> EligibilityPublic:
    return overview.eligibility_of(session, student_ids=[principal.sub], settings=settings, now=now)[principal.sub]


@router.get("/students/{student_id}/labs", response_model=StudentLabsPublic)
def student_labs(
    student_id: str, session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, now: NowDep
) -> StudentLabsPublic:
    ensure_self_or_staff(principal, student_id)
    return overview.student_labs(session, student_id=student_id, settings=settings, now=now)


@router.get("/lab-status", response_model=dict[str, list[LabStatusPublic]])
def lab_status_batch(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, now: NowDep, student_ids: IdsQuery = []
) -> dict[str, list[LabStatusPublic]]:
    """Batch read: student id -> their labs. Students may only ask for themselves."""
    wanted = split_ids(student_ids, settings)
    for student_id in wanted:
        ensure_self_or_staff(principal, student_id)
    return overview.labs_of(session, student_ids=wanted, settings=settings, now=now)


@router.get("/eligibility", response_model=list[EligibilityPublic])
def eligibility_batch(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, now: NowDep, student_ids: IdsQuery = []
) -> list[EligibilityPublic]:
    """Batch read in the order asked. Students may only ask for themselves."""
    wanted = split_ids(student_ids, settings)
    for student_id in wanted:
        ensure_self_or_staff(principal, student_id)
    found = overview.eligibility_of(session, student_ids=wanted, settings=settings, now=now)
    return [found[s] for s in wanted]
