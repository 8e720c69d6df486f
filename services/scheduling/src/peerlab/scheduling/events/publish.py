"""Events the scheduling service publishes on ``peerlab.scheduling`` (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.scheduling import ExamBookedV1, ExamBookingCancelledV1
from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1
from peerlab.scheduling.models import Booking, DatedRuleRow, Slot, Term

SOURCE = "scheduling"


def exam_booked(session: Session, *, booking: Booking, slot: Slot) -> None:
    event = ExamBookedV1(booking_id=booking.booking_id, group_id=booking.group_id,
                         slot_start=slot.starts_at, slot_end=slot.ends_at)
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)


def exam_booking_cancelled(session: Session, *, booking: Booking, at: datetime) -> None:
    event = ExamBookingCancelledV1(booking_id=booking.booking_id, group_id=booking.group_id, cancelled_at=at)
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)


def dates_changed(session: Session, *, term: Term, rows: list[DatedRuleRow], moved: list[str], at: datetime,
                  by: str) -> None:
    """The whole set of the course's dates (consumers apply the newest revision), keyed by course."""
    event = TermDatesChangedV1(
        revision=term.dates_revision, time_zone=term.time_zone, changed_at=at, changed_by=by, moved=moved,
        dates=[DatedRule(key=r.key, kind=r.kind, label=r.label, at=r.at,  # type: ignore[arg-type]
                         opens_at=r.opens_at,
                         ends_at=r.ends_at, sequence=r.sequence) for r in rows],
    )
    enqueue(session, event, source=SOURCE, subject=term.course_id, course_id=term.course_id)
