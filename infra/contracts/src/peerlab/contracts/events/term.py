"""The course calendar's dated rules, published by the scheduling service on ``peerlab.scheduling``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData


class DatedRule(BaseModel):
    """One date the calendar derives from the term, under a stable key (``lab-3``, ``selection``,
    ``synopsis``, ``report``, ``poster``, ``exam-<exam day id>``, ...)."""

    key: str
    kind: Literal["deadline", "event"]
    label: str
    at: datetime  # a deadline's instant, or an event's start (UTC)
    opens_at: datetime | None = None  # when hand-ins for a deadline open
    ends_at: datetime | None = None  # an event's end
    sequence: int = 0  # rises each time this date moves (the iCalendar SEQUENCE)


class TermDatesChangedV1(EventData):
    """The dated rules of a course after a change of its term or exam days: every key, not only the
    moved ones, so a consumer can apply the newest revision alone. Dates that had passed when the
    term changed keep their old value."""

    TYPE = "term.dates_changed.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "revision": 2,
                    "time_zone": "Europe/Copenhagen",
                    "changed_at": "2021-09-01T10:00:00Z",
                    "changed_by": "demo-teacher-1",
                    "dates": [
                        {
                            "key": "lab-1",
                            "kind": "deadline",
                            "label": "Lab 1 hand-in",
                            "at": "2021-09-06T21:59:00Z",
                            "opens_at": "2021-08-30T11:00:00Z",
                            "sequence": 0,
                        },
                        {
                            "key": "selection",
                            "kind": "deadline",
                            "label": "Project selection",
                            "at": "2021-10-15T21:59:00Z",
                            "sequence": 0,
                        },
                        {
                            "key": "report",
                            "kind": "deadline",
                            "label": "Final report",
                            "at": "2022-01-04T22:59:00Z",
                            "opens_at": "2021-11-01T12:00:00Z",
                            "sequence": 1,
                        },
                    ],
                    "moved": ["report"],
                }
            ]
        }
    )

    revision: int  # rises with every change of the course's dates; consumers ignore older ones
    time_zone: str
    changed_at: datetime
    changed_by: str
    dates: list[DatedRule]
    moved: list[str] = []  # keys whose date changed in this revision
