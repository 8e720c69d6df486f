"""Rooms: building/room, capacity limit, Slack channel, optional Zoom link."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling.models import Room
from peerlab.scheduling.schemas import RoomPublic, RoomPut


def put_room(session: Session, *, course_id: str, room_id: str, body: RoomPut, now: datetime) -> tuple[Room, bool]:
    """Create or replace; returns (room, created)."""
    fields = body.model_dump()
    room = repo.get_room(session, course_id, room_id)
    if room is None:
        room = Room(course_id=course_id, room_id=room_id, updated_at=now, **fields)
        session.add(room)
        return room, True
    if any(getattr(room, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(room, key, value)
        room.updated_at = now
        session.add(room)
    return room, False


def delete_room(session: Session, *, course_id: str, room_id: str) -> None:
    room = repo.get_room(session, course_id, room_id)
    if room is None:
        raise not_found("Room")
    session.delete(room)


def to_public(room: Room) -> RoomPublic:
    return RoomPublic.model_validate(room, from_attributes=True)
