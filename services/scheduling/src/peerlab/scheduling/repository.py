"""Queries of the scheduling service. Counters change only through conditional UPDATEs."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from peerlab.scheduling.models import (
    Booking,
    ExamDay,
    GroupMemberRow,
    GroupRow,
    PrintCounter,
    PrintRequest,
    Room,
    Slot,
    Term,
)


def _insert_ignoring_conflicts(session: Session, model, values: dict) -> None:
    """INSERT .. ON CONFLICT DO NOTHING on PostgreSQL and SQLite (both spell it the same)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases
        stmt = insert(model).values(**values)
    session.execute(stmt)


# --- term and rooms ---------------------------------------------------------------------------
def get_term(session: Session, course_id: str) -> Term | None:
    return session.get(Term, course_id)


def get_room(session: Session, course_id: str, room_id: str) -> Room | None:
    return session.get(Room, (course_id, room_id))


def list_rooms(session: Session, course_id: str) -> list[Room]:
    return list(session.scalars(select(Room).where(Room.course_id == course_id).order_by(Room.room_id)))


# --- exam days and slots ----------------------------------------------------------------------
def get_exam_day(session: Session, course_id: str, exam_day_id: str) -> ExamDay | None:
    return session.get(ExamDay, (course_id, exam_day_id))


def list_exam_days(session: Session, course_id: str) -> list[ExamDay]:
    return list(
        session.scalars(
            select(ExamDay).where(ExamDay.course_id == course_id).order_by(ExamDay.starts_at, ExamDay.exam_day_id)
        )
    )


def slots_of_day(session: Session, course_id: str, exam_day_id: str) -> list[Slot]:
    return list(
        session.scalars(
            select(Slot).where(Slot.course_id == course_id, Slot.exam_day_id == exam_day_id).order_by(Slot.starts_at)
        )
    )


def get_slot(session: Session, course_id: str, slot_id: str) -> Slot | None:
    return session.get(Slot, (course_id, slot_id))


def take_place(session: Session, course_id: str, slot_id: str) -> bool:
    """Raise the slot's count by one unless it is full; False when it was full."""
    result = session.execute(
        update(Slot)
        .where(Slot.course_id == course_id, Slot.slot_id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1, places_revision=Slot.places_revision + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_place(session: Session, course_id: str, slot_id: str) -> None:
    session.execute(
        update(Slot)
        .where(Slot.course_id == course_id, Slot.slot_id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1, places_revision=Slot.places_revision + 1)
        .execution_options(synchronize_session=False)
    )


def slot_places(session: Session, course_id: str, slot_ids: list[str]) -> list[tuple[str, str, int, int]]:
    """(slot id, exam day id, free places, places revision) of these slots as the database has them now."""
    rows = session.execute(
        select(Slot.slot_id, Slot.exam_day_id, Slot.capacity - Slot.booked, Slot.places_revision)
        .where(Slot.course_id == course_id, Slot.slot_id.in_(slot_ids))
        .order_by(Slot.slot_id)
    ).all()
    return [(slot_id, day_id, int(free), int(rev)) for slot_id, day_id, free, rev in rows]


def day_places_left(session: Session, course_id: str, exam_day_id: str) -> tuple[int, int]:
    """(number of slots, places still free) of an exam day."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(Slot.capacity - Slot.booked), 0)).where(
            Slot.course_id == course_id, Slot.exam_day_id == exam_day_id
        )
    ).one()
    return int(row[0]), int(row[1])


# --- bookings ---------------------------------------------------------------------------------
def get_booking(session: Session, course_id: str, group_id: str, *, for_update: bool = False) -> Booking | None:
    stmt = select(Booking).where(Booking.course_id == course_id, Booking.group_id == group_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def list_bookings(session: Session, course_id: str, *, exam_day_id: str | None = None) -> list[tuple[Booking, Slot]]:
    stmt = (
        select(Booking, Slot)
        .join(Slot, (Slot.course_id == Booking.course_id) & (Slot.slot_id == Booking.slot_id))
        .where(Booking.course_id == course_id)
    )
    if exam_day_id is not None:
        stmt = stmt.where(Slot.exam_day_id == exam_day_id)
    return [(b, s) for b, s in session.execute(stmt.order_by(Slot.starts_at, Booking.group_id))]


def groups_by_slot(session: Session, course_id: str, exam_day_id: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for booking, slot in list_bookings(session, course_id, exam_day_id=exam_day_id):
        out.setdefault(slot.slot_id, []).append(booking.group_id)
    return out


def delete_booking(session: Session, course_id: str, group_id: str) -> None:
    session.execute(delete(Booking).where(Booking.course_id == course_id, Booking.group_id == group_id))


# --- print quota ------------------------------------------------------------------------------
def ensure_print_counter(session: Session, course_id: str) -> None:
    _insert_ignoring_conflicts(session, PrintCounter, {"course_id": course_id, "granted": 0})


def take_print(session: Session, course_id: str, quota: int) -> int | None:
    """Grant one print if fewer than ``quota`` were granted; the new count (the queue position) or None."""
    result = session.execute(
        update(PrintCounter)
        .where(PrintCounter.course_id == course_id, PrintCounter.granted < quota)
        .values(granted=PrintCounter.granted + 1)
        .returning(PrintCounter.granted)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return None if row is None else int(row[0])


def prints_granted(session: Session, course_id: str) -> int:
    counter = session.get(PrintCounter, course_id)
    return counter.granted if counter else 0


def get_print_request(session: Session, course_id: str, group_id: str) -> PrintRequest | None:
    return session.get(PrintRequest, (course_id, group_id))


def list_print_requests(session: Session, course_id: str) -> list[PrintRequest]:
    return list(
        session.scalars(select(PrintRequest).where(PrintRequest.course_id == course_id).order_by(PrintRequest.position))
    )


# --- group projection -------------------------------------------------------------------------
def get_group(session: Session, group_id: str) -> GroupRow | None:
    return session.get(GroupRow, group_id)


def group_of(session: Session, course_id: str, person_id: str) -> str | None:
    row = session.get(GroupMemberRow, (course_id, person_id))
    return row.group_id if row else None


def members_of(session: Session, course_id: str, group_id: str) -> list[GroupMemberRow]:
    return list(
        session.scalars(
            select(GroupMemberRow).where(GroupMemberRow.course_id == course_id, GroupMemberRow.group_id == group_id)
        )
    )


def list_groups(session: Session, course_id: str) -> list[GroupRow]:
    return list(session.scalars(select(GroupRow).where(GroupRow.course_id == course_id).order_by(GroupRow.group_id)))
