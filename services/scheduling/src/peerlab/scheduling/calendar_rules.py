"""The course calendar as pure functions: counted weeks, their Mondays and their sessions.

Weeks are counted from the term's first Monday. A week is *not counted* when every one of its
teaching days lies inside a break (the fall break week, Mon 18 - Fri 22 Oct 2021, is skipped,
so "week 8" is the week after it). Sessions of a counted week that fall on a break day are left out.
Times are wall-clock times in the course's time zone; instants are returned in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_SKIPPED_WEEKS = 60  # bound on the weeks a term may skip; the loops below never run longer


class CalendarError(ValueError):
    """The term does not describe a valid calendar."""


@dataclass(frozen=True)
class SessionTime:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class Break:
    starts_on: date
    ends_on: date
    label: str = ""

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class TermRule:
    first_monday: date
    counted_weeks: int
    time_zone: str
    sessions: tuple[SessionTime, ...]
    breaks: tuple[Break, ...] = ()
    lab_weeks: int = 0


@dataclass(frozen=True)
class Session:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


@dataclass(frozen=True)
class CountedWeek:
    number: int
    monday: date
    sessions: tuple[Session, ...]
    phase: str  # "labs" or "project"


def validate(rule: TermRule) -> None:
    if rule.first_monday.weekday() != 0:
        raise CalendarError(f"first_monday {rule.first_monday} is not a Monday")
    if rule.counted_weeks < 1:
        raise CalendarError("a term has at least one counted week")
    if not rule.sessions:
        raise CalendarError("a term has at least one teaching session per week")
    for s in rule.sessions:
        if not 0 <= s.weekday <= 6:
            raise CalendarError(f"weekday {s.weekday} is not 0..6")
        if s.end <= s.start:
            raise CalendarError(f"session {s.start}-{s.end} ends before it starts")
    for b in rule.breaks:
        if b.ends_on < b.starts_on:
            raise CalendarError(f"break {b.label!r} ends before it starts")
    try:
        ZoneInfo(rule.time_zone)
    except Exception as exc:  # zoneinfo raises several kinds
        raise CalendarError(f"unknown time zone {rule.time_zone!r}") from exc
    if not 0 <= rule.lab_weeks <= rule.counted_weeks:
        raise CalendarError("lab_weeks must be between 0 and counted_weeks")


def local_instant(day: date, at: time, time_zone: str) -> datetime:
    """``day`` at wall-clock ``at`` in ``time_zone``, as UTC (daylight saving via zoneinfo)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def _in_break(day: date, breaks: tuple[Break, ...]) -> bool:
    return any(b.covers(day) for b in breaks)


def _week_sessions(rule: TermRule, monday: date) -> tuple[Session, ...]:
    out = []
    for s in sorted(rule.sessions, key=lambda s: (s.weekday, s.start)):
        day = monday + timedelta(days=s.weekday)
        if not _in_break(day, rule.breaks):
            out.append(Session(local_instant(day, s.start, rule.time_zone), local_instant(day, s.end, rule.time_zone)))
    return tuple(out)


def counted_weeks(rule: TermRule) -> list[CountedWeek]:
    """Every counted week of the term, in order (week 1 starts on ``first_monday``)."""
    validate(rule)
    weeks: list[CountedWeek] = []
    monday = rule.first_monday
    for _ in range(rule.counted_weeks + MAX_SKIPPED_WEEKS):
        sessions = _week_sessions(rule, monday)
        if sessions:
            number = len(weeks) + 1
            weeks.append(CountedWeek(number, monday, sessions, "labs" if number <= rule.lab_weeks else "project"))
            if len(weeks) == rule.counted_weeks:
                return weeks
        monday += timedelta(weeks=1)
    raise CalendarError(f"the breaks skip more than {MAX_SKIPPED_WEEKS} weeks")


def monday_of_week(rule: TermRule, week: int) -> date:
    """The Monday of counted week ``week`` (1-based)."""
    if not 1 <= week <= rule.counted_weeks:
        raise CalendarError(f"week {week} is outside 1..{rule.counted_weeks}")
    return counted_weeks(rule)[week - 1].monday


def skipped_mondays(rule: TermRule) -> list[date]:
    """Mondays between the first and the last counted week whose weeks are not counted."""
    weeks = counted_weeks(rule)
    counted = {w.monday for w in weeks}
    out, monday = [], rule.first_monday
    while monday < weeks[-1].monday:
        if monday not in counted:
            out.append(monday)
        monday += timedelta(weeks=1)
    return out
