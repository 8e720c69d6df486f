"""Students never read, list or overwrite another student's hand-in (REST and presigned URLs);
reviewers get only anonymised copies of what is allocated to them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import httpx

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope
from peerlab.contracts.events.projects import GroupFormedV1
from peerlab.contracts.events.review import ReviewAllocatedV1
from peerlab.submissions.events.handlers import consumer_spec


def deliver(stack, event, subject="x"):
    """Hand one event (a model, or an envelope's bytes) to the service's consumer as the broker
    would (real database, inbox)."""
    import threading

    runner = ConsumerRunner(
        consumer_spec(), engine=stack.client.app.state.engine, bootstrap=stack.settings.kafka_bootstrap
    )
    raw = (
        event
        if isinstance(event, bytes)
        else Envelope.wrap(event, source="test", subject=subject, course_id=stack.settings.course_id).to_bytes()
    )
    return runner.handle_message(raw, stop=threading.Event())


def test_a_student_cannot_read_list_or_download_another_students_hand_in(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    a = stack.hand_in("lab-1", "alice", make_notebook()).json()
    sid = a["submission"]["id"]
    bob = stack.auth("bob")
    assert stack.client.get(f"/v1/submissions/{sid}", headers=bob).status_code == 404
    assert stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=bob).status_code == 404
    assert stack.client.get(f"/v1/submissions/{sid}/versions/1/receipt", headers=bob).status_code == 404
    assert stack.client.get("/v1/submissions", params={"ids": sid}, headers=bob).json()["items"] == []
    assert stack.client.get("/v1/submissions", params={"owner_ids": "alice"}, headers=bob).json()["items"] == []
    assert stack.client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=bob).json()["items"] == []
    mine = stack.client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=stack.auth("alice"))
    assert [s["id"] for s in mine.json()["items"]] == [sid]
    staff = stack.client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=stack.auth("ta", "ta"))
    assert [s["id"] for s in staff.json()["items"]] == [sid]


def test_a_student_cannot_overwrite_another_students_hand_in(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    a = stack.hand_in("lab-1", "alice", make_notebook(cells=1)).json()
    # Bob cannot name Alice as owner: the owner is his own identity, whatever he sends.
    b = stack.hand_in("lab-1", "bob", make_notebook(cells=2), owner_id="alice").json()
    assert b["submission"]["owner_id"] == "bob" and b["submission"]["id"] != a["submission"]["id"]
    alice = stack.client.get(f"/v1/submissions/{a['submission']['id']}", headers=stack.auth("alice")).json()
    assert alice["latest_version"] == 1 and alice["versions"][0]["sha256"] == a["version"]["sha256"]


def test_presigned_paths_are_bound_to_their_owner(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook()
    ticket = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth("alice"),
        json={"file_name": "a-EXE.ipynb", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    ).json()
    assert httpx.put(ticket["url"], content=data).status_code == 200
    # Bob cannot confirm (and so cannot take over) Alice's upload.
    stolen = stack.client.post(f"/v1/uploads/{ticket['upload_id']}/confirm", headers=stack.auth("bob"))
    assert stolen.status_code == 404
    accepted = stack.client.post(f"/v1/uploads/{ticket['upload_id']}/confirm", headers=stack.auth("alice"))
    assert accepted.status_code == 201 and accepted.json()["submission"]["owner_id"] == "alice"
    sid = accepted.json()["submission"]["id"]
    link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("alice")).json()
    assert httpx.get(link["url"]).content == data
    # Each version lives under its own unguessable upload key; no URL for it is issued to Bob.
    assert link["url"].split("?")[0].endswith(ticket["upload_id"])
    assert stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("bob")).status_code == 404


def test_group_members_share_a_group_hand_in_and_others_do_not(stack, make_pdf):
    now = datetime.now(UTC)
    assert deliver(stack, GroupFormedV1(group_id="g-1", member_ids=["alice", "bob"], formed_at=now)) == "handled"
    stack.assignment("synopsis", kind="synopsis")
    r = stack.hand_in("synopsis", "alice", make_pdf(1), name="synopsis.pdf")
    assert r.status_code == 201, r.text
    assert (r.json()["submission"]["owner_type"], r.json()["submission"]["owner_id"]) == ("group", "g-1")
    sid = r.json()["submission"]["id"]
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("bob")).status_code == 200
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("carol")).status_code == 404
    lonely = stack.hand_in("synopsis", "carol", make_pdf(1), name="synopsis.pdf")
    assert (lonely.status_code, lonely.json()["code"]) == (403, "not_allowed")
    v2 = stack.hand_in("synopsis", "bob", make_pdf(1), name="synopsis-v2.pdf").json()
    assert v2["submission"]["id"] == sid and v2["version"]["version"] == 2


def test_reviewer_gets_only_an_anonymised_copy_of_an_allocated_submission(stack):
    stack.assignment("lab-1", lab_number=1)
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "x1",
                "execution_count": 1,
                "metadata": {"executionInfo": {"user": {"displayName": "Alice Student"}}},
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stderr",
                        "text": "File /home/alice/lab1.py, C:\\Users\\alice\\x, /Users/alice/y",
                    }
                ],
                "source": "import torch",
            }
        ],
        "metadata": {
            "authors": [{"name": "Alice Student"}],
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    sid = stack.hand_in("lab-1", "alice", json.dumps(nb).encode(), name="alice-EXE.ipynb").json()["submission"]["id"]
    other = stack.hand_in("lab-1", "carol", json.dumps(nb).encode()).json()["submission"]["id"]
    event = ReviewAllocatedV1(
        allocation_id="al-1",
        round_id="r-1",
        assignment_id="lab-1",
        submission_id=sid,
        reviewer_id="bob",
        task_token="k3J9xQ",
        due_at=datetime.now(UTC),
    )
    raw = Envelope.wrap(event, source="review", subject=sid, course_id=stack.settings.course_id).to_bytes()
    assert deliver(stack, raw) == "handled"
    assert deliver(stack, raw) == "duplicate"  # redelivery is harmless
    bob = stack.auth("bob")
    link = stack.client.get(f"/v1/submissions/{sid}/anonymised", headers=bob)
    assert link.status_code == 200, link.text
    assert link.json()["file_name"] == "EXE_k3J9xQ.ipynb"
    fetched = httpx.get(link.json()["url"])
    assert "EXE_k3J9xQ.ipynb" in fetched.headers.get("content-disposition", "")
    text = fetched.text
    for secret in ("Alice Student", "/home/alice", "Users\\\\alice", "/Users/alice", "alice-EXE"):
        assert secret not in text, secret
    assert "import torch" in text and json.loads(text)["metadata"]["kernelspec"]["name"] == "python3"
    # not allocated to bob: refused; and a reviewer never gets the original
    assert stack.client.get(f"/v1/submissions/{other}/anonymised", headers=bob).status_code == 403
    assert stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=bob).status_code == 404
    assert stack.client.get(f"/v1/submissions/{sid}", headers=bob).status_code == 404
    # a second request reuses the stored copy
    assert stack.client.get(f"/v1/submissions/{sid}/anonymised", headers=bob).status_code == 200
    assert len([k for k in stack.objects("anonymised/")]) == 1
