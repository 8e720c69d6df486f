"""The audit log: staff decisions that bent a group rule (staff only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from peerlab.chassis.auth import StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.projects import repository as repo
from peerlab.projects.routers.deps import PolicyDep
from peerlab.projects.schemas import AuditEntryPublic

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit", response_model=list[AuditEntryPublic])
def audit_log(
    session: SessionDep,
    policy: PolicyDep,
    _: StaffPrincipal,
    person_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryPublic]:
    """Oldest first; ``person_id`` narrows it to one student."""
    return [
        AuditEntryPublic.model_validate(a, from_attributes=True)
        for a in repo.audit_entries(session, policy.course_id, person_id)
    ]
