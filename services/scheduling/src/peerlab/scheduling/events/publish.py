"""Events the scheduling service publishes on ``peerlab.scheduling`` (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.scheduling import ExamBookedV1, ExamBookingCancelledV1, SlotPlaces
from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1
from peerlab.scheduling import repository as repo
from peerlab.scheduling.models import Booking, DatedRuleRow, Slot, Term

SOURCE = "scheduling"


def _places(session: Session, course_id: str, slot_ids: list[str]) -> list[SlotPlaces]:
    """The touched slots' free places after the change, read in the change's own transaction."""
    return [
        SlotPlaces(slot_id=slot_id, exam_day_id=day_id, free_places=free, revision=revision)
        for slot_id, day_id, free, revision in repo.slot_places(session, course_id, slot_ids)
    ]


def exam_booked(session: Session, *, booking: Booking, slot: Slot, previous_slot_id: str | None = None) -> None:
    touched = [slot.slot_id] + ([previous_slot_id] if previous_slot_id else [])
    event = ExamBookedV1(
        booking_id=booking.booking_id,
        group_id=booking.group_id,
        slot_start=slot.starts_at,
        slot_end=slot.ends_at,
        slots=_places(session, booking.course_id, touched),
    )
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)


def exam_booking_cancelled(session: Session, *, booking: Booking, at: datetime) -> None:
    event = ExamBookingCancelledV1(
        booking_id=booking.booking_id,
        group_id=booking.group_id,
        cancelled_at=at,
        slots=_places(session, booking.course_id, [booking.slot_id]),
    )
    enqueue(session, event, source=SOURCE, subject=booking.group_id, course_id=booking.course_id)


def dates_changed(
    session: Session, *, term: Term, rows: list[DatedRuleRow], moved: list[str], at: datetime, by: str
) -> None:
    """The whole set of the course's dates (consumers apply the newest revision), keyed by course."""
    event = TermDatesChangedV1(
        revision=term.dates_revision,
        time_zone=term.time_zone,
        changed_at=at,
        changed_by=by,
        moved=moved,
        dates=[
            DatedRule(
                key=r.key,
                kind=r.kind,
                label=r.label,
                at=r.at,  # type: ignore[arg-type]
                opens_at=r.opens_at,
                ends_at=r.ends_at,
                sequence=r.sequence,
            )
            for r in rows
        ],
    )
    enqueue(session, event, source=SOURCE, subject=term.course_id, course_id=term.course_id)
