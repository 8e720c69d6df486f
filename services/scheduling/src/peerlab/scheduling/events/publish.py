"""Events the scheduling service publishes on ``peerlab.scheduling`` (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.scheduling import ExamBookedV1, ExamBookingCancelledV1
from peerlab.chassis.clock import as_utc
from peerlab.scheduling.models import Booking, Slot

SOURCE = "scheduling"


def exam_booked(session: Session, *, booking: Booking, slot: Slot) -> None:
    event = ExamBookedV1(booking_id=booking.booking_id, group_id=booking.group_id,
                         slot_start=as_utc(slot.starts_at), slot_end=as_utc(slot.ends_at))
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)


def exam_booking_cancelled(session: Session, *, booking: Booking, at: datetime) -> None:
    event = ExamBookingCancelledV1(booking_id=booking.booking_id, group_id=booking.group_id, cancelled_at=at)
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)
