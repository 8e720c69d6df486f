"""The calendar rule for the 8 lab deadlines (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from peerlab.submissions.course_calendar import COURSE_TZ, all_lab_dates, counted_monday, lab_dates


def test_the_eight_lab_deadlines_of_2021():
    deadlines = [(d.lab_number, d.deadline.astimezone(COURSE_TZ).strftime("%a %Y-%m-%d %H:%M %Z")) for d in all_lab_dates()]
    assert deadlines == [
        (1, "Mon 2021-09-06 23:59 CEST"),
        (2, "Mon 2021-09-13 23:59 CEST"),
        (3, "Mon 2021-09-20 23:59 CEST"),
        (4, "Mon 2021-09-27 23:59 CEST"),
        (5, "Mon 2021-10-04 23:59 CEST"),
        (6, "Mon 2021-10-11 23:59 CEST"),
        (7, "Mon 2021-10-25 23:59 CEST"),  # week 8 skips the fall break (18-22 Oct)
        (8, "Mon 2021-11-01 23:59 CET"),   # after the switch to winter time
    ]


def test_deadlines_are_stored_in_utc():
    assert lab_dates(1).deadline == datetime(2021, 9, 6, 21, 59, tzinfo=UTC)
    assert lab_dates(8).deadline == datetime(2021, 11, 1, 22, 59, tzinfo=UTC)
    assert lab_dates(1).opens_at == datetime(2021, 8, 30, 11, 0, tzinfo=UTC)


def test_counted_weeks_skip_the_break():
    assert counted_monday(7) == date(2021, 10, 11)
    assert counted_monday(8) == date(2021, 10, 25)
    assert counted_monday(1, breaks=()) == date(2021, 8, 30)
    assert counted_monday(8, breaks=()) == date(2021, 10, 18)


@pytest.mark.parametrize("bad", [0, 9])
def test_lab_numbers_are_bounded(bad):
    with pytest.raises(ValueError):
        lab_dates(bad)
