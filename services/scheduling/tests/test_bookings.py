"""Bookings: one slot per group, students for their own group only, windows, events; and the
group projection the ownership check reads."""

from datetime import UTC, datetime, timedelta

import pytest
from scheduling_testkit import COURSE, future_poster_day, slot_of

pytestmark = pytest.mark.dialect_sensitive  # slot capacity under constraints and locking

BOOKED, CANCELLED = "exam.booked.v1", "exam.booking_cancelled.v1"
SLOT_0900, SLOT_0930 = slot_of("poster-2021", "0900"), slot_of("poster-2021", "0930")


def _setup(stack, **day_overrides):
    client = stack.client()
    client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021",
        json=future_poster_day(**day_overrides),
        headers=stack.auth("t1", "teacher"),
    )
    stack.feed_group("g-1", ["s210001", "s210002"])
    stack.feed_group("g-2", ["s210003", "s210004"])
    stack.feed_group("g-3", ["s210005", "s210006"])
    return client


def _book(client, stack, group, slot, who):
    return client.put(f"/v1/courses/{COURSE}/groups/{group}/booking", json={"slot_id": slot}, headers=stack.auth(*who))


def test_a_student_books_for_their_own_group_only(stack):
    client = _setup(stack)
    created = _book(client, stack, "g-1", SLOT_0900, ("s210001",))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["starts_at_local"][11:19] == "09:00:00" and body["booked_by"] == "s210001"
    events = stack.outbox(BOOKED)
    assert len(events) == 1 and events[0].subject == "g-1" and events[0].course_id == COURSE
    assert events[0].data["booking_id"] == body["booking_id"]
    assert datetime.fromisoformat(events[0].data["slot_end"]) - datetime.fromisoformat(
        events[0].data["slot_start"]
    ) == timedelta(minutes=30)
    again = _book(client, stack, "g-1", SLOT_0900, ("s210002",))
    assert again.status_code == 200 and len(stack.outbox(BOOKED)) == 1  # same slot: nothing changes
    other = _book(client, stack, "g-2", SLOT_0900, ("s210001",))
    assert other.status_code == 403
    unknown = _book(client, stack, "g-404", SLOT_0900, ("t1", "teacher"))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_group"
    assert client.get(f"/v1/courses/{COURSE}/groups/g-1/booking", headers=stack.auth("s210003")).status_code == 403
    assert (
        client.get(f"/v1/courses/{COURSE}/groups/g-1/booking", headers=stack.auth("s210002")).json()["slot_id"]
        == SLOT_0900
    )


def test_one_slot_per_group_moving_frees_the_old_place(stack):
    client = _setup(stack, slot_capacity=1)
    assert _book(client, stack, "g-1", SLOT_0900, ("s210001",)).status_code == 201
    full = _book(client, stack, "g-2", SLOT_0900, ("s210003",))
    assert full.status_code == 409 and full.json()["code"] == "slot_full"
    moved = _book(client, stack, "g-1", SLOT_0930, ("s210001",))
    assert moved.status_code == 200 and moved.json()["slot_id"] == SLOT_0930
    assert _book(client, stack, "g-2", SLOT_0900, ("s210003",)).status_code == 201
    teacher = stack.auth("t1", "teacher")
    all_bookings = client.get(f"/v1/courses/{COURSE}/bookings", headers=teacher).json()
    assert [(b["group_id"], b["slot_id"]) for b in all_bookings] == [("g-2", SLOT_0900), ("g-1", SLOT_0930)]
    slots = {
        s["slot_id"]: s for s in client.get(f"/v1/courses/{COURSE}/exam-days/poster-2021/slots", headers=teacher).json()
    }
    assert slots[SLOT_0900]["booked"] == 1 and slots[SLOT_0930]["booked"] == 1
    booked = stack.outbox(BOOKED)
    assert len(booked) == 3
    # Each event carries the free places of the slots it touched, as committed with it (live booking
    # pages), and the slot's places revision: one up per change of its places, a refused booking none.
    day = "poster-2021"
    assert booked[0].data["slots"] == [{"slot_id": SLOT_0900, "exam_day_id": day, "free_places": 0, "revision": 1}]
    assert sorted((s["slot_id"], s["free_places"], s["revision"]) for s in booked[1].data["slots"]) == [
        (SLOT_0900, 1, 2),
        (SLOT_0930, 0, 1),
    ]
    assert booked[2].data["slots"] == [{"slot_id": SLOT_0900, "exam_day_id": day, "free_places": 0, "revision": 3}]


