"""The visit plan over the API and a real database: plan, publish, views and who may see them,
supervisors from project events and from staff, PhD members, infeasible days, re-planning."""

from __future__ import annotations

import icalendar
import pytest

from exam_testkit import BASE, DAY, ExamKit, local_time, minutes
from scheduling_testkit import slot_of

PUBLISHED = "exam.plan_published.v1"


@pytest.fixture
def kit(stack) -> ExamKit:
    built = ExamKit(stack)
    built.exam_day()
    return built


def _by_group(visits):
    out = {}
    for v in visits:
        out.setdefault(v["group_id"], []).append(v)
    return out


def test_plan_publish_and_who_sees_what(kit):
    kit.group("g-1", ["s1", "s2", "s3"], "0900")
    kit.group("g-2", ["s4", "s5", "p6"], "0900", phd=("p6",))
    kit.group("g-3", ["s7", "s8"], "0930")
    kit.project("g-1", ["E1@dtu.dk"])  # the catalogue names e1 as g-1's supervisor
    assert (
        kit.client.put(f"{BASE}/groups/g-3/supervisors", json={"supervisor_ids": ["e2"]}, headers=kit.staff).status_code
        == 200
    )
    for eid in ("e1", "e2", "e3"):
        assert kit.examiner(eid, [("09:00", "10:00")], email=f"{eid}@dtu.dk").status_code == 200

    draft = kit.plan()
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert body["state"] == "draft" and body["k"] == 2 and body["revision"] == 1
    groups = _by_group(body["visits"])
    assert sorted(groups) == ["g-1", "g-2", "g-3"] and all(len(v) == 2 for v in groups.values())
    assert "e1" not in {v["examiner_id"] for v in groups["g-1"]}
    assert "e2" not in {v["examiner_id"] for v in groups["g-3"]}
    assert {minutes(v["starts_at"], v["ends_at"]) for v in groups["g-1"]} == {8}  # 3 presenters x 2 + 2
    assert {minutes(v["starts_at"], v["ends_at"]) for v in groups["g-2"]} == {6}  # the PhD student does not present
    assert all(v["slot_id"] == slot_of(DAY, "0900") for v in groups["g-1"])
    assert kit.client.get(f"{BASE}/exam-days/{DAY}/plan", headers=kit.staff).status_code == 404  # nothing published
    assert kit.stack.outbox(PUBLISHED) == []

    published = kit.publish()
    assert published.status_code == 200 and published.json()["state"] == "published"
    events = kit.stack.outbox(PUBLISHED)
    assert len(events) == 1 and events[0].data["visits"] == 6 and events[0].data["exam_day_id"] == DAY
    assert kit.publish().json()["code"] == "no_draft_plan"

    e2 = kit.stack.auth("e2", "examiner")
    own = kit.client.get(f"{BASE}/examiners/e2/itinerary", headers=e2)
    assert own.status_code == 200 and own.json() and {v["examiner_id"] for v in own.json()} == {"e2"}
    starts = [v["starts_at"] for v in own.json()]
    assert starts == sorted(starts)
    assert kit.client.get(f"{BASE}/examiners/e3/itinerary", headers=e2).status_code == 403
    assert kit.client.get(f"{BASE}/exam-days/{DAY}/plan", headers=e2).status_code == 403
    assert kit.client.post(f"{BASE}/exam-days/{DAY}/plan", headers=e2).status_code == 403
    ics = kit.client.get(f"{BASE}/examiners/e2/itinerary.ics", headers=e2)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events_ics = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events_ics) == len(own.json())

    student = kit.stack.auth("s1")
    assert kit.client.get(f"{BASE}/examiners/e2/itinerary", headers=student).status_code == 403
    mine = kit.client.get(f"{BASE}/groups/g-1/visits", headers=student)
    assert mine.status_code == 200 and len(mine.json()) == 2
    assert all(v["examiner_id"] is None for v in mine.json())  # times only, never who
    assert kit.client.get(f"{BASE}/groups/g-2/visits", headers=student).status_code == 403
    staff_view = kit.client.get(f"{BASE}/groups/g-1/visits", headers=kit.staff).json()
    assert all(v["examiner_id"] for v in staff_view)


def test_all_phd_groups_neither_book_nor_are_visited(kit):
    kit.group("g-phd", ["p1", "p2"], None, phd=("p1", "p2"))
    refused = kit.client.put(f"{BASE}/groups/g-phd/booking", json={"slot_id": slot_of(DAY, "0900")}, headers=kit.staff)
    assert refused.status_code == 409 and refused.json()["code"] == "group_does_not_present"
    kit.group("g-1", ["s1", "s2"], "0900")
    kit.examiner("e1", [("09:00", "12:00")])
    kit.examiner("e2", [("09:00", "12:00")])
    assert sorted({v["group_id"] for v in kit.plan().json()["visits"]}) == ["g-1"]


