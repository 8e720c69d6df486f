"""Idempotency-Key: a retried upload returns the first result; one version, one event, one object."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from peerlab.submissions.models import Version


def test_retry_with_the_same_key_returns_the_first_result(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook()
    first = stack.hand_in("lab-1", "s1", data, headers={"Idempotency-Key": "k-1"})
    retry = stack.hand_in("lab-1", "s1", data, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers.get("idempotent-replayed") == "true"
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    assert len(stack.objects()) == 1
    # the same key from another student is another request
    other = stack.hand_in("lab-1", "s2", data, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 201 and other.json()["submission"]["owner_id"] == "s2"
    # the same key for a different request is refused
    reused = stack.hand_in("lab-1", "s1", data, name="other-EXE.ipynb", headers={"Idempotency-Key": "k-1"})
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    bad = stack.hand_in("lab-1", "s1", data, headers={"Idempotency-Key": "\x01"})
    assert bad.status_code == 400 or bad.status_code == 422


def test_concurrent_retries_with_one_key_make_one_version_and_leave_no_orphan(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook(cells=8)
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda _: stack.hand_in("lab-1", "s1", data, headers={"Idempotency-Key": "same"}),
                                  range(4)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["version"]["id"] for r in responses}) == 1
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    assert len(stack.objects()) == 1


def test_a_client_that_lost_the_response_finds_its_hand_in(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    sent = stack.hand_in("lab-1", "s1", make_notebook()).json()
    found = stack.client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=stack.auth("s1")).json()
    assert found["items"][0]["versions"][0]["sha256"] == sent["version"]["sha256"]
    receipt = stack.client.get(f"/v1/submissions/{sent['submission']['id']}/versions/1/receipt", headers=stack.auth("s1"))
    assert receipt.json() == sent["receipt"]
