"""Exam days and their slots. Re-putting a day re-cuts its slots without touching booked ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling.calendar_rules import local_instant
from peerlab.chassis.clock import in_zone
from peerlab.scheduling.models import ExamDay, Slot
from peerlab.scheduling.service import dates
from peerlab.scheduling.schemas import ExamDayPublic, ExamDayPut, SlotPublic


def slot_id(exam_day_id: str, start_local: datetime) -> str:
    """A readable natural id, e.g. ``poster-2021.20211208T0900``."""
    return f"{exam_day_id}.{start_local:%Y%m%dT%H%M}"


def cut_slots(body: ExamDayPut, exam_day_id: str, max_slots: int) -> list[tuple[str, datetime, datetime]]:
    """The day's whole slots of ``slot_minutes`` from ``start``; a remainder shorter than a slot is dropped."""
    try:
        zone = ZoneInfo(body.time_zone)
    except Exception as exc:
        raise ProblemError(422, "invalid_time_zone", f"Unknown time zone {body.time_zone!r}.") from exc
    start = local_instant(body.day, body.start, body.time_zone)
    end = local_instant(body.day, body.end, body.time_zone)
    step = timedelta(minutes=body.slot_minutes)
    count = int((end - start) / step)
    if count < 1:
        raise ProblemError(422, "no_slots", "The day is shorter than one slot.")
    if count > max_slots:
        raise ProblemError(422, "too_many_slots", f"The day would have {count} slots; at most {max_slots}.")
    return [
        (slot_id(exam_day_id, (start + i * step).astimezone(zone)), start + i * step, start + (i + 1) * step)
        for i in range(count)
    ]


def put_exam_day(
    session: Session, *, course_id: str, exam_day_id: str, body: ExamDayPut, max_slots: int, now: datetime, actor: str
) -> tuple[ExamDay, bool]:
    """Create or replace an exam day and re-cut its slots; returns (day, created).

    A slot with bookings may keep or grow its capacity but may not vanish, move or shrink below
    its bookings (409): move those groups first.
    """
    wanted = cut_slots(body, exam_day_id, max_slots)
    fields = {
        "kind": body.kind,
        "title": body.title,
        "day": body.day,
        "time_zone": body.time_zone,
        "starts_at": local_instant(body.day, body.start, body.time_zone),
        "ends_at": local_instant(body.day, body.end, body.time_zone),
        "location": body.location,
        "slot_minutes": body.slot_minutes,
        "slot_capacity": body.slot_capacity,
        "booking_opens_at": body.booking_opens_at,
        "booking_closes_at": body.booking_closes_at,
    }
    day = repo.get_exam_day(session, course_id, exam_day_id)
    created = day is None
    if created:
        day = ExamDay(course_id=course_id, exam_day_id=exam_day_id, updated_at=now, **fields)
        session.add(day)
    elif any(_differs(getattr(day, k), v) for k, v in fields.items()):
        for key, value in fields.items():
            setattr(day, key, value)
        day.revision += 1
        day.updated_at = now
        session.add(day)
    _recut(session, course_id=course_id, exam_day_id=exam_day_id, wanted=wanted, capacity=body.slot_capacity)
    term = repo.get_term(session, course_id)
    if term is not None:  # the exam days are dated rules too (poster deadline, exam-<id>)
        session.flush()
        dates.sync(session, term=term, now=now, actor=actor)
    return day, created


def _differs(old: object, new: object) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old != new
    return old != new


def _recut(
    session: Session, *, course_id: str, exam_day_id: str, wanted: list[tuple[str, datetime, datetime]], capacity: int
) -> None:
    existing = {s.slot_id: s for s in repo.slots_of_day(session, course_id, exam_day_id)}
    wanted_ids = {sid for sid, _, _ in wanted}
    for sid, slot in existing.items():
        if sid not in wanted_ids:
            if slot.booked:
                raise conflict("slot_has_bookings", f"Slot {sid} has {slot.booked} booking(s); move them first.")
            session.delete(slot)
    session.flush()
    for sid, start, end in wanted:
        slot = existing.get(sid)
        if slot is None:
            session.add(
                Slot(
                    course_id=course_id,
                    slot_id=sid,
                    exam_day_id=exam_day_id,
                    starts_at=start,
                    ends_at=end,
                    capacity=capacity,
                    booked=0,
                )
            )
            continue
        if slot.booked > capacity:
            raise conflict(
                "capacity_below_bookings", f"Slot {sid} has {slot.booked} bookings; capacity {capacity} is too small."
            )
        if slot.capacity != capacity or slot.ends_at != end or slot.starts_at != start:
            slot.capacity, slot.starts_at, slot.ends_at = capacity, start, end
            session.add(slot)


def require_day(session: Session, course_id: str, exam_day_id: str) -> ExamDay:
    day = repo.get_exam_day(session, course_id, exam_day_id)
    if day is None:
        raise not_found("Exam day")
    return day


def to_public(session: Session, day: ExamDay) -> ExamDayPublic:
    session.flush()
    slots, left = repo.day_places_left(session, day.course_id, day.exam_day_id)
    return ExamDayPublic(
        course_id=day.course_id,
        exam_day_id=day.exam_day_id,
        kind=day.kind,
        title=day.title,
        day=day.day,
        time_zone=day.time_zone,
        starts_at=day.starts_at,
        ends_at=day.ends_at,
        location=day.location,
        slot_minutes=day.slot_minutes,
        slot_capacity=day.slot_capacity,
        booking_opens_at=day.booking_opens_at,
        booking_closes_at=day.booking_closes_at,
        slots=slots,
        places_left=left,
        revision=day.revision,
    )


def slot_public(slot: Slot, zone: str, group_ids: list[str] | None = None) -> SlotPublic:
    return SlotPublic(
        slot_id=slot.slot_id,
        exam_day_id=slot.exam_day_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        starts_at_local=in_zone(slot.starts_at, zone),
        capacity=slot.capacity,
        booked=slot.booked,
        available=max(0, slot.capacity - slot.booked),
        group_ids=group_ids,
    )


def list_slots(session: Session, *, course_id: str, exam_day_id: str, with_groups: bool) -> list[SlotPublic]:
    day = require_day(session, course_id, exam_day_id)
    groups = repo.groups_by_slot(session, course_id, exam_day_id) if with_groups else {}
    return [
        slot_public(s, day.time_zone, groups.get(s.slot_id, []) if with_groups else None)
        for s in repo.slots_of_day(session, course_id, exam_day_id)
    ]
