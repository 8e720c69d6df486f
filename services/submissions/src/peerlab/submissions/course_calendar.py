"""The course's calendar rule for lab deadlines, as pure functions.

Weeks are counted from the term's first Monday; a break week is not counted ("week 8" skips
the fall break). Lab k (1..8) opens at the start of the Monday session of counted week k and is
due on the Monday of counted week k+1 at 23:59 in the course's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COURSE_TZ = ZoneInfo("Europe/Copenhagen")
TERM_START = date(2021, 8, 30)
FALL_BREAK = (date(2021, 10, 18),)  # Mondays of weeks that are not counted (ISO week 42 of 2021)
LAB_COUNT = 8
DEADLINE_TIME = time(23, 59)
SESSION_START = time(13, 0)


@dataclass(frozen=True)
class LabDates:
    lab_number: int
    opens_at: datetime  # UTC
    deadline: datetime  # UTC


def counted_monday(week: int, *, term_start: date = TERM_START, breaks: tuple[date, ...] = FALL_BREAK) -> date:
    """The Monday of counted week ``week`` (1-based), skipping break weeks."""
    if week < 1:
        raise ValueError("weeks are counted from 1")
    if term_start.weekday() != 0:
        raise ValueError("the term must start on a Monday")
    skipped = {b - timedelta(days=b.weekday()) for b in breaks}
    monday, counted = term_start, 0
    for _ in range(week + len(skipped) + 1):
        if monday not in skipped:
            counted += 1
            if counted == week:
                return monday
        monday += timedelta(weeks=1)
    raise AssertionError("unreachable: the loop covers every skipped week")


def local_instant(day: date, at: time, tz: ZoneInfo = COURSE_TZ) -> datetime:
    """``day`` at ``at`` in ``tz``, as a UTC datetime (daylight saving handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def lab_dates(lab_number: int, *, term_start: date = TERM_START, breaks: tuple[date, ...] = FALL_BREAK) -> LabDates:
    if not 1 <= lab_number <= LAB_COUNT:
        raise ValueError(f"lab_number must be 1..{LAB_COUNT}")
    opens = counted_monday(lab_number, term_start=term_start, breaks=breaks)
    due = counted_monday(lab_number + 1, term_start=term_start, breaks=breaks)
    return LabDates(lab_number, local_instant(opens, SESSION_START), local_instant(due, DEADLINE_TIME))


def all_lab_dates(*, term_start: date = TERM_START, breaks: tuple[date, ...] = FALL_BREAK) -> list[LabDates]:
    return [lab_dates(k, term_start=term_start, breaks=breaks) for k in range(1, LAB_COUNT + 1)]