def test_cancel_frees_the_slot_and_publishes(stack):
    client = _setup(stack, slot_capacity=1)
    booking = _book(client, stack, "g-1", SLOT_0900, ("s210001",)).json()
    assert client.delete(f"/v1/courses/{COURSE}/groups/g-1/booking", headers=stack.auth("s210003")).status_code == 403
    assert client.delete(f"/v1/courses/{COURSE}/groups/g-1/booking", headers=stack.auth("s210002")).status_code == 204
    cancelled = stack.outbox(CANCELLED)
    assert len(cancelled) == 1 and cancelled[0].data["booking_id"] == booking["booking_id"]
    assert cancelled[0].data["slots"] == [
        {"slot_id": SLOT_0900, "exam_day_id": "poster-2021", "free_places": 1, "revision": 2}
    ]
    assert client.delete(f"/v1/courses/{COURSE}/groups/g-1/booking", headers=stack.auth("s210002")).status_code == 404
    assert _book(client, stack, "g-2", SLOT_0900, ("s210003",)).status_code == 201


def test_booking_window_binds_students_not_staff(stack):
    closed = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    client = _setup(stack, booking_closes_at=closed)
    late = _book(client, stack, "g-1", SLOT_0900, ("s210001",))
    assert late.status_code == 409 and late.json()["code"] == "booking_closed"
    assert _book(client, stack, "g-1", SLOT_0900, ("t1", "teacher")).status_code == 201
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021",
        json=future_poster_day(booking_opens_at=future),
        headers=stack.auth("t1", "teacher"),
    )
    early = _book(client, stack, "g-2", SLOT_0900, ("s210003",))
    assert early.status_code == 409 and early.json()["code"] == "booking_not_open"


def test_group_projection_follows_events_and_ignores_stale_ones(stack):
    client = _setup(stack)
    now = datetime.now(UTC)
    # s210002 moves from g-1 to g-3; g-3's event arrives before g-1's, then a stale g-1 event.
    assert (
        stack.feed_group("g-3", ["s210005", "s210006", "s210002"], at=now + timedelta(minutes=2), formed=False)
        == "handled"
    )
    assert stack.feed_group("g-1", ["s210001"], at=now + timedelta(minutes=1), formed=False) == "handled"
    assert stack.feed_group("g-1", ["s210001", "s210002"], at=now - timedelta(minutes=5), formed=False) == "handled"
    teacher = stack.auth("t1", "teacher")
    groups = {
        g["group_id"]: g["member_ids"] for g in client.get(f"/v1/courses/{COURSE}/groups", headers=teacher).json()
    }
    assert groups["g-1"] == ["s210001"] and "s210002" in groups["g-3"]
    assert _book(client, stack, "g-1", SLOT_0900, ("s210002",)).status_code == 403
    assert _book(client, stack, "g-3", SLOT_0900, ("s210002",)).status_code == 201
    duplicate = stack.feed_group("g-2", ["s210003"], event_id="fixed-id", formed=False)
    assert duplicate == "handled" and stack.feed_group("g-2", ["s210003"], event_id="fixed-id") == "duplicate"
    stack.feed_group("g-2", [], formed=False)
    dissolved = _book(client, stack, "g-2", SLOT_0930, ("t1", "teacher"))
    assert dissolved.status_code == 409 and dissolved.json()["code"] == "group_dissolved"
