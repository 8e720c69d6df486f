"""assignment.closed.v1 exactly once per assignment: concurrent closers, catch-up after downtime,
and no hand-in slips in after the close. The closer is handed the time (``now``) instead of waiting
for a real deadline to pass."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis.clock import request_now
from peerlab.chassis.db import unit_of_work
from peerlab.submissions.models import ClosedAssignment
from peerlab.submissions.service.closing import close_due, close_if_due

pytestmark = pytest.mark.dialect_sensitive  # closing races hand-ins: row locks and deadlines


def test_closed_event_carries_final_versions_and_is_emitted_once(stack, make_notebook):
    a = stack.assignment("lab-1", lab_number=1)
    stack.hand_in("lab-1", "s1", make_notebook(cells=1))
    final = stack.hand_in("lab-1", "s1", make_notebook(cells=2)).json()
    withdrawn = stack.hand_in("lab-1", "s2", make_notebook()).json()
    stack.client.post(f"/v1/submissions/{withdrawn['submission']['id']}/withdraw", headers=stack.auth("s2"))
    engine = stack.client.app.state.engine
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0) == []  # not yet due
    deadline = datetime.fromisoformat(a["deadline"])
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0, now=deadline - timedelta(microseconds=1)) == []
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0, now=deadline) == ["lab-1"]
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0, now=deadline) == []
    events = stack.outbox("assignment.closed.v1")
    assert len(events) == 1
    assert events[0].data["final_submissions"] == [
        {
            "owner_id": "s1",
            "submission_id": final["submission"]["id"],
            "version": 2,
            "sha256": final["version"]["sha256"],
        }
    ]
    stack.client.app.dependency_overrides[request_now] = lambda: deadline + timedelta(seconds=1)
    late = stack.hand_in("lab-1", "s3", make_notebook())
    assert (late.status_code, late.json()["code"]) == (409, "deadline_passed")


def test_grace_delays_the_close(stack):
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-10)
    engine = stack.client.app.state.engine
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=60) == []
        assert close_due(session, close_grace_s=5) == ["lab-1"]


def test_an_assignments_own_grace_overrides_the_default(stack):
    """A per-assignment grace wins over the service default, both shorter and longer; null keeps it."""
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-10, close_grace_s=0)
    stack.assignment("lab-2", lab_number=2, opens_in_s=-7200, deadline_in_s=-10, close_grace_s=3600)
    stack.assignment("lab-3", lab_number=3, opens_in_s=-7200, deadline_in_s=-10)
    engine = stack.client.app.state.engine
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=900) == ["lab-1"]
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=5) == ["lab-3"]
    got = stack.client.get("/v1/assignments/lab-2", headers=stack.teacher).json()
    assert (got["close_grace_s"], got["closed"]) == (3600, False)
    late = stack.client.patch("/v1/assignments/lab-2", json={"close_grace_s": 0}, headers=stack.teacher)
    assert late.status_code == 200, late.text
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=900) == ["lab-2"]


def test_catch_up_after_downtime_closes_everything_due_once(stack):
    for k in range(1, 6):
        stack.assignment(f"lab-{k}", lab_number=k, opens_in_s=-86400 * 30, deadline_in_s=-86400 * (6 - k))
    stack.assignment("lab-6", lab_number=6, deadline_in_s=86400)
    engine = stack.client.app.state.engine
    with unit_of_work(engine) as session:
        closed = close_due(session, close_grace_s=0)
    assert closed == [f"lab-{k}" for k in range(1, 6)]
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0) == []
    assert sorted(e.subject for e in stack.outbox("assignment.closed.v1")) == [f"lab-{k}" for k in range(1, 6)]


def test_two_concurrent_closers_publish_once(stack):
    """One closer holds the assignment's lock mid-close; the other waits on it, then finds the marker."""
    if stack.client.app.state.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite has a single writer")
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-1)
    engine = stack.client.app.state.engine
    first = Session(engine)
    assert close_if_due(first, assignment_id="lab-1", close_grace_s=0) is True  # locked, not committed
    result: dict[str, object] = {}

    def second_closer() -> None:
        with unit_of_work(engine) as session:
            result["closed"] = close_due(session, close_grace_s=0)

    thread = threading.Thread(target=second_closer)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the second closer must wait for the first one's lock"
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert result["closed"] == []
    assert len(stack.outbox("assignment.closed.v1")) == 1
    with Session(engine) as session:
        assert len(list(session.execute(select(ClosedAssignment)).scalars())) == 1


def test_many_closer_replicas_racing_publish_once(stack):
    for k in range(1, 4):
        stack.assignment(f"lab-{k}", lab_number=k, opens_in_s=-7200, deadline_in_s=-1)
    engine = stack.client.app.state.engine
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def replica() -> None:
        barrier.wait()
        for _ in range(3):
            try:
                with unit_of_work(engine) as session:
                    close_due(session, close_grace_s=0)
            except Exception as exc:  # noqa: BLE001 - SQLite: a locked writer retries next tick
                errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(e.subject for e in stack.outbox("assignment.closed.v1")) == ["lab-1", "lab-2", "lab-3"]
    if engine.dialect.name == "postgresql":
        assert errors == []


def test_a_hand_in_in_flight_when_the_closer_runs_is_either_in_the_close_or_refused(stack, make_notebook):
    """Hand-ins take the assignment row FOR SHARE; the closer takes it FOR UPDATE. The closer runs at
    the deadline while hand-ins that began before it are in flight."""
    a = stack.assignment("lab-1", lab_number=1)
    engine = stack.client.app.state.engine
    deadline = datetime.fromisoformat(a["deadline"])
    results = []

    def student(i: int) -> None:
        results.append(stack.hand_in("lab-1", f"s{i}", make_notebook()))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    with unit_of_work(engine) as session:
        assert close_due(session, close_grace_s=0, now=deadline) == ["lab-1"]
    for t in threads:
        t.join(timeout=30)
    accepted = {r.json()["submission"]["owner_id"] for r in results if r.status_code == 201}
    refused = [r for r in results if r.status_code != 201]
    assert all(r.json()["code"] == "deadline_passed" for r in refused)
    events = stack.outbox("assignment.closed.v1")
    assert len(events) == 1
    assert {f["owner_id"] for f in events[0].data["final_submissions"]} == accepted
