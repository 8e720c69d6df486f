"""Ranked project choices: validated against the year's catalogue, closed to students at the deadline."""

import pytest
from projects_testkit import PAST, project_body

pytestmark = pytest.mark.dialect_sensitive  # deadlines compared with stored datetimes


def _setup(stack, client):
    teacher = stack.auth("t1", "teacher")
    for number, letters in ((1, ""), (2, "ab"), (3, "")):
        client.put(
            f"/v1/catalogues/2021/projects/{number}", json=project_body(f"P{number}", letters=letters), headers=teacher
        )
    client.put("/v1/catalogues/2020/projects/2", json=project_body("Old"), headers=teacher)
    stack.enrol("s210001", "s210002", "s210003")
    return client.post("/v1/groups", json={"member_ids": ["s210001", "s210002"]}, headers=teacher).json()["group_id"]


def test_a_member_ranks_projects_before_the_deadline(stack):
    client = stack.client()
    gid = _setup(stack, client)
    choices = [{"project_id": "p-2021-02", "subproject": "b"}, {"project_id": "p-2021-01"}]
    first = client.put(f"/v1/groups/{gid}/selection", json={"choices": choices}, headers=stack.auth("s210001"))
    assert first.status_code == 201
    again = client.put(f"/v1/groups/{gid}/selection", json={"choices": choices[::-1]}, headers=stack.auth("s210002"))
    assert again.status_code == 200 and again.json()["submitted_by"] == "s210002"
    got = client.get(f"/v1/groups/{gid}/selection", headers=stack.auth("s210001")).json()
    assert [c["project_id"] for c in got["choices"]] == ["p-2021-01", "p-2021-02"]
    outsider = client.put(f"/v1/groups/{gid}/selection", json={"choices": choices}, headers=stack.auth("s210003"))
    assert outsider.status_code == 404
    window = client.get("/v1/selection-window", headers=stack.auth("s210003")).json()
    assert window["open"] is True and window["catalogue_year"] == 2021


def test_choices_are_checked_against_the_catalogue(stack):
    client = stack.client(max_choices=2)
    gid = _setup(stack, client)
    member = stack.auth("s210001")

    def put(choices):
        return client.put(f"/v1/groups/{gid}/selection", json={"choices": choices}, headers=member)

    assert put([{"project_id": "p-2020-02"}]).json()["code"] == "unknown_project"
    assert put([{"project_id": "p-2021-02", "subproject": "g"}]).json()["code"] == "unknown_subproject"
    assert put([{"project_id": "p-2021-03"}, {"project_id": "p-2021-03"}]).json()["code"] == "duplicate_choice"
    too_many = put([{"project_id": "p-2021-01"}, {"project_id": "p-2021-02"}, {"project_id": "p-2021-03"}])
    assert too_many.status_code == 422 and too_many.json()["code"] == "too_many_choices"
    assert put([]).status_code == 422


def test_after_the_deadline_students_get_409_and_staff_may_still_edit(stack):
    client = stack.client()
    gid = _setup(stack, client)
    assert client.get("/v1/selection-window", headers=stack.auth("s210001")).json()["open"] is True
    assert stack.set_dates(selection=PAST) == "handled"
    choices = {"choices": [{"project_id": "p-2021-03"}]}
    late = client.put(f"/v1/groups/{gid}/selection", json=choices, headers=stack.auth("s210001"))
    assert late.status_code == 409 and late.json()["code"] == "selection_closed"
    assert client.get("/v1/selection-window", headers=stack.auth("s210001")).json()["open"] is False
    staff = client.put(f"/v1/groups/{gid}/selection", json=choices, headers=stack.auth("ta1", "ta"))
    assert staff.status_code == 201


def test_the_selection_deadline_follows_the_calendar_and_older_revisions_are_ignored(stack):
    from datetime import UTC, datetime, timedelta

    from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1

    client = stack.client()

    def window():
        return client.get("/v1/selection-window", headers=stack.auth("s1")).json()

    assert window()["deadline"] is None and window()["open"] is True  # nothing published yet: open
    later = datetime.now(UTC) + timedelta(days=3)

    def publish(revision: int, at: datetime, event_id: str | None = None) -> str:
        return stack.feed(
            TermDatesChangedV1(
                revision=revision,
                time_zone="Europe/Copenhagen",
                changed_at=datetime.now(UTC),
                changed_by="t1",
                dates=[DatedRule(key="selection", kind="deadline", label="Project selection", at=at)],
            ),
            subject="02456-2021",
            source="scheduling",
            event_id=event_id,
        )

    assert publish(5, later, event_id="dates-5") == "handled"
    assert window()["deadline"] == later.isoformat().replace("+00:00", "Z")
    assert publish(5, later, event_id="dates-5") == "duplicate"
    assert publish(4, PAST) == "handled"  # an older revision arriving late changes nothing
    assert window()["open"] is True
    assert publish(6, PAST) == "handled"
    assert window()["open"] is False
