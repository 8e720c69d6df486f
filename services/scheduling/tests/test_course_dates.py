"""The calendar drives every date: the 2021 plan's dates derived from the term; moving the fall
break moves what is still ahead (audited, published, SEQUENCE raised in the feed) and never what
has passed. Time is an injected clock, not sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
from scheduling_testkit import COURSE, POSTER_DAY, TERM_2021

from peerlab.contracts.events.term import TermDatesChangedV1
from peerlab.scheduling.calendar_rules import Break, SessionTime, TermRule
from peerlab.scheduling.course_dates import derive

pytestmark = pytest.mark.dialect_sensitive  # dated rules: time zones and stored datetimes

TERM = f"/v1/courses/{COURSE}/term"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _rule_2021() -> TermRule:
    return TermRule(
        first_monday=date(2021, 8, 30),
        counted_weeks=13,
        lab_weeks=8,
        time_zone="Europe/Copenhagen",
        sessions=(SessionTime(0, time(13), time(17)),),
        breaks=(Break(date(2021, 10, 18), date(2021, 10, 22)),),
    )


def test_the_2021_plan_dates_follow_from_the_term():
    dates = {d.key: d for d in derive(_rule_2021(), deadline_time=time(23, 59), report_due_on=None)}
    assert dates["lab-1"].at == datetime(2021, 9, 6, 21, 59, tzinfo=UTC)  # Monday week 2, 23:59 CEST
    assert dates["lab-1"].opens_at == datetime(2021, 8, 30, 11, 0, tzinfo=UTC)
    assert dates["lab-7"].at == datetime(2021, 10, 25, 21, 59, tzinfo=UTC)  # week 8 skips the fall break
    assert dates["lab-8"].at == dates["labs-end"].at == datetime(2021, 11, 1, 22, 59, tzinfo=UTC)  # CET
    assert dates["presentations-internal"].at == datetime(2021, 9, 27, 11, 0, tzinfo=UTC)  # week 5
    assert dates["presentations-external"].at == datetime(2021, 10, 4, 11, 0, tzinfo=UTC)  # week 6
    assert dates["selection"].at == datetime(2021, 10, 15, 21, 59, tzinfo=UTC)  # Friday week 7
    assert dates["synopsis"].at == datetime(2021, 11, 8, 22, 59, tzinfo=UTC)  # Monday week 10
    assert dates["report"].at == datetime(2022, 1, 4, 22, 59, tzinfo=UTC)  # 4 January 23:59
    assert "poster" not in dates  # no poster exam day yet


def test_a_short_term_leaves_out_the_weeks_it_does_not_have():
    rule = TermRule(
        first_monday=date(2021, 8, 30),
        counted_weeks=6,
        lab_weeks=3,
        time_zone="Europe/Copenhagen",
        sessions=(SessionTime(0, time(13), time(17)),),
    )
    keys = [d.key for d in derive(rule, deadline_time=time(23, 59), report_due_on=date(2021, 12, 1))]
    assert keys == ["lab-1", "lab-2", "lab-3", "labs-end", "presentations-internal", "presentations-external", "report"]


def _dates(client, headers) -> dict[str, dict]:
    body = client.get(f"/v1/courses/{COURSE}/calendar/dates", headers=headers).json()
    return {d["key"]: d for d in body["dates"]}


def _with_break(ends_on: str, **extra) -> dict:
    return {**TERM_2021, "breaks": [{"starts_on": "2021-10-18", "ends_on": ends_on, "label": "Fall break"}], **extra}


def test_moving_the_fall_break_moves_what_is_ahead_and_nothing_that_passed(stack):
    clock = Clock(datetime(2021, 8, 1, tzinfo=UTC))
    client = stack.client(clock=clock)
    teacher = stack.auth("t1", "teacher")
    assert client.put(TERM, json=TERM_2021, headers=teacher).status_code == 201
    assert (
        client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher).status_code == 201
    )
    before = _dates(client, teacher)
    assert before["poster"]["at"] == "2021-12-08T08:00:00Z" and before["exam-poster-2021"]["kind"] == "event"

    # 20 October, in the break: it becomes two weeks long and the report is due a day later.
    clock.at = datetime(2021, 10, 20, 8, tzinfo=UTC)
    assert (
        client.put(TERM, json=_with_break("2021-10-29", report_due_on="2022-01-05"), headers=teacher).status_code == 200
    )
    after = _dates(client, teacher)
    for key in ("lab-1", "lab-6", "selection", "presentations-external"):
        assert after[key]["at"] == before[key]["at"] and after[key]["sequence"] == 0, key
    assert after["poster"]["at"] == before["poster"]["at"]  # opens a week later (project phase), due the same
    assert after["lab-6"]["passed"] is True and after["lab-7"]["passed"] is False
    assert after["lab-7"]["at"] == "2021-11-01T22:59:00Z" and after["lab-7"]["sequence"] == 1
    assert after["lab-8"]["at"] == "2021-11-08T22:59:00Z" and after["lab-8"]["sequence"] == 1
    assert after["synopsis"]["at"] == "2021-11-15T22:59:00Z" and after["synopsis"]["sequence"] == 1
    assert after["report"]["at"] == "2022-01-05T22:59:00Z" and after["report"]["sequence"] == 1

    # 2 November: lab 7 (due 1 Nov) has passed. A third break week moves lab 8 again, never lab 7.
    clock.at = datetime(2021, 11, 2, 8, tzinfo=UTC)
    assert (
        client.put(TERM, json=_with_break("2021-11-05", report_due_on="2022-01-05"), headers=teacher).status_code == 200
    )
    last_dates = _dates(client, teacher)
    assert last_dates["lab-7"]["at"] == "2021-11-01T22:59:00Z" and last_dates["lab-7"]["passed"] is True
    assert last_dates["lab-8"]["at"] == "2021-11-15T22:59:00Z" and last_dates["lab-8"]["sequence"] == 2

    changes = client.get(f"/v1/courses/{COURSE}/calendar/date-changes", headers=teacher).json()
    assert [c["key"] for c in changes if c["key"] == "lab-7"] == ["lab-7"]  # moved once, never after it passed
    lab8 = [c for c in changes if c["key"] == "lab-8"]
    assert lab8[0] == {
        "key": "lab-8",
        "old_at": "2021-11-01T22:59:00Z",
        "new_at": "2021-11-08T22:59:00Z",
        "revision": 3,
        "changed_by": "t1",
        "changed_at": "2021-10-20T08:00:00Z",
    }
    assert lab8[1]["old_at"] == "2021-11-08T22:59:00Z" and lab8[1]["new_at"] == "2021-11-15T22:59:00Z"
    assert client.get(f"/v1/courses/{COURSE}/calendar/date-changes", headers=stack.auth("s210001")).status_code == 403

    published = [TermDatesChangedV1.model_validate(e.data) for e in stack.outbox("term.dates_changed.v1")]
    assert [p.revision for p in published] == [1, 2, 3, 4]  # term, poster day, two moves
    assert {"lab-7", "lab-8", "synopsis", "report"} <= set(published[2].moved)
    assert "lab-7" not in published[3].moved and "lab-8" in published[3].moved
    assert {d.key: d.at for d in published[3].dates}["lab-7"] == datetime(2021, 11, 1, 22, 59, tzinfo=UTC)

    # The same term again: nothing written, nothing published.
    assert (
        client.put(TERM, json=_with_break("2021-11-05", report_due_on="2022-01-05"), headers=teacher).status_code == 200
    )
    assert len(stack.outbox("term.dates_changed.v1")) == 4


def test_the_feed_carries_deadlines_with_stable_uids_and_a_rising_sequence(stack):
    clock = Clock(datetime(2021, 10, 20, tzinfo=UTC))
    client = stack.client(clock=clock)
    teacher = stack.auth("t1", "teacher")
    client.put(TERM, json=TERM_2021, headers=teacher)

    def deadlines() -> dict[str, icalendar.Event]:
        cal = icalendar.Calendar.from_ical(
            client.get(f"/v1/courses/{COURSE}/calendar.ics", headers=stack.auth("s210001")).content
        )
        return {str(e["uid"]): e for e in cal.walk("VEVENT") if "-deadline-" in str(e["uid"])}

    first = deadlines()
    uid = f"{COURSE}-deadline-lab-7@peerlab"
    assert first[uid].decoded("dtstart") == datetime(2021, 10, 25, 21, 59, tzinfo=UTC)
    assert int(first[uid]["sequence"]) == 0
    client.put(TERM, json=_with_break("2021-10-29"), headers=teacher)
    second = deadlines()
    assert set(second) == set(first)  # the same UIDs: calendar apps update, not duplicate
    assert second[uid].decoded("dtstart") == datetime(2021, 11, 1, 22, 59, tzinfo=UTC)
    assert int(second[uid]["sequence"]) == 1
    lab1 = f"{COURSE}-deadline-lab-1@peerlab"
    assert int(second[lab1]["sequence"]) == 0 and second[lab1].decoded("dtstart") == first[lab1].decoded("dtstart")
