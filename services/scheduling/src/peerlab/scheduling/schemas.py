"""Request and response bodies of the scheduling API (``/v1``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from peerlab.chassis.clock import UTCInput

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SLACK_PATTERN = r"^#[a-z0-9][a-z0-9_-]{0,79}$"


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> "SessionIn":
        if self.end <= self.start:
            raise ValueError("a session ends after it starts")
        return self


class BreakIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date
    label: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> "BreakIn":
        if self.ends_on < self.starts_on:
            raise ValueError("a break ends on or after the day it starts")
        return self


class TermPut(BaseModel):
    """The whole term; ``PUT`` is an idempotent create-or-replace (the seeder calls it)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=300)
    first_monday: date
    counted_weeks: int = Field(ge=1, le=60)
    lab_weeks: int = Field(default=0, ge=0, le=60, description="Counted weeks 1..lab_weeks have labs.")
    time_zone: str = Field(default="Europe/Copenhagen", max_length=64)
    sessions: list[SessionIn] = Field(min_length=1, max_length=14)
    breaks: list[BreakIn] = Field(default_factory=list, max_length=20)
    deadline_time: time = Field(default=time(23, 59), description="Wall-clock time of every dated deadline.")
    report_due_on: date | None = Field(
        default=None,
        description="The final report's day (the plan: 4 January); omitted: the first 4 January "
        "after the last counted week.",
    )

    @field_validator("first_monday")
    @classmethod
    def _monday(cls, value: date) -> date:
        if value.weekday() != 0:
            raise ValueError("first_monday must be a Monday")
        return value


class TermPublic(TermPut):
    course_id: str
    revision: int
    dates_revision: int = Field(description="Rises each time the dated rules change (term.dates_changed.v1).")
    updated_at: datetime


class DatedRulePublic(BaseModel):
    key: str = Field(
        description="Stable: lab-1..lab-8, labs-end, presentations-internal, presentations-external, "
        "selection, synopsis, report, poster, exam-<exam day id>."
    )
    kind: Literal["deadline", "event"]
    label: str
    at: datetime = Field(description="The deadline, or the event's start (UTC).")
    opens_at: datetime | None = None
    ends_at: datetime | None = None
    sequence: int = Field(description="Rises each time the date moves (iCalendar SEQUENCE).")
    passed: bool


class CourseDates(BaseModel):
    course_id: str
    time_zone: str
    revision: int
    dates: list[DatedRulePublic]


class DateChangePublic(BaseModel):
    key: str
    old_at: datetime
    new_at: datetime
    revision: int
    changed_by: str
    changed_at: datetime


class SessionPublic(BaseModel):
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    starts_at_local: datetime
    ends_at_local: datetime


class WeekPublic(BaseModel):
    week: int = Field(description="Counted week number (break weeks are not counted).")
    monday: date
    phase: Literal["labs", "project"]
    sessions: list[SessionPublic]


class CalendarWeeks(BaseModel):
    course_id: str
    time_zone: str
    weeks: list[WeekPublic]
    skipped_mondays: list[date] = Field(description="Mondays of weeks that are not counted (breaks).")


class RoomPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    capacity: int = Field(ge=1, le=5000, description="The room's capacity limit (people).")
    slack_channel: str | None = Field(default=None, pattern=SLACK_PATTERN)
    zoom_url: str | None = Field(default=None, max_length=500, pattern=r"^https://\S+$")


class RoomPublic(RoomPut):
    course_id: str
    room_id: str
    updated_at: datetime


class ExamDayPut(BaseModel):
    """An exam day from ``start`` to ``end`` (wall clock in ``time_zone``), cut into slots."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["poster", "extra"] = "poster"
    title: str = Field(default="", max_length=300)
    day: date
    start: time
    end: time
    time_zone: str = Field(default="Europe/Copenhagen", max_length=64)
    location: str = Field(default="", max_length=200)
    slot_minutes: int = Field(default=30, ge=5, le=480)
    slot_capacity: int = Field(default=1, ge=1, le=1000, description="Groups presenting in one slot.")
    booking_opens_at: UTCInput | None = None
    booking_closes_at: UTCInput | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ExamDayPut":
        if self.end <= self.start:
            raise ValueError("the exam day ends after it starts")
        if self.booking_opens_at and self.booking_closes_at and self.booking_closes_at <= self.booking_opens_at:
            raise ValueError("booking closes after it opens")
        return self


class ExamDayPublic(BaseModel):
    course_id: str
    exam_day_id: str
    kind: str
    title: str
    day: date
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    location: str
    slot_minutes: int
    slot_capacity: int
    booking_opens_at: datetime | None
    booking_closes_at: datetime | None
    slots: int
    places_left: int
    revision: int


class SlotPublic(BaseModel):
    slot_id: str
    exam_day_id: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    capacity: int
    booked: int
    available: int
    group_ids: list[str] | None = Field(default=None, description="Booked groups; staff only.")


class BookingPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: str = Field(max_length=80)


class BookingPublic(BaseModel):
    booking_id: str
    course_id: str
    group_id: str
    slot_id: str
    exam_day_id: str
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    booked_by: str
    booked_at: datetime


class PrintQuotaPublic(BaseModel):
    course_id: str
    quota: int
    granted: int
    remaining: int


class PrintRequestPublic(BaseModel):
    course_id: str
    group_id: str
    position: int
    requested_by: str
    requested_at: datetime


class GroupPublic(BaseModel):
    """The scheduling service's view of a project group (a projection)."""

    group_id: str
    course_id: str
    member_ids: list[str]
    changed_at: datetime
