"""Seeding the course's labs (the dev stack's seeder calls this; calling it again changes nothing)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from peerlab.chassis.auth import TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.submissions.course_calendar import LabDates
from peerlab.chassis.clock import as_utc
from peerlab.submissions.routers.deps import SettingsDep
from peerlab.submissions.schemas import SeedLabsResult
from peerlab.submissions.service import assignments as assignment_svc
from peerlab.submissions.service.seeding import seed_labs

router = APIRouter(prefix="/v1/seed", tags=["seed"])


class LabDatesIn(BaseModel):
    lab_number: int = Field(ge=1, le=8)
    opens_at: AwareDatetime
    deadline: AwareDatetime


class SeedLabsRequest(BaseModel):
    labs: list[LabDatesIn] | None = Field(
        default=None, description="Dates per lab; omitted: the course calendar rule (peerlab.submissions.course_calendar)")


@router.post("/labs", response_model=SeedLabsResult)
def seed_lab_assignments(body: SeedLabsRequest, session: SessionDep, settings: SettingsDep,
                         _: TeacherPrincipal) -> SeedLabsResult:
    """Create or update ``lab-1`` .. ``lab-8``; ``changed`` lists those written this time."""
    labs = [LabDates(x.lab_number, as_utc(x.opens_at), as_utc(x.deadline)) for x in body.labs] if body.labs else None
    rows, changed = seed_labs(session, course_id=settings.course_id, labs=labs)
    return SeedLabsResult(items=assignment_svc.publics(session, rows, time_zone=settings.course_timezone),
                          changed=changed)
