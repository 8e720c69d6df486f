"""Seeding the course's labs from the calendar (calling it again changes nothing)."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.submissions.routers.deps import SettingsDep
from peerlab.submissions.schemas import SeedLabsResult
from peerlab.submissions.service import assignments as assignment_svc
from peerlab.submissions.service.seeding import seed_labs

router = APIRouter(prefix="/v1/seed", tags=["seed"])


@router.post("/labs", response_model=SeedLabsResult)
def seed_lab_assignments(session: SessionDep, settings: SettingsDep, _: TeacherPrincipal) -> SeedLabsResult:
    """Create or update ``lab-1`` .. ``lab-k``, one per lab date of the course calendar, each following
    its date; ``changed`` lists those written this time (409 ``calendar_date_unknown`` before the
    calendar has published its dates)."""
    rows, changed = seed_labs(session, course_id=settings.course_id)
    return SeedLabsResult(
        items=assignment_svc.publics(session, rows, time_zone=settings.course_timezone), changed=changed
    )
