"""The term over HTTP: idempotent PUT, the weeks endpoint, one week, and the iCalendar feed."""

from datetime import date

import icalendar

from scheduling_testkit import COURSE, POSTER_DAY, TERM_2021


def test_put_term_is_idempotent_and_staff_only(stack):
    client = stack.client()
    teacher, student = stack.auth("t1", "teacher"), stack.auth("s210001")
    assert client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=student).status_code == 403
    assert client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021).status_code == 401
    first = client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=teacher)
    assert first.status_code == 201
    again = client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=teacher)
    assert again.status_code == 200
    assert again.json()["revision"] == first.json()["revision"] == 1
    changed = client.put(f"/v1/courses/{COURSE}/term", json={**TERM_2021, "counted_weeks": 12}, headers=teacher)
    assert changed.json()["revision"] == 2
    got = client.get(f"/v1/courses/{COURSE}/term", headers=student)
    assert got.status_code == 200 and got.json()["counted_weeks"] == 12


def test_weeks_endpoint_gives_the_monday_of_each_counted_week(stack):
    client = stack.client()
    client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=stack.auth("t1", "teacher"))
    student = stack.auth("s210001")
    body = client.get(f"/v1/courses/{COURSE}/calendar/weeks", headers=student).json()
    mondays = {w["week"]: w["monday"] for w in body["weeks"]}
    assert mondays[7] == "2021-10-11" and mondays[8] == "2021-10-25" and mondays[13] == "2021-11-29"
    assert body["skipped_mondays"] == ["2021-10-18"]
    week9 = client.get(f"/v1/courses/{COURSE}/calendar/weeks/9", headers=student).json()
    assert week9["monday"] == "2021-11-01" and week9["phase"] == "project"
    assert week9["sessions"][0]["starts_at_local"].startswith("2021-11-01T13:00:00+01:00")
    missing = client.get(f"/v1/courses/{COURSE}/calendar/weeks/14", headers=student)
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_week"
    assert client.get("/v1/courses/other-course/calendar/weeks", headers=student).status_code == 404


def test_a_term_that_breaks_the_rules_is_refused(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    tuesday = client.put(
        f"/v1/courses/{COURSE}/term", json={**TERM_2021, "first_monday": "2021-08-31"}, headers=teacher
    )
    assert tuesday.status_code == 422
    bad_zone = client.put(
        f"/v1/courses/{COURSE}/term", json={**TERM_2021, "time_zone": "Nowhere/Town"}, headers=teacher
    )
    assert bad_zone.status_code == 422 and bad_zone.json()["code"] == "invalid_calendar"


def test_calendar_ics_lists_every_session_and_exam_day(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=teacher)
    client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher)
    response = client.get(f"/v1/courses/{COURSE}/calendar.ics", headers=stack.auth("s210001"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    deadlines = [e for e in events if "-deadline-" in str(e["uid"])]
    # 13 sessions, 1 exam day, 13 deadlines (8 labs, labs-end, selection, synopsis, report, poster)
    assert len(events) == 13 + 1 + 13 and len(deadlines) == 13
    assert len({str(e["uid"]) for e in events}) == 27
    starts = sorted(e.decoded("dtstart") for e in events if e not in deadlines)
    assert starts[0].date() == date(2021, 8, 30) and starts[0].hour == 13
    assert date(2021, 10, 18) not in {s.date() for s in starts}
    exam = [e for e in events if "exam-poster-2021" in str(e["uid"])][0]
    assert str(exam["location"]) == "SkyLab" and exam.decoded("dtstart").hour == 9
    assert client.get(f"/v1/courses/{COURSE}/calendar.ics", headers=stack.auth("s210001")).content == response.content
