"""The course calendar as iCalendar (RFC 5545): one event per teaching session, exam day and deadline.

UIDs are stable (course, week, session; course, exam day; course, deadline key), so a calendar app
that re-imports the feed updates events instead of duplicating them; a deadline's SEQUENCE is the
number of times it moved, so the app takes the moved one as the newer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import icalendar

from peerlab.scheduling.calendar_rules import CountedWeek
from peerlab.chassis.clock import in_zone
from peerlab.scheduling.models import DatedRuleRow, ExamDay, Room

PRODID = "-//Peerlab//Course calendar//EN"


def _event(
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    zone: str,
    stamp: datetime,
    location: str = "",
    description: str = "",
    sequence: int | None = None,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", in_zone(start, zone))
    event.add("dtend", in_zone(end, zone))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    return event


def build_calendar(
    *,
    course_id: str,
    title: str,
    time_zone: str,
    weeks: Sequence[CountedWeek],
    rooms: Sequence[Room],
    exam_days: Sequence[ExamDay],
    stamp: datetime,
    deadlines: Sequence[DatedRuleRow] = (),
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", title or course_id)
    cal.add("x-wr-timezone", time_zone)
    where = ", ".join(r.room_id for r in rooms)
    for week in weeks:
        what = "labs" if week.phase == "labs" else "project work"
        for index, session in enumerate(week.sessions, start=1):
            cal.add_component(
                _event(
                    f"{course_id}-week{week.number}-session{index}@peerlab",
                    f"{title or course_id}: week {week.number} ({what})",
                    session.starts_at,
                    session.ends_at,
                    time_zone,
                    stamp,
                    where,
                )
            )
    for day in exam_days:
        label = day.title or ("Poster exam" if day.kind == "poster" else "Extra exam date")
        cal.add_component(
            _event(
                f"{course_id}-exam-{day.exam_day_id}@peerlab",
                f"{title or course_id}: {label}",
                day.starts_at,
                day.ends_at,
                day.time_zone,
                stamp,
                day.location,
                f"{day.slot_minutes}-minute slots; book one per group.",
            )
        )
    for rule in deadlines:
        if rule.kind != "deadline":
            continue  # events (presentations, exam days) are listed above or are sessions
        at = rule.at
        cal.add_component(
            _event(
                f"{course_id}-deadline-{rule.key}@peerlab",
                f"{title or course_id}: {rule.label} deadline",
                at,
                at,
                time_zone,
                rule.updated_at,
                description=f"Deadline ({rule.key}).",
                sequence=rule.sequence,
            )
        )
    cal.add_missing_timezones()
    return cal.to_ical()
