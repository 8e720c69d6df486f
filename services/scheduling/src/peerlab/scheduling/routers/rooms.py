"""Rooms of a course: staff create and edit, everyone signed in reads."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now
from peerlab.scheduling.schemas import RoomPublic, RoomPut
from peerlab.scheduling.service import rooms

router = APIRouter(prefix="/v1/courses/{course_id}/rooms", tags=["rooms"])


@router.get("", response_model=list[RoomPublic])
def list_rooms(course_id: CourseId, session: SessionDep, _: CurrentPrincipal) -> list[RoomPublic]:
    return [rooms.to_public(r) for r in repo.list_rooms(session, course_id)]


@router.get("/{room_id}", response_model=RoomPublic)
def get_room(course_id: CourseId, room_id: NaturalId, session: SessionDep, _: CurrentPrincipal) -> RoomPublic:
    room = repo.get_room(session, course_id, room_id)
    if room is None:
        raise not_found("Room")
    return rooms.to_public(room)


@router.put("/{room_id}", response_model=RoomPublic, responses={201: {"model": RoomPublic, "description": "Created"}})
def put_room(
    course_id: CourseId,
    room_id: NaturalId,
    body: RoomPut,
    response: Response,
    session: SessionDep,
    _: StaffPrincipal,
    now: Now,
) -> RoomPublic:
    """Create or replace a room by its building/room id, e.g. ``B303A-A042``."""
    room, created = rooms.put_room(session, course_id=course_id, room_id=room_id, body=body, now=now)
    if created:
        response.status_code = 201
    return rooms.to_public(room)


@router.delete("/{room_id}", status_code=204)
def delete_room(course_id: CourseId, room_id: NaturalId, session: SessionDep, _: StaffPrincipal) -> None:
    rooms.delete_room(session, course_id=course_id, room_id=room_id)
