"""Verdicts: teachers (TAs if the setting allows) pass or fail a student's lab."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.review import repository as repo
from peerlab.review.routers.deps import IdsQuery, LabNumberPath, NowDep, SettingsDep, VerdictSetter, split_ids
from peerlab.review.schemas import AuditEntryPublic, VerdictPublic, VerdictUpdate
from peerlab.review.service import verdicts

router = APIRouter(prefix="/v1", tags=["verdicts"])


@router.put("/students/{student_id}/labs/{lab_number}/verdict", response_model=VerdictPublic)
def set_verdict(
    student_id: str,
    lab_number: LabNumberPath,
    data: VerdictUpdate,
    session: SessionDep,
    principal: VerdictSetter,
    settings: SettingsDep,
    now: NowDep,
) -> VerdictPublic:
    """Pass or fail with a comment; it replaces any earlier verdict (including the window-end default).

    A pass needs an on-time hand-in or a resubmission (409 ``not_handed_in``); to pass a lab that
    was not handed in, send ``without_hand_in: true`` and an ``override_reason`` (audited)."""
    row = verdicts.set_verdict(
        session,
        student_id=student_id,
        lab_number=lab_number,
        data=data,
        set_by=principal.sub,
        settings=settings,
        course_id=settings.course_id,
        now=now,
    )
    return VerdictPublic.model_validate(row, from_attributes=True)


@router.get("/students/{student_id}/verdicts", response_model=list[VerdictPublic])
def verdict_history(student_id: str, session: SessionDep, _: StaffPrincipal) -> list[VerdictPublic]:
    return [VerdictPublic.model_validate(v, from_attributes=True) for v in repo.verdicts_of(session, [student_id])]


@router.get("/audit", response_model=list[AuditEntryPublic])
def audit_log(
    session: SessionDep, _: StaffPrincipal, settings: SettingsDep, student_ids: IdsQuery = []
) -> list[AuditEntryPublic]:
    """Staff decisions that bent a course rule (e.g. a pass without a hand-in), oldest first;
    ``student_ids`` narrows it to these students."""
    wanted = split_ids(student_ids, settings) if student_ids else None
    return [AuditEntryPublic.model_validate(a, from_attributes=True) for a in repo.audit_entries(session, wanted)]
