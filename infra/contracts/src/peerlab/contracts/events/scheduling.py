"""Events published by the scheduling service on ``peerlab.scheduling``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData


class SlotPlaces(BaseModel):
    """How many places a slot has left right after the change (what a booking page shows live)."""

    slot_id: str
    exam_day_id: str
    free_places: int
    revision: int = Field(
        default=0,
        description=(
            "The slot's places revision, raised by every booking, move and cancellation that changes its "
            "places: of two snapshots of one slot the higher revision is the newer (events are keyed by "
            "group, so Kafka does not order them). 0 from publishers older than this field."
        ),
    )


_SLOTS_DESCRIPTION = (
    "Every slot the change touched (a move touches two) with its free places after it, "
    "committed with the change. Empty from publishers older than this field."
)


class ExamBookedV1(EventData):
    """A group booked a poster-exam slot (or moved its booking to it)."""

    TYPE = "exam.booked.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "booking_id": "b-3",
                    "group_id": "g-17",
                    "slot_start": "2021-12-08T08:00:00Z",
                    "slot_end": "2021-12-08T08:30:00Z",
                    "slots": [{"slot_id": "sl-3", "exam_day_id": "d-2021-12-08", "free_places": 1, "revision": 3}],
                }
            ]
        }
    )

    booking_id: str
    group_id: str
    slot_start: datetime
    slot_end: datetime
    slots: list[SlotPlaces] = Field(default_factory=list, description=_SLOTS_DESCRIPTION)


class ExamPlanPublishedV1(EventData):
    """The examiners' visit plan for an exam day was published."""

    TYPE = "exam.plan_published.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exam_day_id": "d-2021-12-08",
                    "visits": 64,
                    "published_at": "2021-12-01T12:00:00Z",
                    "revision": 2,
                    "visits_added": 3,
                    "visits_dropped": 3,
                    "examiner_ids": ["t1", "t2"],
                }
            ]
        }
    )

    exam_day_id: str
    visits: int
    published_at: datetime
    revision: int = 1
    visits_added: int | None = None
    visits_dropped: int | None = None
    examiner_ids: list[str] = Field(default_factory=list)


class ExamBookingCancelledV1(EventData):
    """A group's poster-exam booking was cancelled (the slot is free again)."""

    TYPE = "exam.booking_cancelled.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "booking_id": "b-3",
                    "group_id": "g-17",
                    "cancelled_at": "2021-12-01T10:00:00Z",
                    "slots": [{"slot_id": "sl-3", "exam_day_id": "d-2021-12-08", "free_places": 2, "revision": 4}],
                }
            ]
        }
    )

    booking_id: str
    group_id: str
    cancelled_at: datetime
    slots: list[SlotPlaces] = Field(default_factory=list, description=_SLOTS_DESCRIPTION)


PlanChangeCode = Literal[
    "booking_made",
    "booking_moved",
    "booking_cancelled",
    "availability_changed",
    "examiner_removed",
    "supervision_changed",
    "members_changed",
]
"""What changed on an exam day after its visit plan was made."""


class VisitPlanStaleV1(EventData):
    """The published visit plan of an exam day no longer matches the day: a group booked, moved or
    cancelled its slot, an examiner's availability changed, or a booked group's supervisors or
    members changed after the plan was made. Sent for
    every such change while the plan is stale; publishing a new plan
    (``exam.plan_published.v1`` with a higher revision) ends it."""

    TYPE = "visit_plan.stale.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exam_day_id": "d-2021-12-08",
                    "revision": 2,
                    "stale_since": "2021-12-02T09:00:00Z",
                    "reason_code": "booking_moved",
                    "group_id": "g-17",
                    "examiner_id": None,
                    "changed_at": "2021-12-02T09:00:00Z",
                    "changes": 1,
                }
            ]
        }
    )

    exam_day_id: str
    revision: int = Field(description="The published plan's revision that is stale.")
    stale_since: datetime = Field(description="The first change after that plan was made.")
    reason_code: PlanChangeCode
    group_id: str | None = None
    examiner_id: str | None = None
    changed_at: datetime
    changes: int = Field(description="How many changes the plan has missed so far (this one included).")
