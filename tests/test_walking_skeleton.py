"""One hand-in crosses the services: submissions stores it and publishes `submission.received.v1`
through its outbox, review consumes it through its inbox and records it, and the gateway's GraphQL
shows it. Real processes over tansu, moto S3 and PostgreSQL (SQLite when none is present)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import nbformat

STACK = ["submissions", "review", "gateway"]


def notebook_bytes() -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Week 1"), nbformat.v4.new_code_cell("print(1 + 1)")]
    return nbformat.writes(nb).encode()


def wait_for(fetch, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = fetch()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_hand_in_reaches_review_and_shows_in_graphql(stack):
    now = datetime.now(UTC)
    with stack.client("submissions", "teacher-ole", "teacher") as teacher:
        created = teacher.put(
            "/v1/assignments/skeleton-lab-1",
            json={
                "kind": "lab",
                "lab_number": 1,
                "title": "Lab 1",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "deadline": (now + timedelta(hours=2)).isoformat(),
            },
        )
        assert created.status_code in (200, 201), created.text

    with stack.client("submissions", "s210001", "student") as student:
        accepted = student.post(
            "/v1/assignments/skeleton-lab-1/submissions",
            params={"file_name": "week1-EXE.ipynb"},
            content=notebook_bytes(),
            headers={"content-type": "application/octet-stream"},
        )
        assert accepted.status_code == 201, accepted.text
        submission_id = accepted.json()["submission"]["id"]

    with stack.client("review", "teacher-ole", "teacher") as review:
        recorded = wait_for(
            lambda: (r := review.get(f"/v1/submissions/{submission_id}")).status_code == 200 and r.json()
        )
        assert recorded["owner_id"] == "s210001"

    query = "{ me { id labs { labNumber status } handIns { edges { node { id currentVersion } } } } }"
    with stack.client("gateway", "s210001", "student") as gateway:
        answer = gateway.post("/graphql", json={"query": query})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body
        me = body["data"]["me"]
        assert me["id"] == "s210001"
        assert [e["node"]["id"] for e in me["handIns"]["edges"]] == [submission_id]
        lab1 = next(lab for lab in me["labs"] if lab["labNumber"] == 1)
        assert lab1["status"] == "PENDING"
