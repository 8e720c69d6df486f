"""The pure calendar rule: counted weeks skip the fall break; sessions are wall-clock times."""

from datetime import UTC, date, datetime, time

import pytest

from peerlab.scheduling import calendar_rules as rules

pytestmark = pytest.mark.dialect_sensitive  # datetimes and time zones

FALL_2021 = rules.TermRule(
    first_monday=date(2021, 8, 30),
    counted_weeks=13,
    time_zone="Europe/Copenhagen",
    lab_weeks=8,
    sessions=(rules.SessionTime(0, time(13), time(17)),),
    breaks=(rules.Break(date(2021, 10, 18), date(2021, 10, 22), "Fall break"),),
)

MONDAYS_2021 = [
    date(2021, 8, 30),
    date(2021, 9, 6),
    date(2021, 9, 13),
    date(2021, 9, 20),
    date(2021, 9, 27),
    date(2021, 10, 4),
    date(2021, 10, 11),
    date(2021, 10, 25),
    date(2021, 11, 1),
    date(2021, 11, 8),
    date(2021, 11, 15),
    date(2021, 11, 22),
    date(2021, 11, 29),
]


def test_counted_weeks_of_fall_2021_skip_the_fall_break():
    weeks = rules.counted_weeks(FALL_2021)
    assert [w.monday for w in weeks] == MONDAYS_2021
    assert [w.number for w in weeks] == list(range(1, 14))
    assert rules.monday_of_week(FALL_2021, 7) == date(2021, 10, 11)
    assert rules.monday_of_week(FALL_2021, 8) == date(2021, 10, 25)  # "week 8" is after the break
    assert rules.skipped_mondays(FALL_2021) == [date(2021, 10, 18)]
    assert [w.phase for w in weeks] == ["labs"] * 8 + ["project"] * 5


def test_sessions_are_13_to_17_copenhagen_across_daylight_saving():
    weeks = rules.counted_weeks(FALL_2021)
    first, after_dst = weeks[0].sessions[0], weeks[8].sessions[0]  # week 9: 1 Nov, after 31 Oct
    assert first.starts_at == datetime(2021, 8, 30, 11, 0, tzinfo=UTC)  # CEST, UTC+2
    assert first.ends_at == datetime(2021, 8, 30, 15, 0, tzinfo=UTC)
    assert after_dst.starts_at == datetime(2021, 11, 1, 12, 0, tzinfo=UTC)  # CET, UTC+1


def test_a_week_counts_while_one_teaching_day_is_outside_the_breaks():
    rule = rules.TermRule(
        first_monday=date(2021, 8, 30),
        counted_weeks=3,
        time_zone="Europe/Copenhagen",
        sessions=(rules.SessionTime(0, time(13), time(17)), rules.SessionTime(3, time(9), time(12))),
        breaks=(
            rules.Break(date(2021, 9, 6), date(2021, 9, 6), "holiday Monday"),
            rules.Break(date(2021, 9, 13), date(2021, 9, 19), "whole week"),
        ),
    )
    weeks = rules.counted_weeks(rule)
    assert [w.monday for w in weeks] == [date(2021, 8, 30), date(2021, 9, 6), date(2021, 9, 20)]
    assert len(weeks[1].sessions) == 1  # only the Thursday session of the holiday-Monday week
    assert weeks[1].sessions[0].starts_at.date() == date(2021, 9, 9)


@pytest.mark.parametrize("week", [0, 14])
def test_weeks_outside_the_term_are_refused(week):
    with pytest.raises(rules.CalendarError):
        rules.monday_of_week(FALL_2021, week)


def test_invalid_terms_are_refused():
    with pytest.raises(rules.CalendarError, match="not a Monday"):
        rules.counted_weeks(rules.TermRule(date(2021, 8, 31), 13, "Europe/Copenhagen", FALL_2021.sessions))
    with pytest.raises(rules.CalendarError, match="time zone"):
        rules.counted_weeks(rules.TermRule(date(2021, 8, 30), 13, "Mars/Olympus", FALL_2021.sessions))
    endless = rules.TermRule(
        date(2021, 8, 30),
        3,
        "Europe/Copenhagen",
        FALL_2021.sessions,
        breaks=(rules.Break(date(2021, 9, 1), date(2040, 1, 1)),),
    )
    with pytest.raises(rules.CalendarError, match="skip more than"):
        rules.counted_weeks(endless)
