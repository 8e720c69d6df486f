"""The term and the calendar derived from it (weeks, sessions, dated rules, iCalendar feed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.scheduling import calendar_rules, ics
from peerlab.scheduling import repository as repo
from peerlab.scheduling.routers.deps import CourseId, Now, SettingsDep
from peerlab.scheduling.schemas import CalendarWeeks, CourseDates, DateChangePublic, TermPublic, TermPut, WeekPublic
from peerlab.scheduling.service import dates, terms

router = APIRouter(prefix="/v1/courses/{course_id}", tags=["calendar"])


@router.put("/term", response_model=TermPublic, responses={201: {"model": TermPublic, "description": "Created"}})
def put_term(
    course_id: CourseId,
    body: TermPut,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffPrincipal,
    at: Now,
) -> TermPublic:
    """Create or replace the course's term; repeating the same body changes nothing. Every dated rule
    still ahead follows the new term (audited, ``term.dates_changed.v1``); passed ones stay."""
    term, created = terms.put_term(
        session, course_id=course_id, body=body, max_weeks=settings.max_counted_weeks, now=at, actor=principal.sub
    )
    if created:
        response.status_code = 201
    return terms.to_public(term)


@router.get("/term", response_model=TermPublic)
def get_term(course_id: CourseId, session: SessionDep, _: CurrentPrincipal) -> TermPublic:
    return terms.to_public(terms.require_term(session, course_id))


@router.get("/calendar/weeks", response_model=CalendarWeeks)
def list_weeks(course_id: CourseId, session: SessionDep, _: CurrentPrincipal) -> CalendarWeeks:
    """Every counted week: its number, its Monday, its phase and its sessions (break weeks skipped)."""
    return terms.calendar_weeks(terms.require_term(session, course_id))


@router.get("/calendar/weeks/{week}", response_model=WeekPublic)
def get_week(
    course_id: CourseId, week: Annotated[int, Path(ge=1, le=60)], session: SessionDep, _: CurrentPrincipal
) -> WeekPublic:
    """Counted week ``week``; its ``monday`` is "the Monday of week N" of the course plan."""
    return terms.one_week(terms.require_term(session, course_id), week)


@router.get("/calendar/dates", response_model=CourseDates)
def list_dates(course_id: CourseId, session: SessionDep, _: CurrentPrincipal, at: Now) -> CourseDates:
    """Every dated rule (lab deadlines, selection, synopsis, report, poster, exam days) by stable key."""
    term = terms.require_term(session, course_id)
    return CourseDates(
        course_id=course_id,
        time_zone=term.time_zone,
        revision=term.dates_revision,
        dates=[dates.to_public(r, now=at) for r in dates.rows(session, course_id)],
    )


@router.get("/calendar/date-changes", response_model=list[DateChangePublic])
def list_date_changes(course_id: CourseId, session: SessionDep, _: StaffPrincipal) -> list[DateChangePublic]:
    """The audit of moved dates: who changed the term, when, and each date before and after."""
    terms.require_term(session, course_id)
    return dates.changes(session, course_id)


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def calendar_ics(course_id: CourseId, session: SessionDep, _: CurrentPrincipal) -> Response:
    term = terms.require_term(session, course_id)
    body = ics.build_calendar(
        course_id=course_id,
        title=term.title,
        time_zone=term.time_zone,
        weeks=calendar_rules.counted_weeks(terms.rule_of(term)),
        rooms=repo.list_rooms(session, course_id),
        exam_days=repo.list_exam_days(session, course_id),
        deadlines=dates.rows(session, course_id),
        stamp=term.updated_at,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{course_id}.ics"'},
    )
