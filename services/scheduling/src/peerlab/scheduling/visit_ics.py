"""An examiner's itinerary as iCalendar: one event per visit, UID stable per (day, group, examiner)
so that re-importing after a re-plan moves events instead of duplicating them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import icalendar

from peerlab.scheduling.exam_models import PlannedVisit

PRODID = "-//Peerlab//Examiner itinerary//EN"


def itinerary_calendar(*, course_id: str, examiner_id: str, visits: Sequence[PlannedVisit], stamp: datetime) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{course_id}: poster visits of {examiner_id}")
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"{course_id}-{visit.exam_day_id}-{visit.group_id}-{examiner_id}@peerlab")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.starts_at)
        event.add("dtend", visit.ends_at)
        event.add("summary", f"Poster of group {visit.group_id}")
        event.add("description", f"Exam day {visit.exam_day_id}, slot {visit.slot_id}.")
        cal.add_component(event)
    return cal.to_ical()
