"""A person's calendar feed at a secret address: make or replace it, revoke it, and read it
without a bearer header (calendar apps cannot send one)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel
from typing import Annotated

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.scheduling.routers.deps import CourseId, Now, SettingsDep
from peerlab.scheduling.service import feeds

router = APIRouter(tags=["calendar feeds"])
Secret = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,100}$")]


class CalendarFeedPublic(BaseModel):
    url: str
    created_at: datetime


@router.post("/v1/courses/{course_id}/me/calendar-feed", response_model=CalendarFeedPublic, status_code=201)
def issue_feed(
    course_id: CourseId, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, now: Now
) -> CalendarFeedPublic:
    """A new secret address of the caller's own feed; an earlier address stops working. Keep it
    private: anyone with it can read the feed."""
    at = now
    secret = feeds.issue(session, course_id=course_id, person_id=principal.sub, now=at)
    url = f"{settings.public_base_url.rstrip('/')}/v1/calendar-feeds/{secret}/calendar.ics"
    return CalendarFeedPublic(url=url, created_at=at)


@router.delete("/v1/courses/{course_id}/me/calendar-feed", status_code=204)
def revoke_feed(course_id: CourseId, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Revoke the caller's feed address (idempotent)."""
    feeds.revoke(session, course_id=course_id, person_id=principal.sub)
    return Response(status_code=204)


@router.get(
    "/v1/calendar-feeds/{secret}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def read_feed(secret: Secret, session: SessionDep) -> Response:
    """The feed: the course calendar with its deadlines, the person's own exam booking and, for an
    examiner, their published visits; 404 once revoked."""
    feed = feeds.feed_of(session, secret=secret)
    return Response(
        feeds.personal_calendar(session, feed=feed),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="peerlab.ics"', "Cache-Control": "private"},
    )
