"""A person's calendar feed at a secret address: readable without a bearer header, the course's
deadlines, their own booking and an examiner's visits in it, replaced by a new address, revoked."""

import icalendar

from exam_testkit import ExamKit
from scheduling_testkit import COURSE, TERM_2021, future_poster_day, slot_of


def _events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_feed_is_read_without_a_token_holds_the_own_booking_and_can_be_replaced_or_revoked(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=teacher)
    client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=future_poster_day(), headers=teacher)
    stack.feed_group("g-1", ["s210001", "s210002"])
    booked = client.put(
        f"/v1/courses/{COURSE}/groups/g-1/booking",
        json={"slot_id": slot_of("poster-2021", "0930")},
        headers=stack.auth("s210001"),
    )
    assert booked.status_code == 201, booked.text

    assert client.post(f"/v1/courses/{COURSE}/me/calendar-feed").status_code == 401
    issued = client.post(f"/v1/courses/{COURSE}/me/calendar-feed", headers=stack.auth("s210002"))
    assert issued.status_code == 201, issued.text
    url = issued.json()["url"]
    path = "/v1/" + url.split("/v1/", 1)[1]
    feed = client.get(path)  # no Authorization header
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = _events(feed.content)
    mine = events[f"{COURSE}-booking-g-1@peerlab"]
    assert mine["dtstart"].dt.strftime("%H:%M") == "09:30"
    assert any(uid.startswith(f"{COURSE}-week1-") for uid in events)  # the course calendar too
    assert f"{COURSE}-deadline-lab-1@peerlab" in events and f"{COURSE}-deadline-report@peerlab" in events

    other = client.post(f"/v1/courses/{COURSE}/me/calendar-feed", headers=stack.auth("s210005")).json()["url"]
    theirs = _events(client.get("/v1/" + other.split("/v1/", 1)[1]).content)
    assert not any("booking" in uid for uid in theirs)  # not in a group with a booking

    renewed = client.post(f"/v1/courses/{COURSE}/me/calendar-feed", headers=stack.auth("s210002")).json()["url"]
    assert renewed != url
    assert client.get(path).status_code == 404  # the old address stops working
    new_path = "/v1/" + renewed.split("/v1/", 1)[1]
    assert client.get(new_path).status_code == 200
    assert client.delete(f"/v1/courses/{COURSE}/me/calendar-feed", headers=stack.auth("s210002")).status_code == 204
    gone = client.get(new_path)
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    assert client.get("/v1/calendar-feeds/not-a-secret-at-all-xxxxxxxx/calendar.ics").status_code == 404


def _feed_of(client, headers) -> dict[str, icalendar.Event]:
    url = client.post(f"/v1/courses/{COURSE}/me/calendar-feed", headers=headers).json()["url"]
    return _events(client.get("/v1/" + url.split("/v1/", 1)[1]).content)


def test_an_examiners_feed_holds_their_published_visits_and_nobody_elses(stack):
    kit = ExamKit(stack)
    kit.client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=kit.staff)
    kit.exam_day()
    kit.group("g-1", ["s1", "s2"], "0900")
    kit.group("g-2", ["s3", "s4"], "0930")
    for eid in ("e1", "e2"):
        assert kit.examiner(eid, [("09:00", "11:00")]).status_code == 200
    assert kit.plan().status_code == 200
    assert not any("-g-1-e1@" in uid for uid in _feed_of(kit.client, stack.auth("e1", "examiner")))  # a draft
    assert kit.publish().status_code == 200

    mine = _feed_of(kit.client, stack.auth("e1", "examiner"))
    visits = {uid: e for uid, e in mine.items() if uid.endswith("-e1@peerlab")}
    assert sorted(visits) == [f"{COURSE}-poster-2021-g-1-e1@peerlab", f"{COURSE}-poster-2021-g-2-e1@peerlab"]
    g1 = visits[f"{COURSE}-poster-2021-g-1-e1@peerlab"]
    assert g1["dtstart"].dt.strftime("%H:%M") == "09:00" and "group g-1" in str(g1["summary"])
    assert f"{COURSE}-deadline-lab-1@peerlab" in mine  # and the course's deadlines
    student = _feed_of(kit.client, stack.auth("s1"))
    assert not any(uid.endswith(("-e1@peerlab", "-e2@peerlab")) for uid in student)
    assert f"{COURSE}-booking-g-1@peerlab" in student
