"""A person's calendar feed at a secret address: readable without a bearer header, their own
booking in it, replaced by a new address, revoked."""

import icalendar

from scheduling_testkit import COURSE, TERM_2021, future_poster_day, slot_of


def _events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_feed_is_read_without_a_token_holds_the_own_booking_and_can_be_replaced_or_revoked(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put(f"/v1/courses/{COURSE}/term", json=TERM_2021, headers=teacher)
    client.put(f"/v1/courses/{COURSE}/exam-days/poster-2021", json=future_poster_day(), headers=teacher)
    stack.feed_group("g-1", ["s210001", "s210002"])
    booked = client.put(f"/v1/courses/{COURSE}/groups/g-1/booking", json={"slot_id": slot_of("poster-2021", "0930")},
                        headers=stack.auth("s210001"))
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
