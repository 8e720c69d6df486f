"""Bookings of exam slots and free poster prints, per group."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now, SettingsDep
from peerlab.scheduling.schemas import (
    BookingPublic,
    BookingPut,
    GroupPublic,
    PrintQuotaPublic,
    PrintRequestPublic,
)
from peerlab.scheduling.service import bookings, groups, printing

router = APIRouter(prefix="/v1/courses/{course_id}", tags=["bookings"])


@router.put(
    "/groups/{group_id}/booking",
    response_model=BookingPublic,
    responses={201: {"model": BookingPublic, "description": "Booked"}},
)
def put_booking(
    course_id: CourseId,
    group_id: NaturalId,
    body: BookingPut,
    response: Response,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
) -> BookingPublic:
    """Book a slot for the group, or move its booking (one slot per group); 409 ``slot_full``."""
    existed = repo.get_booking(session, course_id, group_id) is not None
    booking, _changed = bookings.book(
        session, course_id=course_id, group_id=group_id, slot_id=body.slot_id, principal=principal, now=now
    )
    if not existed:
        response.status_code = 201
    return bookings.to_public(session, booking)


@router.get("/groups/{group_id}/booking", response_model=BookingPublic)
def get_booking(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> BookingPublic:
    booking = bookings.get_booking(session, course_id=course_id, group_id=group_id, principal=principal)
    return bookings.to_public(session, booking)


@router.delete("/groups/{group_id}/booking", status_code=204)
def cancel_booking(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> None:
    bookings.cancel(session, course_id=course_id, group_id=group_id, principal=principal, now=now)


@router.get("/bookings", response_model=list[BookingPublic])
def list_bookings(
    course_id: CourseId, session: SessionDep, _: StaffPrincipal, exam_day_id: str | None = None
) -> list[BookingPublic]:
    return [
        bookings.to_public(session, b, s) for b, s in repo.list_bookings(session, course_id, exam_day_id=exam_day_id)
    ]


@router.get("/groups", response_model=list[GroupPublic])
def list_groups(course_id: CourseId, session: SessionDep, _: StaffPrincipal) -> list[GroupPublic]:
    """The groups as this service knows them (a projection of the projects service)."""
    return [groups.to_public(g) for g in repo.list_groups(session, course_id)]


@router.get("/groups/{group_id}", response_model=GroupPublic)
def get_group(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> GroupPublic:
    bookings.ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    return groups.to_public(repo.get_group(session, group_id))


@router.get("/print-quota", response_model=PrintQuotaPublic)
def print_quota(
    course_id: CourseId, session: SessionDep, settings: SettingsDep, _: CurrentPrincipal
) -> PrintQuotaPublic:
    return printing.quota(session, course_id=course_id, quota=settings.print_quota)


@router.put(
    "/groups/{group_id}/print-request",
    response_model=PrintRequestPublic,
    responses={201: {"model": PrintRequestPublic, "description": "Granted"}},
)
def request_print(
    course_id: CourseId,
    group_id: NaturalId,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    now: Now,
) -> PrintRequestPublic:
    """Ask for the group's free poster print; 409 ``print_quota_exhausted`` once all are given out."""
    row, created = printing.request_print(
        session, course_id=course_id, group_id=group_id, principal=principal, quota=settings.print_quota, now=now
    )
    if created:
        response.status_code = 201
    return printing.to_public(row)


@router.get("/print-requests", response_model=list[PrintRequestPublic])
def list_print_requests(course_id: CourseId, session: SessionDep, _: StaffPrincipal) -> list[PrintRequestPublic]:
    return [printing.to_public(r) for r in repo.list_print_requests(session, course_id)]


@router.get("/groups/{group_id}/print-request", response_model=PrintRequestPublic)
def get_print_request(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> PrintRequestPublic:
    bookings.ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    row = repo.get_print_request(session, course_id, group_id)
    if row is None:
        raise not_found("Print request")
    return printing.to_public(row)
