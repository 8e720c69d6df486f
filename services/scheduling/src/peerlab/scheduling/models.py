"""The scheduling service's tables (all prefixed ``scheduling_``).

What it owns: a course's term (first Monday, counted weeks, breaks, weekly sessions), rooms,
exam days with their slots, bookings and poster print requests. What it keeps of others: a
projection of the project groups (from ``group.formed.v1`` / ``group.changed.v1``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from peerlab.chassis.clock import UTCDateTime

TZ = UTCDateTime()


class Term(SQLModel, table=True):
    """A course's teaching term; ``sessions`` are ``{weekday, start, end}`` wall-clock times and
    ``breaks`` are ``{starts_on, ends_on, label}`` ranges (weeks wholly inside are not counted)."""

    __tablename__ = "scheduling_term"

    course_id: str = Field(primary_key=True, max_length=64)
    title: str = Field(default="", max_length=300)
    first_monday: date
    counted_weeks: int
    lab_weeks: int = Field(default=0)
    time_zone: str = Field(max_length=64)
    sessions: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    breaks: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    deadline_time: str = Field(default="23:59", max_length=5)
    report_due_on: date | None = Field(default=None)
    revision: int = Field(default=1)
    dates_revision: int = Field(default=0)
    updated_at: datetime = Field(sa_type=TZ)


class DatedRuleRow(SQLModel, table=True):
    """A date derived from the term (``lab-3``, ``selection``, ``report`` ...) as last published.

    ``sequence`` rises each time the date moves (the iCalendar SEQUENCE); a date that has passed
    is never moved again."""

    __tablename__ = "scheduling_dated_rule"

    course_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=20)
    label: str = Field(max_length=200)
    at: datetime = Field(sa_type=TZ)
    opens_at: datetime | None = Field(default=None, sa_type=TZ)
    ends_at: datetime | None = Field(default=None, sa_type=TZ)
    sequence: int = Field(default=0)
    updated_at: datetime = Field(sa_type=TZ)


class DateChange(SQLModel, table=True):
    """Audit of a moved date: who changed the term, when, and the date before and after."""

    __tablename__ = "scheduling_date_change"
    __table_args__ = (Index("ix_scheduling_date_change_course", "course_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: str = Field(max_length=64)
    key: str = Field(max_length=80)
    old_at: datetime = Field(sa_type=TZ)
    new_at: datetime = Field(sa_type=TZ)
    revision: int
    changed_by: str = Field(max_length=64)
    changed_at: datetime = Field(sa_type=TZ)


class Room(SQLModel, table=True):
    """A teaching room (building/room) with its capacity limit, Slack channel and optional Zoom link."""

    __tablename__ = "scheduling_room"

    course_id: str = Field(primary_key=True, max_length=64)
    room_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    capacity: int
    slack_channel: str | None = Field(default=None, max_length=100)
    zoom_url: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(sa_type=TZ)


class ExamDay(SQLModel, table=True):
    """A day of poster presentations divided into slots of ``slot_minutes``; each slot holds up to
    ``slot_capacity`` groups. ``kind`` is ``poster`` (the main date) or ``extra`` (the extra date)."""

    __tablename__ = "scheduling_exam_day"

    course_id: str = Field(primary_key=True, max_length=64)
    exam_day_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)
    title: str = Field(default="", max_length=300)
    day: date
    time_zone: str = Field(max_length=64)
    starts_at: datetime = Field(sa_type=TZ)
    ends_at: datetime = Field(sa_type=TZ)
    location: str = Field(default="", max_length=200)
    slot_minutes: int
    slot_capacity: int
    booking_opens_at: datetime | None = Field(default=None, sa_type=TZ)
    booking_closes_at: datetime | None = Field(default=None, sa_type=TZ)
    revision: int = Field(default=1)
    updated_at: datetime = Field(sa_type=TZ)


class Slot(SQLModel, table=True):
    """One slot of an exam day. ``booked`` counts its bookings and is only ever changed by a
    conditional UPDATE (``booked < capacity``), which is what refuses double booking under load."""

    __tablename__ = "scheduling_slot"
    __table_args__ = (UniqueConstraint("course_id", "exam_day_id", "starts_at", name="uq_scheduling_slot_start"),)

    course_id: str = Field(primary_key=True, max_length=64)
    slot_id: str = Field(primary_key=True, max_length=80)
    exam_day_id: str = Field(max_length=64)
    starts_at: datetime = Field(sa_type=TZ)
    ends_at: datetime = Field(sa_type=TZ)
    capacity: int
    booked: int = Field(default=0)
    places_revision: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}, description="Raised with every change of ``booked``."
    )


class Booking(SQLModel, table=True):
    """A group's exam slot; the primary key (course, group) is the one-slot-per-group rule."""

    __tablename__ = "scheduling_booking"
    __table_args__ = (Index("ix_scheduling_booking_slot", "slot_id"),)

    course_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(primary_key=True, max_length=64)
    booking_id: str = Field(max_length=36, unique=True)
    slot_id: str = Field(max_length=80)
    booked_by: str = Field(max_length=64)
    booked_at: datetime = Field(sa_type=TZ)


class PrintCounter(SQLModel, table=True):
    """Free poster prints granted so far in a course (raised by a conditional UPDATE)."""

    __tablename__ = "scheduling_print_counter"

    course_id: str = Field(primary_key=True, max_length=64)
    granted: int = Field(default=0)


class PrintRequest(SQLModel, table=True):
    """A group's granted free poster print; ``position`` is its place in the queue (1 = first)."""

    __tablename__ = "scheduling_print_request"

    course_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(primary_key=True, max_length=64)
    position: int
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(sa_type=TZ)


# --- projection of the projects service ---------------------------------------------------------
class GroupRow(SQLModel, table=True):
    """A project group as the projects service last described it."""

    __tablename__ = "scheduling_group"

    group_id: str = Field(primary_key=True, max_length=64)
    course_id: str = Field(max_length=64, index=True)
    member_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(sa_type=TZ)


class GroupMemberRow(SQLModel, table=True):
    """Which group a student is in (the check behind "a student books only for their own group").

    ``changed_at`` is the time of the group event that set it, so a stale event of another group
    (events of different groups may arrive out of order) cannot take the student back."""

    __tablename__ = "scheduling_group_member"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(max_length=64, index=True)
    changed_at: datetime = Field(sa_type=TZ)


class CalendarFeed(SQLModel, table=True):
    """A person's secret calendar-feed address. Only the SHA-256 of the secret is kept; making a
    new one replaces the old (which then stops working), deleting it revokes the address."""

    __tablename__ = "scheduling_calendar_feed"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    secret_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=TZ)
