"""Rooms and exam days: idempotent PUTs, slots cut from the day, booked slots protected."""

from scheduling_testkit import COURSE, POSTER_DAY

ROOM = {
    "name": "Building 303A, east auditorium",
    "capacity": 120,
    "slack_channel": "#room-b303a-hoest",
    "zoom_url": "https://zoom.example.org/j/1",
}


def test_rooms_are_put_by_building_room_id(stack):
    client = stack.client()
    teacher, student = stack.auth("t1", "teacher"), stack.auth("s210001")
    assert client.put(f"/v1/courses/{COURSE}/rooms/B303A-HOEST", json=ROOM, headers=student).status_code == 403
    assert client.put(f"/v1/courses/{COURSE}/rooms/B303A-HOEST", json=ROOM, headers=teacher).status_code == 201
    assert client.put(f"/v1/courses/{COURSE}/rooms/B303A-HOEST", json=ROOM, headers=teacher).status_code == 200
    no_zoom = {"capacity": 60, "slack_channel": "#room-b303a-a042"}
    client.put(f"/v1/courses/{COURSE}/rooms/B303A-A042", json=no_zoom, headers=stack.auth("ta1", "ta"))
    rooms = client.get(f"/v1/courses/{COURSE}/rooms", headers=student).json()
    assert [(r["room_id"], r["capacity"], r["zoom_url"]) for r in rooms] == [
        ("B303A-A042", 60, None),
        ("B303A-HOEST", 120, "https://zoom.example.org/j/1"),
    ]
    bad = client.put(f"/v1/courses/{COURSE}/rooms/B303A-A048", json={"capacity": 0}, headers=teacher)
    assert bad.status_code == 422
    assert client.delete(f"/v1/courses/{COURSE}/rooms/B303A-A042", headers=teacher).status_code == 204
    assert client.get(f"/v1/courses/{COURSE}/rooms/B303A-A042", headers=student).status_code == 404


def test_poster_day_is_cut_into_sixteen_half_hour_slots(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    created = client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher)
    assert created.status_code == 201
    day = created.json()
    assert day["starts_at"] == "2021-12-08T08:00:00Z" and day["ends_at"] == "2021-12-08T16:00:00Z"
    assert day["slots"] == 16 and day["places_left"] == 32
    again = client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher)
    assert again.status_code == 200 and again.json()["revision"] == 1
    slots = client.get(f"/v1/courses/{COURSE}/exam-days/poster-2021/slots", headers=stack.auth("s210001")).json()
    assert len(slots) == 16 and len({s["slot_id"] for s in slots}) == 16
    assert slots[0]["starts_at_local"].startswith("2021-12-08T09:00:00+01:00")
    assert slots[-1]["starts_at_local"].startswith("2021-12-08T16:30:00+01:00")
    assert all(s["group_ids"] is None for s in slots)  # students do not see who booked


def test_a_booked_slot_may_not_vanish_or_shrink_below_its_bookings(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher)
    stack.feed_group("g-1", ["s210001", "s210002"])
    stack.feed_group("g-2", ["s210003", "s210004"])
    slot = "poster-2021.20211208T0930"
    for group in ("g-1", "g-2"):
        r = client.put(f"/v1/courses/{COURSE}/groups/{group}/booking", json={"slot_id": slot}, headers=teacher)
        assert r.status_code == 201, r.text
    hourly = client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021", json={**POSTER_DAY, "slot_minutes": 60}, headers=teacher
    )
    assert hourly.status_code == 409 and hourly.json()["code"] == "slot_has_bookings"
    smaller = client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021", json={**POSTER_DAY, "slot_capacity": 1}, headers=teacher
    )
    assert smaller.status_code == 409 and smaller.json()["code"] == "capacity_below_bookings"
    shorter = client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021", json={**POSTER_DAY, "end": "12:00"}, headers=teacher
    )
    assert shorter.status_code == 200 and shorter.json()["slots"] == 6
    view = client.get(f"/v1/courses/{COURSE}/exam-days/poster-2021/slots", headers=teacher).json()
    booked = [s for s in view if s["slot_id"] == slot][0]
    assert booked["booked"] == 2 and sorted(booked["group_ids"]) == ["g-1", "g-2"]


def test_extra_exam_date_is_a_separate_day(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    extra = {**POSTER_DAY, "kind": "extra", "title": "Extra exam date", "day": "2021-12-15", "end": "12:00"}
    client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=POSTER_DAY, headers=teacher)
    client.put(f"/v1/courses/{COURSE}/exam-days/extra-2021", json=extra, headers=teacher)
    days = client.get(f"/v1/courses/{COURSE}/exam-days", headers=stack.auth("s210001")).json()
    assert [(d["exam_day_id"], d["kind"], d["slots"]) for d in days] == [
        ("poster-2021", "poster", 16),
        ("extra-2021", "extra", 6),
    ]
    too_short = client.put(f"/v1/courses/{COURSE}/exam-days/x", json={**POSTER_DAY, "end": "09:20"}, headers=teacher)
    assert too_short.status_code == 422 and too_short.json()["code"] == "no_slots"