def test_availability_must_lie_in_the_exam_day(kit):
    bad = kit.examiner("e1", [("07:00", "10:00")])
    assert bad.status_code == 422 and bad.json()["code"] == "window_outside_exam_day"
    unknown = kit.client.put(
        f"{BASE}/examiners/e1",
        json={
            "availability": [
                {"exam_day_id": "nope", "starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T10:00:00Z"}
            ]
        },
        headers=kit.staff,
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_exam_day"


def test_an_infeasible_day_is_422_with_the_conflicts_and_no_draft(kit):
    kit.group("g-1", ["s1", "s2"], "0900")
    kit.group("g-2", ["s3", "s4", "s5"], "0900")
    kit.group("g-3", ["s6"], "1000")
    kit.examiner("e1", [("09:00", "12:00")])
    kit.examiner("e2", [("10:00", "12:00")])  # nobody second at 09:00
    answer = kit.plan()
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == "plan_infeasible"
    (conflict,) = body["conflicts"]
    assert conflict["slot_id"] == slot_of(DAY, "0900") and conflict["group_ids"] == ["g-1", "g-2"]
    assert conflict["missing_examiner_minutes"] == 6 + 8  # one visit short for each
    assert kit.client.get(f"{BASE}/exam-days/{DAY}/plan?state=draft", headers=kit.staff).status_code == 404


def test_replanning_after_an_examiner_drops_out_keeps_the_other_visits(kit):
    for i, hhmm in enumerate(("0900", "0900", "0930", "0930", "1000", "1000")):
        kit.group(f"g-{i}", [f"s{i}a", f"s{i}b"], hhmm)
    for eid in ("e1", "e2", "e3", "e4"):
        kit.examiner(eid, [("09:00", "11:00")])
    assert kit.plan().status_code == 200
    first = kit.publish().json()["visits"]
    gone = first[0]["examiner_id"]
    assert kit.client.delete(f"{BASE}/examiners/{gone}", headers=kit.staff).status_code == 204

    draft = kit.plan().json()
    assert draft["revision"] == 2

    def key(v):
        return v["group_id"], v["examiner_id"], v["starts_at"]

    others = {key(v) for v in first if v["examiner_id"] != gone}
    assert others <= {key(v) for v in draft["visits"]}  # every still-possible visit is kept exactly
    assert draft["changes"]["kept_all_possible"] and draft["changes"]["kept"] == len(others)
    assert {key(v) for v in draft["changes"]["dropped"]} == {key(v) for v in first if v["examiner_id"] == gone}
    assert len(draft["changes"]["added"]) == len(draft["changes"]["dropped"])
    assert gone not in {v["examiner_id"] for v in draft["visits"]}
    kit.publish()
    last = kit.stack.outbox(PUBLISHED)[-1].data
    assert last["revision"] == 2 and last["visits_dropped"] == len(draft["changes"]["dropped"])


def test_the_extra_exam_date_is_planned_the_same_way(kit):
    kit.exam_day("extra-2021", kind="extra")
    kit.group("g-1", ["s1", "s2"], None)
    slot = slot_of("extra-2021", "1000")
    assert kit.client.put(f"{BASE}/groups/g-1/booking", json={"slot_id": slot}, headers=kit.staff).status_code == 201
    body = {
        "name": "E",
        "availability": [
            {"exam_day_id": "extra-2021", "starts_at": local_time("09:00"), "ends_at": local_time("12:00")}
        ],
    }
    for eid in ("e1", "e2"):
        assert kit.client.put(f"{BASE}/examiners/{eid}", json=body, headers=kit.staff).status_code == 200
    plan = kit.client.post(f"{BASE}/exam-days/extra-2021/plan", headers=kit.staff)
    assert plan.status_code == 200 and {v["slot_id"] for v in plan.json()["visits"]} == {slot}
    assert len(plan.json()["visits"]) == 2


STALE = "visit_plan.stale.v1"


def _plan_of(kit, state: str = "published") -> dict:
    r = kit.client.get(f"{BASE}/exam-days/{DAY}/plan?state={state}", headers=kit.staff)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_published_plan_goes_stale_when_the_day_changes_and_fresh_when_published_again(kit):
    for i, hhmm in enumerate(("0900", "0900", "0930")):
        kit.group(f"g-{i}", [f"s{i}a", f"s{i}b"], hhmm)
    kit.group("g-late", ["s9a", "s9b"], None)
    for eid in ("e1", "e2", "e3"):
        kit.examiner(eid, [("09:00", "11:00")])
    kit.plan()
    fresh = kit.publish().json()
    assert fresh["stale"] is False and fresh["stale_reasons"] == [] and fresh["stale_since"] is None

    book = {"slot_id": slot_of(DAY, "1000")}
    assert kit.client.put(f"{BASE}/groups/g-late/booking", json=book, headers=kit.staff).status_code == 201
    move = {"slot_id": slot_of(DAY, "1030")}
    assert kit.client.put(f"{BASE}/groups/g-0/booking", json=move, headers=kit.staff).status_code == 200
    assert kit.client.delete(f"{BASE}/groups/g-2/booking", headers=kit.staff).status_code == 204
    assert kit.examiner("e3", [("09:00", "10:00")]).status_code == 200
    assert kit.examiner("e3", [("09:00", "10:00")]).status_code == 200  # the same windows again: no change
    kit.examiner("e2", [("09:00", "11:00")], email="e2@dtu.dk")  # name and e-mail only: availability unchanged
    sup = {"supervisor_ids": ["e9"]}
    assert kit.client.put(f"{BASE}/groups/g-1/supervisors", json=sup, headers=kit.staff).status_code == 200
    assert kit.client.put(f"{BASE}/groups/g-1/supervisors", json=sup, headers=kit.staff).status_code == 200  # same
    kit.stack.feed_group("g-1", ["s1a", "s1b", "s1c"])  # a third presenter: a longer visit
    kit.stack.feed_group("g-late", ["s9a", "s9b"])  # the same members again: no change
    kit.project("g-0", ["X@dtu.dk"])  # the catalogue's supervisors of its project (project.assigned.v1)

    stale = _plan_of(kit)
    assert stale["stale"] is True and stale["revision"] == fresh["revision"] and stale["stale_since"]
    assert [(r["code"], r["group_id"], r["examiner_id"]) for r in stale["stale_reasons"]] == [
        ("booking_made", "g-late", None),
        ("booking_moved", "g-0", None),
        ("booking_cancelled", "g-2", None),
        ("availability_changed", None, "e3"),
        ("supervision_changed", "g-1", None),
        ("members_changed", "g-1", None),
        ("supervision_changed", "g-0", None),
    ]
    assert stale["visits"] == fresh["visits"]  # the published plan itself is not changed behind staff's back
    events = kit.stack.outbox(STALE)
    assert [(e.data["reason_code"], e.data["changes"], e.data["revision"]) for e in events] == [
        ("booking_made", 1, 1),
        ("booking_moved", 2, 1),
        ("booking_cancelled", 3, 1),
        ("availability_changed", 4, 1),
        ("supervision_changed", 5, 1),
        ("members_changed", 6, 1),
        ("supervision_changed", 7, 1),
    ]
    assert {e.subject for e in events} == {DAY} and len({e.data["stale_since"] for e in events}) == 1

    # A draft made now is fresh; a change after it makes it (and the published plan) stale again,
    # and publishing that draft publishes a stale plan: it was made before the change.
    assert kit.plan().json()["stale"] is False
    assert kit.client.delete(f"{BASE}/examiners/e1", headers=kit.staff).status_code == 204
    assert [r["code"] for r in _plan_of(kit, "draft")["stale_reasons"]] == ["examiner_removed"]
    assert kit.publish().json()["stale"] is True
    assert kit.stack.outbox(STALE)[-1].data["reason_code"] == "examiner_removed"

    # Planning and publishing again clears it.
    kit.examiner("e1", [("09:00", "11:00")])  # back again (the day needs them)
    assert kit.plan().status_code == 200
    again = kit.publish().json()
    assert again["stale"] is False and again["stale_reasons"] == [] and again["revision"] == 3
    assert _plan_of(kit)["stale"] is False
    count = len(kit.stack.outbox(STALE))
    kit.client.get(f"{BASE}/exam-days/{DAY}/plan", headers=kit.staff)
    assert len(kit.stack.outbox(STALE)) == count  # reading changes nothing


def test_changes_on_a_day_without_a_plan_mark_nothing(kit):
    kit.group("g-1", ["s1", "s2"], "0900")
    kit.examiner("e1", [("09:00", "11:00")])
    assert kit.client.delete(f"{BASE}/groups/g-1/booking", headers=kit.staff).status_code == 204
    assert kit.stack.outbox(STALE) == []
