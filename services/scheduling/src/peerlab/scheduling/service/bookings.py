"""Exam bookings: one slot per group, a slot holds at most ``capacity`` groups.

Both rules hold under concurrent requests: the (course, group) primary key makes a second
booking of the same group fail, and a slot's count is raised by a conditional UPDATE that no
two transactions can both win past the capacity. Students book for their own group only (the
projection of the projects service's groups) and only while the day's booking window is open;
staff may book, move and cancel for any known group at any time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict, forbidden, not_found
from peerlab.scheduling import repository as repo
from peerlab.chassis.clock import in_zone
from peerlab.scheduling.events import publish
from peerlab.scheduling.models import Booking, ExamDay, Slot
from peerlab.scheduling.schemas import BookingPublic
from peerlab.scheduling.service import examiners, plan_staleness


def ensure_may_act_for_group(session: Session, *, course_id: str, group_id: str, principal: Principal) -> None:
    """Staff act for any group; a student only for the group the projection says they are in."""
    group = repo.get_group(session, group_id)
    if group is None or group.course_id != course_id:
        raise ProblemError(404, "unknown_group", f"No group {group_id!r} is known in {course_id}.")
    if principal.is_staff:
        return
    if repo.group_of(session, course_id, principal.sub) != group_id:
        raise forbidden("You may only book for your own group.")


def _check_window(day: ExamDay, slot: Slot, *, principal: Principal, now: datetime) -> None:
    if principal.is_staff:
        return
    if day.booking_opens_at and now < day.booking_opens_at:
        raise conflict("booking_not_open", f"Booking for {day.exam_day_id} opens at {day.booking_opens_at}.")
    if day.booking_closes_at and now >= day.booking_closes_at:
        raise conflict("booking_closed", f"Booking for {day.exam_day_id} closed at {day.booking_closes_at}.")
    if slot.starts_at <= now:
        raise conflict("slot_started", "This slot has already started.")


def book(
    session: Session, *, course_id: str, group_id: str, slot_id: str, principal: Principal, now: datetime
) -> tuple[Booking, bool]:
    """Book (or move the group's booking to) ``slot_id``; returns (booking, changed)."""
    ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    group = repo.get_group(session, group_id)
    if not group.member_ids:
        raise conflict("group_dissolved", "The group has no members.")
    if not examiners.presenting_members(session, course_id=course_id, member_ids=group.member_ids):
        raise conflict("group_does_not_present", "Every member is a PhD student: the group presents no poster.")
    slot = repo.get_slot(session, course_id, slot_id)
    if slot is None:
        raise not_found("Slot")
    day = repo.get_exam_day(session, course_id, slot.exam_day_id)
    _check_window(day, slot, principal=principal, now=now)
    existing = repo.get_booking(session, course_id, group_id, for_update=True)
    if existing is not None and existing.slot_id == slot_id:
        return existing, False
    if existing is not None:
        old_slot = repo.get_slot(session, course_id, existing.slot_id)
        old_day = repo.get_exam_day(session, course_id, old_slot.exam_day_id) if old_slot else None
        if old_slot is not None and old_day is not None:
            _check_window(old_day, old_slot, principal=principal, now=now)
    if not repo.take_place(session, course_id, slot_id):
        raise conflict("slot_full", f"Slot {slot_id} is full.")
    previous_slot_id = existing.slot_id if existing is not None else None
    if existing is not None:
        repo.release_place(session, course_id, existing.slot_id)
        existing.slot_id, existing.booked_by, existing.booked_at = slot_id, principal.sub, now
        session.add(existing)
        booking = existing
    else:
        booking = Booking(
            course_id=course_id,
            group_id=group_id,
            booking_id=str(uuid.uuid4()),
            slot_id=slot_id,
            booked_by=principal.sub,
            booked_at=now,
        )
        try:
            with session.begin_nested():
                session.add(booking)
        except IntegrityError as exc:
            raise conflict("group_already_booked", "The group booked a slot at the same moment; try again.") from exc
    publish.exam_booked(session, booking=booking, slot=slot, previous_slot_id=previous_slot_id)
    _stale_days(session, course_id, group_id, moved_from=old_slot if existing is not None else None, to=slot, now=now)
    return booking, True


def _stale_days(
    session: Session, course_id: str, group_id: str, *, moved_from: Slot | None, to: Slot | None, now: datetime
) -> None:
    """The visit plans of the days the change touched no longer match their bookings."""
    code = "booking_moved" if moved_from and to else "booking_made" if to else "booking_cancelled"
    days = {s.exam_day_id for s in (moved_from, to) if s is not None}
    for day in sorted(days):
        plan_staleness.mark_stale(session, course_id=course_id, exam_day_id=day, code=code, group_id=group_id, now=now)


def cancel(session: Session, *, course_id: str, group_id: str, principal: Principal, now: datetime) -> None:
    ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    booking = repo.get_booking(session, course_id, group_id, for_update=True)
    if booking is None:
        raise not_found("Booking")
    slot = repo.get_slot(session, course_id, booking.slot_id)
    day = repo.get_exam_day(session, course_id, slot.exam_day_id)
    _check_window(day, slot, principal=principal, now=now)
    repo.release_place(session, course_id, booking.slot_id)
    repo.delete_booking(session, course_id, group_id)
    publish.exam_booking_cancelled(session, booking=booking, at=now)
    _stale_days(session, course_id, group_id, moved_from=slot, to=None, now=now)


def get_booking(session: Session, *, course_id: str, group_id: str, principal: Principal) -> Booking:
    ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    booking = repo.get_booking(session, course_id, group_id)
    if booking is None:
        raise not_found("Booking")
    return booking


def to_public(session: Session, booking: Booking, slot: Slot | None = None) -> BookingPublic:
    slot = slot or repo.get_slot(session, booking.course_id, booking.slot_id)
    day = repo.get_exam_day(session, booking.course_id, slot.exam_day_id)
    return BookingPublic(
        booking_id=booking.booking_id,
        course_id=booking.course_id,
        group_id=booking.group_id,
        slot_id=slot.slot_id,
        exam_day_id=slot.exam_day_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        starts_at_local=in_zone(slot.starts_at, day.time_zone),
        booked_by=booking.booked_by,
        booked_at=booking.booked_at,
    )
