"""Events published by the scheduling service on ``peerlab.scheduling``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData


class SlotPlaces(BaseModel):
    """How many places a slot has left right after the change (what a booking page shows live)."""

    slot_id: str
    exam_day_id: str
    free_places: int


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
                    "slots": [{"slot_id": "sl-3", "exam_day_id": "d-2021-12-08", "free_places": 1}],
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
                    "slots": [{"slot_id": "sl-3", "exam_day_id": "d-2021-12-08", "free_places": 2}],
                }
            ]
        }
    )

    booking_id: str
    group_id: str
    cancelled_at: datetime
    slots: list[SlotPlaces] = Field(default_factory=list, description=_SLOTS_DESCRIPTION)
