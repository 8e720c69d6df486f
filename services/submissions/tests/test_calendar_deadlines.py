"""Deadlines come from the course calendar (term.dates_changed.v1 from scheduling): assignments linked
by date_key follow their date; older or repeated revisions change nothing; a deadline that has passed
or an assignment that has closed never moves; every move is audited; a manual deadline edit of a
linked assignment is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from peerlab.submissions.models import Assignment, DeadlineChange
from peerlab.submissions.service.closing import close_due

pytestmark = pytest.mark.dialect_sensitive  # stored datetimes compared with deadlines

LAB7 = ("2021-10-25T21:59:00Z", "2021-10-11T11:00:00Z")
LAB8 = ("2021-11-01T22:59:00Z", "2021-10-25T11:00:00Z")
SYNOPSIS = ("2021-11-08T22:59:00Z", "2021-10-15T21:59:00Z")
REPORT = ("2022-01-04T22:59:00Z", "2021-11-01T12:00:00Z")
MOVED = {
    "lab-7": ("2021-11-01T22:59:00Z", "2021-10-25T11:00:00Z"),
    "lab-8": ("2021-11-08T22:59:00Z", LAB8[1]),
    "synopsis": ("2021-11-15T22:59:00Z", SYNOPSIS[1]),
    "report": ("2022-01-05T22:59:00Z", REPORT[1]),
}


def _link(stack, assignment_id: str, kind: str, key: str, **extra):
    body = {"kind": kind, "title": assignment_id, "date_key": key, **extra}
    return stack.client.put(f"/v1/assignments/{assignment_id}", json=body, headers=stack.teacher)


def _deadline(stack, assignment_id: str) -> str:
    return stack.client.get(f"/v1/assignments/{assignment_id}", headers=stack.teacher).json()["deadline"]


def _setup(stack, calendar_feed):
    first = {
        "lab-6": ("2021-10-11T21:59:00Z", "2021-10-04T11:00:00Z"),
        "lab-7": LAB7,
        "lab-8": LAB8,
        "synopsis": SYNOPSIS,
        "report": REPORT,
    }
    assert calendar_feed.dates(1, first) == "handled"
    for number in (6, 7, 8):
        assert _link(stack, f"lab-{number}", "lab", f"lab-{number}", lab_number=number).status_code == 201
    assert _link(stack, "synopsis", "synopsis", "synopsis").status_code == 201
    assert _link(stack, "report", "report", "report").status_code == 201


def test_linked_deadlines_follow_the_calendar_and_passed_ones_stay(stack, calendar_feed):
    _setup(stack, calendar_feed)
    assert _deadline(stack, "lab-7") == LAB7[0]
    upserts = len(stack.outbox("assignment.upserted.v1"))

    calendar_feed.now = datetime(2021, 10, 20, 8, tzinfo=UTC)  # lab 6 has passed
    moved = {**MOVED, "lab-6": ("2021-10-18T21:59:00Z", "2021-10-04T11:00:00Z")}  # a move it must not follow
    assert calendar_feed.dates(2, moved, event_id="rev-2") == "handled"
    assert _deadline(stack, "lab-6") == "2021-10-11T21:59:00Z"
    assert {k: _deadline(stack, k) for k in ("lab-7", "lab-8", "synopsis", "report")} == {
        k: v[0] for k, v in MOVED.items()
    }
    # lab 7 opened on 11 Oct: an assignment already open keeps its opening
    assert stack.client.get("/v1/assignments/lab-7", headers=stack.teacher).json()["opens_at"] == LAB7[1]
    assert len(stack.outbox("assignment.upserted.v1")) == upserts + 4

    audit = stack.client.get("/v1/assignments/lab-8/deadline-changes", headers=stack.teacher).json()
    assert audit == [
        {
            "date_key": "lab-8",
            "old_deadline": LAB8[0],
            "new_deadline": MOVED["lab-8"][0],
            "revision": 2,
            "changed_by": "t1",
            "changed_at": "2021-10-20T08:00:00Z",
        }
    ]
    assert stack.client.get("/v1/assignments/lab-8/deadline-changes", headers=stack.auth("s1")).status_code == 403

    # The same event again (inbox), the same revision under another id, an older revision: nothing changes.
    assert calendar_feed.dates(2, moved, event_id="rev-2") == "duplicate"
    assert calendar_feed.dates(2, {"lab-8": ("2021-12-01T22:59:00Z", None)}) == "handled"
    assert calendar_feed.dates(1, {"lab-8": LAB8}) == "handled"
    assert _deadline(stack, "lab-8") == MOVED["lab-8"][0]
    assert len(stack.outbox("assignment.upserted.v1")) == upserts + 4
    with stack.session() as session:
        assert session.scalar(select(func.count()).select_from(DeadlineChange)) == 4


def test_a_closed_assignment_never_moves(stack, calendar_feed):
    _setup(stack, calendar_feed)
    with stack.session() as session:  # lab 7's deadline is in 2021: the closer closes it now
        closed = close_due(session, close_grace_s=0)
        session.commit()
    assert "lab-7" in closed
    calendar_feed.now = datetime(2021, 10, 20, 8, tzinfo=UTC)  # by this clock lab 7 is still ahead
    calendar_feed.dates(2, MOVED)
    assert _deadline(stack, "lab-7") == LAB7[0]


def test_deadlines_of_linked_assignments_come_only_from_the_calendar(stack, calendar_feed):
    unknown = _link(stack, "synopsis", "synopsis", "synopsis")
    assert (unknown.status_code, unknown.json()["code"]) == (409, "calendar_date_unknown")
    _setup(stack, calendar_feed)
    patched = stack.client.patch(
        "/v1/assignments/report", json={"deadline": "2022-02-01T00:00:00Z"}, headers=stack.teacher
    )
    assert (patched.status_code, patched.json()["code"]) == (409, "deadline_from_calendar")
    both = stack.client.put(
        "/v1/assignments/report",
        headers=stack.teacher,
        json={"kind": "report", "title": "r", "date_key": "report", "deadline": "2022-02-01T00:00:00Z"},
    )
    assert both.status_code == 422
    again = _link(stack, "report", "report", "report")  # the seeder's re-PUT changes nothing
    assert again.status_code == 200 and again.json()["revision"] == 1
    with stack.session() as session:
        report = session.get(Assignment, "report")
        assert report.date_key == "report" and report.owner_type == "group"
