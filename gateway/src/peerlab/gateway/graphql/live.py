"""Subscriptions that survive a reconnect: every item carries an ``eventId`` (the stream position
after it); subscribing again with ``lastEventId`` replays what was missed from Kafka, or starts
with a ``Resync`` when that is out of reach (see ``events.replay``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from peerlab.gateway.events.fanout import BOOKING_TYPES, SubscriptionHub, exam_day_key, person_key
from peerlab.gateway.events.replay import Delivery, Positions, Resync, decode_positions, encode_positions
from peerlab.gateway.graphql.errors import GatewayError
from peerlab.gateway.graphql.submissions import _dt

TASK_TYPES = frozenset({"review.allocated.v1", "review.allocation_cancelled.v1"})


@strawberry.type(
    name="Resync",
    description=(
        "What you missed is out of reach (reason: too_old, unknown_position, too_slow, replay_timeout): reload "
        "your state, then go on from eventId. After too_slow the stream ends: subscribe again with eventId."
    ),
)
class ResyncSignal:
    event_id: str
    reason: str


@strawberry.type(description="A review task was allocated to you.")
class TaskAllocated:
    event_id: str
    task_token: strawberry.ID
    round_id: strawberry.ID
    assignment_id: strawberry.ID
    due_at: datetime


@strawberry.type(description="One of your review tasks was withdrawn (rerun, flagged, submission_withdrawn, ...).")
class TaskCancelled:
    event_id: str
    task_token: strawberry.ID
    round_id: strawberry.ID
    assignment_id: strawberry.ID
    reason: str
    cancelled_at: datetime


@strawberry.type(description="Free places of one slot right after a booking change.")
class SlotFreePlaces:
    slot_id: strawberry.ID
    free_places: int
    revision: int = strawberry.field(
        description=(
            "The slot's places revision (rises with every change of its places; 0 from an older publisher). "
            "A stream never yields a snapshot older than one it yielded; after a reconnect keep the "
            "highest revision per slot you have seen and ignore lower ones."
        )
    )


@strawberry.type(description="Places of an exam day's slots changed (a booking, a move or a cancellation).")
class BookingSlotsChanged:
    event_id: str
    exam_day_id: strawberry.ID
    slots: list[SlotFreePlaces]
    changed_at: datetime


TaskEvent = Annotated[TaskAllocated | TaskCancelled | ResyncSignal, strawberry.union("TaskEvent")]
BookingSlotsEvent = Annotated[BookingSlotsChanged | ResyncSignal, strawberry.union("BookingSlotsEvent")]


def _after(last_event_id: str | None) -> Positions | None:
    if last_event_id is None:
        return None
    try:
        return decode_positions(last_event_id)
    except ValueError as exc:
        raise GatewayError("invalid_event_id", "lastEventId is not an event id of this stream.") from exc


def _resync(item: Resync) -> ResyncSignal:
    return ResyncSignal(event_id=encode_positions(item.positions), reason=item.reason)


def _task(item: Delivery) -> TaskAllocated | TaskCancelled:
    data, event_id = item.envelope.data, encode_positions(item.positions)
    common = dict(
        event_id=event_id, task_token=data["task_token"], round_id=data["round_id"], assignment_id=data["assignment_id"]
    )
    if item.envelope.type == "review.allocated.v1":
        return TaskAllocated(**common, due_at=_dt(data["due_at"]))
    return TaskCancelled(**common, reason=data["reason"], cancelled_at=_dt(data["cancelled_at"]))


def _slots(item: Delivery, exam_day_id: str, seen: dict[str, int]) -> BookingSlotsChanged | None:
    """The day's slot snapshots of this event that are newer than what the stream already yielded
    (``seen``: the highest revision per slot); None when none is. Booking events are keyed by group,
    so two changes of one slot can arrive in either order; the slot's revision tells which is newer."""
    fresh = []
    for s in item.envelope.data["slots"]:
        revision = s.get("revision", 0)
        if s["exam_day_id"] != exam_day_id or (revision and revision <= seen.get(s["slot_id"], 0)):
            continue
        seen[s["slot_id"]] = max(revision, seen.get(s["slot_id"], 0))
        fresh.append(SlotFreePlaces(slot_id=s["slot_id"], free_places=s["free_places"], revision=revision))
    if not fresh:
        return None
    return BookingSlotsChanged(
        event_id=encode_positions(item.positions), exam_day_id=exam_day_id, slots=fresh, changed_at=item.envelope.time
    )


async def my_tasks(
    hub: SubscriptionHub, user_id: str, last_event_id: str | None
) -> AsyncGenerator[TaskAllocated | TaskCancelled | ResyncSignal, None]:
    async for item in hub.follow(person_key(user_id), set(TASK_TYPES), after=_after(last_event_id)):
        yield _resync(item) if isinstance(item, Resync) else _task(item)


async def booking_slots(
    hub: SubscriptionHub, exam_day_id: str, last_event_id: str | None
) -> AsyncGenerator[BookingSlotsChanged | ResyncSignal, None]:
    if not 0 < len(exam_day_id) <= 64:
        raise GatewayError("invalid_exam_day_id", "examDayId must be 1 to 64 characters.")
    seen: dict[str, int] = {}
    async for item in hub.follow(exam_day_key(exam_day_id), set(BOOKING_TYPES), after=_after(last_event_id)):
        if isinstance(item, Resync):
            yield _resync(item)
        elif (changed := _slots(item, exam_day_id, seen)) is not None:
            yield changed
