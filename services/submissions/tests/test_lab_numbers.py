"""One lab per number in a course: a second lab with a taken number is refused (409
``lab_number_taken``) on create, PUT and PATCH, by the service and, between concurrent requests,
by the partial unique index; re-PUTs of the same id stay idempotent; resubmissions are not labs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.db import unit_of_work
from peerlab.chassis.errors import ProblemError
from peerlab.submissions.models import Assignment
from peerlab.submissions.schemas import AssignmentPut
from peerlab.submissions.service.assignments import put_assignment

pytestmark = pytest.mark.dialect_sensitive  # a unique constraint decides

UPSERTED = "assignment.upserted.v1"


def _body(n: int | None = 1, **extra):
    return {
        "kind": "lab",
        "title": f"Lab {n}",
        "lab_number": n,
        "opens_at": "2021-08-30T13:00:00+02:00",
        "deadline": "2021-09-06T23:59:00+02:00",
        **extra,
    }


def _taken(response) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "lab_number_taken"


def _labs(stack) -> dict[str, int | None]:
    with stack.session() as session:
        rows = session.execute(select(Assignment).where(Assignment.kind == "lab")).scalars()
        return {a.id: a.lab_number for a in rows}


def test_a_second_lab_with_a_taken_number_is_refused_on_create_and_put(stack):
    assert (
        stack.client.post("/v1/assignments", json={"id": "lab-1", **_body(1)}, headers=stack.teacher).status_code == 201
    )
    _taken(stack.client.post("/v1/assignments", json={"id": "other-1", **_body(1)}, headers=stack.teacher))
    _taken(stack.client.post("/v1/assignments", json=_body(1), headers=stack.teacher))  # server-chosen id
    _taken(stack.client.put("/v1/assignments/other-1", json=_body(1), headers=stack.teacher))
    assert _labs(stack) == {"lab-1": 1}
    assert [e.subject for e in stack.outbox(UPSERTED)] == ["lab-1"]

    # the same id again: idempotent, and a change that keeps the number is fine
    again = stack.client.put("/v1/assignments/lab-1", json=_body(1), headers=stack.teacher)
    assert again.status_code == 200 and len(stack.outbox(UPSERTED)) == 1
    renamed = stack.client.put("/v1/assignments/lab-1", json=_body(1, title="Lab 1: MLPs"), headers=stack.teacher)
    assert renamed.status_code == 200 and renamed.json()["revision"] == 2


def test_renumbering_by_put_or_patch_is_refused_onto_a_taken_number(stack):
    for n in (1, 2):
        assert stack.client.put(f"/v1/assignments/lab-{n}", json=_body(n), headers=stack.teacher).status_code == 201
    _taken(stack.client.put("/v1/assignments/lab-2", json=_body(1), headers=stack.teacher))
    _taken(stack.client.patch("/v1/assignments/lab-2", json={"lab_number": 1}, headers=stack.teacher))
    assert _labs(stack) == {"lab-1": 1, "lab-2": 2}
    assert len(stack.outbox(UPSERTED)) == 2

    moved = stack.client.patch("/v1/assignments/lab-2", json={"lab_number": 3}, headers=stack.teacher)
    assert moved.status_code == 200 and moved.json()["lab_number"] == 3
    assert stack.outbox(UPSERTED)[-1].data["lab_number"] == 3
    same = stack.client.patch("/v1/assignments/lab-1", json={"lab_number": 1}, headers=stack.teacher)
    assert same.status_code == 200  # its own number
    # number 2 is free again
    assert (
        stack.client.post("/v1/assignments", json={"id": "lab-2b", **_body(2)}, headers=stack.teacher).status_code
        == 201
    )
    assert _labs(stack) == {"lab-1": 1, "lab-2": 3, "lab-2b": 2}


def test_resubmissions_other_kinds_and_unnumbered_labs_are_not_affected(stack):
    stack.client.put("/v1/assignments/lab-1", json=_body(1), headers=stack.teacher)
    for rid in ("resub-1", "resub-1b"):
        r = stack.client.put(
            f"/v1/assignments/{rid}",
            json=_body(1, kind="resubmission", resubmits_assignment_id="lab-1"),
            headers=stack.teacher,
        )
        assert r.status_code == 201, r.text
        assert r.json()["lab_number"] == 1 and r.json()["resubmits_assignment_id"] == "lab-1"
    for aid in ("draft-a", "draft-b"):
        assert stack.client.put(f"/v1/assignments/{aid}", json=_body(None), headers=stack.teacher).status_code == 201
    assert (
        stack.client.put("/v1/assignments/report", json=_body(None, kind="report"), headers=stack.teacher).status_code
        == 201
    )
    # a resubmission may be renumbered onto a lab's number; the lab keeps it
    assert (
        stack.client.patch("/v1/assignments/resub-1", json={"lab_number": 1}, headers=stack.teacher).status_code == 200
    )
    assert _labs(stack) == {"lab-1": 1, "draft-a": None, "draft-b": None}


def test_seeding_refuses_a_lab_number_a_teacher_used_under_another_id(stack, calendar_feed):
    assert calendar_feed.dates(1, calendar_feed.plan_2021_labs) == "handled"
    assert stack.client.put("/v1/assignments/my-lab-3", json=_body(3), headers=stack.teacher).status_code == 201
    _taken(stack.client.post("/v1/seed/labs", json={}, headers=stack.teacher))
    assert _labs(stack) == {"my-lab-3": 3}  # the whole seeding rolled back


def _row(assignment_id: str, *, course_id: str, kind: str = "lab", lab_number: int | None = 1) -> Assignment:
    at = datetime(2021, 9, 1, tzinfo=UTC)
    return Assignment(
        id=assignment_id,
        course_id=course_id,
        kind=kind,
        lab_number=lab_number,
        title=assignment_id,
        owner_type="student",
        opens_at=at,
        deadline=at,
        file_rules={},
        created_at=at,
        updated_at=at,
    )


def test_the_index_holds_labs_only_per_course(stack):
    """The migrated schema itself, with the service's check out of the way."""
    course = stack.settings.course_id
    engine = stack.client.app.state.engine
    with unit_of_work(engine) as session:
        session.add_all(
            [
                _row("lab-1", course_id=course),
                _row("resub-1", course_id=course, kind="resubmission"),
                _row("lab-1-elsewhere", course_id="another-course"),
            ]
        )
    with Session(engine) as session:
        session.add(_row("lab-1-again", course_id=course))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    assert _labs(stack) == {"lab-1": 1, "lab-1-elsewhere": 1}


def test_of_two_concurrent_requests_the_index_lets_one_lab_take_the_number(stack):
    """A holds the number uncommitted; B's check cannot see it, so B waits on the index and,
    once A commits, gets 409 ``lab_number_taken`` rather than a second lab."""
    engine = stack.client.app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite has a single writer")
    course = stack.settings.course_id
    first = Session(engine)
    put_assignment(first, assignment_id="lab-a", body=AssignmentPut(**_body(5)), course_id=course)  # not committed
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with unit_of_work(engine) as session:
                put_assignment(session, assignment_id="lab-b", body=AssignmentPut(**_body(5)), course_id=course)
            outcome["result"] = "created"
        except ProblemError as exc:
            outcome["result"] = (exc.status, exc.code)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the second request must wait on the index entry of the first"
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert outcome["result"] == (409, "lab_number_taken")
    assert _labs(stack) == {"lab-a": 5}
