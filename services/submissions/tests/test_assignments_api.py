"""Assignments: teachers create and edit; deadlines stored in UTC and shown in Copenhagen time;
every change publishes assignment.upserted.v1; seeding is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from peerlab.submissions.models import Assignment
from peerlab.submissions.service.closing import close_due

pytestmark = pytest.mark.dialect_sensitive  # datetimes round-trip through the database


def _body(**extra):
    return {
        "kind": "lab",
        "title": "Lab 1",
        "lab_number": 1,
        "opens_at": "2021-08-30T13:00:00+02:00",
        "deadline": "2021-09-06T23:59:00+02:00",
        **extra,
    }


def test_teacher_creates_lab_with_deadline_in_utc_and_local_time(stack):
    r = stack.client.post("/v1/assignments", json={"id": "lab-1", **_body()}, headers=stack.teacher)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["deadline"] == "2021-09-06T21:59:00Z"
    assert a["deadline_local"] == "2021-09-06T23:59:00+02:00"
    assert a["time_zone"] == "Europe/Copenhagen"
    assert a["owner_type"] == "student"
    assert a["file_rules"]["allowed_extensions"] == [".ipynb"] and a["file_rules"]["name_must_contain"] == "EXE"
    events = stack.outbox("assignment.upserted.v1")
    assert [e.data["assignment_id"] for e in events] == ["lab-1"]
    assert events[0].data["deadline"] == "2021-09-06T21:59:00Z"


def test_students_and_tas_cannot_create_or_edit(stack):
    for who in (stack.auth("s1"), stack.auth("ta-1", "ta")):
        assert stack.client.post("/v1/assignments", json=_body(), headers=who).status_code == 403
    stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)
    assert stack.client.patch("/v1/assignments/lab-1", json={"title": "x"}, headers=stack.auth("s1")).status_code == 403


def test_put_is_idempotent_and_publishes_only_changes(stack):
    first = stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)
    again = stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(stack.outbox("assignment.upserted.v1")) == 1
    changed = stack.client.put("/v1/assignments/lab-1", json=_body(title="Lab 1: MLPs"), headers=stack.teacher)
    assert changed.json()["revision"] == 2
    assert len(stack.outbox("assignment.upserted.v1")) == 2


def test_patch_edits_and_checks_times(stack):
    stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)
    r = stack.client.patch(
        "/v1/assignments/lab-1", json={"deadline": "2021-09-07T23:59:00+02:00"}, headers=stack.teacher
    )
    assert r.status_code == 200 and r.json()["deadline"] == "2021-09-07T21:59:00Z"
    bad = stack.client.patch("/v1/assignments/lab-1", json={"deadline": "2021-08-01T00:00:00Z"}, headers=stack.teacher)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_deadline"
    naive = stack.client.patch("/v1/assignments/lab-1", json={"deadline": "2021-09-07T23:59:00"}, headers=stack.teacher)
    assert naive.status_code == 422  # a deadline without a time zone is ambiguous
    kind = stack.client.put("/v1/assignments/lab-1", json=_body(kind="report"), headers=stack.teacher)
    assert kind.status_code == 409 and kind.json()["code"] == "kind_immutable"


def test_kinds_defaults_and_resubmission_link(stack):
    report = stack.client.post(
        "/v1/assignments", json=_body(kind="report", title="Final report", lab_number=None), headers=stack.teacher
    ).json()
    assert report["owner_type"] == "group" and report["file_rules"]["require_repository_url"] is True
    assert report["file_rules"]["soft_max_pages"] == 6
    orphan = stack.client.post("/v1/assignments", json=_body(kind="resubmission"), headers=stack.teacher)
    assert orphan.status_code == 422
    stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)
    resub = stack.client.post(
        "/v1/assignments", json=_body(kind="resubmission", resubmits_assignment_id="lab-1"), headers=stack.teacher
    )
    assert resub.status_code == 201 and resub.json()["resubmits_assignment_id"] == "lab-1"
    rules = stack.client.post(
        "/v1/assignments", json=_body(kind="poster", file_rules={"max_bytes": 1000}), headers=stack.teacher
    ).json()["file_rules"]
    assert rules["max_bytes"] == 1000 and rules["max_pages"] == 1


def test_batch_read_by_ids_keeps_order_and_skips_unknown(stack):
    for k in (1, 2, 3):
        stack.client.put(f"/v1/assignments/lab-{k}", json=_body(lab_number=k), headers=stack.teacher)
    r = stack.client.get("/v1/assignments", params={"ids": "lab-3,nope,lab-1"}, headers=stack.auth("s1"))
    assert [a["id"] for a in r.json()["items"]] == ["lab-3", "lab-1"]
    assert len(stack.client.get("/v1/assignments", headers=stack.auth("s1")).json()["items"]) == 3


def test_seed_labs_is_idempotent_and_follows_the_calendar(stack, calendar_feed):
    refused = stack.client.post("/v1/seed/labs", json={}, headers=stack.teacher)
    assert (refused.status_code, refused.json()["code"]) == (409, "calendar_date_unknown")
    assert calendar_feed.dates(1, calendar_feed.plan_2021_labs) == "handled"
    first = stack.client.post("/v1/seed/labs", json={}, headers=stack.teacher)
    assert first.status_code == 200, first.text
    assert first.json()["changed"] == [f"lab-{k}" for k in range(1, 9)]
    again = stack.client.post("/v1/seed/labs", json={}, headers=stack.teacher)
    assert again.json()["changed"] == []
    items = {a["id"]: a for a in again.json()["items"]}
    assert items["lab-7"]["deadline_local"] == "2021-10-25T23:59:00+02:00"
    assert items["lab-8"]["deadline_local"] == "2021-11-01T23:59:00+01:00"
    assert items["lab-1"]["date_key"] == "lab-1" and items["lab-1"]["opens_at"] == "2021-08-30T11:00:00Z"
    assert len(stack.outbox("assignment.upserted.v1")) == 8


def test_deadline_cannot_move_after_the_assignment_closed(stack):
    stack.client.put("/v1/assignments/lab-1", json=_body(), headers=stack.teacher)  # deadline in 2021: due
    with stack.session() as session:
        assert close_due(session, close_grace_s=0) == ["lab-1"]
        session.commit()
    r = stack.client.patch("/v1/assignments/lab-1", json={"deadline": "2030-01-01T00:00:00Z"}, headers=stack.teacher)
    assert r.status_code == 409 and r.json()["code"] == "assignment_closed"
    assert (
        stack.client.patch("/v1/assignments/lab-1", json={"title": "renamed"}, headers=stack.teacher).status_code == 200
    )
    assert stack.client.get("/v1/assignments/lab-1", headers=stack.auth("s1")).json()["closed"] is True
    with stack.session() as session:
        assert session.get(Assignment, "lab-1").deadline == datetime(2021, 9, 6, 21, 59, tzinfo=UTC)
