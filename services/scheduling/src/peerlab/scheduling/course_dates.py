"""The course's dated rules, derived from the term (pure functions).

Every date the course plan states relative to the calendar lives here, under a stable key:

- ``lab-k`` (k = 1..lab_weeks): opens at week k's first session, due on the Monday of counted
  week k+1 at the term's deadline time (23:59); ``labs-end`` is the last lab's deadline;
- ``presentations-internal`` / ``presentations-external``: the Monday session of weeks 5 and 6;
- ``selection``: the Friday of week 7 at the deadline time;
- ``synopsis``: the Monday of week 10 at the deadline time (opens at the selection deadline);
- ``report``: ``report_due_on`` at the deadline time (4 January for the fall term: the first
  4 January after the last counted week unless the term names another day);
- ``poster``: the start of the poster exam day; ``exam-<id>``: every exam day.

A key whose week the term does not have (a short term) is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peerlab.scheduling.calendar_rules import CountedWeek, TermRule, counted_weeks, local_instant

INTERNAL_PRESENTATIONS_WEEK = 5
EXTERNAL_PRESENTATIONS_WEEK = 6
SELECTION_WEEK, SELECTION_WEEKDAY = 7, 4  # Friday of week 7
SYNOPSIS_WEEK = 10
REPORT_DUE_MONTH_DAY = (1, 4)  # 4 January


@dataclass(frozen=True)
class DatedRule:
    key: str
    kind: str  # "deadline" or "event"
    label: str
    at: datetime  # UTC
    opens_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class ExamDayDates:
    exam_day_id: str
    kind: str  # "poster" or "extra"
    title: str
    starts_at: datetime
    ends_at: datetime


def default_report_day(weeks: Sequence[CountedWeek]) -> date:
    """The first 4 January after the term's last counted week."""
    last = weeks[-1].monday
    month, day = REPORT_DUE_MONTH_DAY
    candidate = date(last.year, month, day)
    return candidate if candidate > last else date(last.year + 1, month, day)


def derive(
    rule: TermRule, *, deadline_time: time, report_due_on: date | None, exam_days: Sequence[ExamDayDates] = ()
) -> list[DatedRule]:
    """Every dated rule of the term, in calendar order of the course plan."""
    weeks = counted_weeks(rule)
    by_number = {w.number: w for w in weeks}
    zone = rule.time_zone

    def due(day: date) -> datetime:
        return local_instant(day, deadline_time, zone)

    def first_session(week: int) -> datetime | None:
        w = by_number.get(week)
        return w.sessions[0].starts_at if w and w.sessions else None

    out: list[DatedRule] = []
    for k in range(1, rule.lab_weeks + 1):
        if k + 1 in by_number:
            out.append(
                DatedRule(
                    f"lab-{k}", "deadline", f"Lab {k} hand-in", due(by_number[k + 1].monday), opens_at=first_session(k)
                )
            )
    labs = [d for d in out if d.key.startswith("lab-")]
    if labs:
        out.append(DatedRule("labs-end", "deadline", "End of the labs", labs[-1].at))
    for key, week, label in (
        ("presentations-internal", INTERNAL_PRESENTATIONS_WEEK, "Project presentations (internal)"),
        ("presentations-external", EXTERNAL_PRESENTATIONS_WEEK, "Project presentations (external)"),
    ):
        w = by_number.get(week)
        if w and w.sessions:
            out.append(DatedRule(key, "event", label, w.sessions[0].starts_at, ends_at=w.sessions[0].ends_at))
    selection = None
    if SELECTION_WEEK in by_number:
        selection = due(by_number[SELECTION_WEEK].monday + timedelta(days=SELECTION_WEEKDAY))
        out.append(DatedRule("selection", "deadline", "Project selection", selection))
    if SYNOPSIS_WEEK in by_number:
        out.append(
            DatedRule(
                "synopsis", "deadline", "Project synopsis", due(by_number[SYNOPSIS_WEEK].monday), opens_at=selection
            )
        )
    project_start = first_session(rule.lab_weeks + 1) if rule.lab_weeks else first_session(1)
    report_day = report_due_on or default_report_day(weeks)
    out.append(DatedRule("report", "deadline", "Final report", due(report_day), opens_at=project_start))
    posters = sorted((d for d in exam_days if d.kind == "poster"), key=lambda d: d.starts_at)
    if posters:
        out.append(DatedRule("poster", "deadline", "Poster", posters[0].starts_at, opens_at=project_start))
    for day in sorted(exam_days, key=lambda d: (d.starts_at, d.exam_day_id)):
        label = day.title or ("Poster exam" if day.kind == "poster" else "Extra exam date")
        out.append(DatedRule(f"exam-{day.exam_day_id}", "event", label, day.starts_at, ends_at=day.ends_at))
    return out
