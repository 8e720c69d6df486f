"""A project group's hand-ins: what it must hand in (synopsis, report, poster unless all PhD) and what it has."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.submissions import repository
from peerlab.submissions.routers.deps import SettingsDep
from peerlab.submissions.schemas import ProjectHandIns
from peerlab.submissions.service import project_handins

router = APIRouter(prefix="/v1/groups", tags=["groups"])


@router.get("/{group_id}/project-hand-ins", response_model=ProjectHandIns)
def project_hand_ins(
    group_id: str, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> ProjectHandIns:
    """The group's synopsis, report and poster: required or not, handed in or not, deadline. Members and
    staff only (404 for anyone else)."""
    if not principal.is_staff and group_id not in repository.groups_of(session, principal.sub):
        raise not_found("group")
    return project_handins.status(session, course_id=settings.course_id, group_id=group_id)
