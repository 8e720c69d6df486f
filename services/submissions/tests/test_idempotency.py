"""Idempotency-Key: a retried upload returns the first result; one version, one event, one object."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from peerlab.submissions.models import Assignment, Upload, Version

pytestmark = pytest.mark.dialect_sensitive  # unique keys decide replays


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
        responses = list(
            pool.map(lambda _: stack.hand_in("lab-1", "s1", data, headers={"Idempotency-Key": "same"}), range(4))
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["version"]["id"] for r in responses}) == 1
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    assert len(stack.objects()) == 1


def test_a_client_that_lost_the_response_finds_its_hand_in(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    sent = stack.hand_in("lab-1", "s1", make_notebook()).json()
    found = stack.client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=stack.auth("s1")).json()
    assert found["items"][0]["versions"][0]["sha256"] == sent["version"]["sha256"]
    receipt = stack.client.get(
        f"/v1/submissions/{sent['submission']['id']}/versions/1/receipt", headers=stack.auth("s1")
    )
    assert receipt.json() == sent["receipt"]


# --- the key's fingerprint covers the file's bytes (probe finding "Hardening" 1) ---------------


def _multipart(stack, student, data, *, name="week1-EXE.ipynb", key="k"):
    return stack.client.post(
        "/v1/assignments/lab-1/submissions",
        files={"file": (name, data)},
        headers={**stack.auth(student), "Idempotency-Key": key},
    )


def test_the_same_key_with_another_file_is_refused_and_keeps_nothing_of_it(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    first, second = make_notebook(cells=2), make_notebook(cells=5)
    accepted = stack.hand_in("lab-1", "s1", first, headers={"Idempotency-Key": "k-1"})
    assert accepted.status_code == 201
    again = stack.hand_in("lab-1", "s1", second, headers={"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json()["code"]) == (422, "idempotency_key_reused")
    assert "idempotent-replayed" not in again.headers
    # nothing of the second file: no version, no event, no object, no staged upload
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    assert len(stack.objects()) == 1
    with stack.session() as session:
        assert [u.status for u in session.execute(select(Upload)).scalars()] == ["accepted"]
    # the first file is still what was handed in
    sid = accepted.json()["submission"]["id"]
    link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("s1")).json()
    assert httpx.get(link["url"]).content == first
    # same key, same file: still the replay; a multipart retry (new boundary) is the same request
    replay = stack.hand_in("lab-1", "s1", first, headers={"Idempotency-Key": "k-1"})
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == accepted.json()
    form = _multipart(stack, "s1", first, key="k-1")
    assert form.status_code == 201 and form.json() == accepted.json()
    assert (_multipart(stack, "s1", second, key="k-1").status_code,) == (422,)
    # an empty or unnamed body under a used key is not the accepted file either
    assert (
        stack.hand_in("lab-1", "s1", b"", headers={"Idempotency-Key": "k-1"}).json()["code"] == "idempotency_key_reused"
    )
    assert stack.count(Version) == 1 and len(stack.objects()) == 1


def test_concurrent_hand_ins_of_different_files_under_one_key_keep_exactly_one(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    files = [make_notebook(cells=n) for n in (2, 3, 4, 5)]
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(lambda d: stack.hand_in("lab-1", "s1", d, headers={"Idempotency-Key": "race"}), files)
        )
    won = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(won) == 1, [r.status_code for r in responses]
    assert all(r.json()["code"] == "idempotency_key_reused" for r in responses if r is not won[0])
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    assert len(stack.objects()) == 1
    with stack.session() as session:  # losers that staged before the winner committed are discarded
        statuses = [u.status for u in session.execute(select(Upload)).scalars()]
    assert statuses.count("accepted") == 1 and set(statuses) <= {"accepted", "discarded"}


def _ticket(stack, data, *, student="s1", name="lab-EXE.ipynb"):
    r = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth(student),
        json={"file_name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _confirm(stack, upload_id, key=None, student="s1"):
    headers = {**stack.auth(student), **({"Idempotency-Key": key} if key else {})}
    return stack.client.post(f"/v1/uploads/{upload_id}/confirm", headers=headers)


def test_confirm_again_after_another_file_was_put_to_the_url_is_refused(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data, other = make_notebook(cells=2), make_notebook(cells=6)
    t = _ticket(stack, data)
    httpx.put(t["url"], content=data)
    first = _confirm(stack, t["upload_id"], key="c-1")
    assert first.status_code == 201
    # the same file again at the URL: the retry is the same request
    httpx.put(t["url"], content=data)
    same = _confirm(stack, t["upload_id"], key="c-1")
    assert same.status_code == 201 and same.json() == first.json()
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]
    # another file PUT to the still-valid URL, confirmed with the same key: refused, removed
    httpx.put(t["url"], content=other)
    reused = _confirm(stack, t["upload_id"], key="c-1")
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]
    # ... and without a key: 409, removed as well
    httpx.put(t["url"], content=other)
    plain = _confirm(stack, t["upload_id"])
    assert (plain.status_code, plain.json()["code"]) == (409, "upload_already_accepted")
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]
    assert stack.count(Version) == 1 and len(stack.outbox("submission.received.v1")) == 1
    # the key is bound to its upload: confirming another upload with it is refused
    t2 = _ticket(stack, other)
    httpx.put(t2["url"], content=other)
    assert _confirm(stack, t2["upload_id"], key="c-1").json()["code"] == "idempotency_key_reused"
    assert stack.count(Version) == 1


def test_a_confirmation_that_lost_the_key_race_keeps_the_accepted_copy(stack, make_notebook):
    """Two confirmations of one upload with one key: both write the same ``versions/`` key; the
    loser (its accept hits the winner's key) must not delete the winner's accepted object."""
    from peerlab.chassis.auth import Principal, Role
    from peerlab.submissions.models import IdempotencyRecord
    from peerlab.submissions.service.assignments import rules_of
    from peerlab.submissions.service.handin_steps import Acceptance, StagedUpload, store_and_accept, validate

    stack.assignment("lab-1", lab_number=1)
    data = make_notebook(cells=3)
    t = _ticket(stack, data)
    httpx.put(t["url"], content=data)
    won = _confirm(stack, t["upload_id"], key="c-race")
    assert won.status_code == 201
    rt = stack.client.app.state.runtime
    with stack.session() as session:
        upload = session.get(Upload, t["upload_id"])
        record = session.get(IdempotencyRecord, ("s1", "c-race"))
        staged = StagedUpload(
            upload_id=upload.id,
            object_key=f"versions/lab-1/{upload.id}",
            rules=rules_of(session.get(Assignment, "lab-1")),
            staging_key=upload.object_key,
        )
        acceptance = Acceptance(
            principal=Principal("s1", frozenset({Role.STUDENT})), idem_key="c-race", fingerprint=record.fingerprint
        )
        file_name = upload.file_name

    async def lose():  # what the loser runs after both passed the begin step and read the bytes
        result = await validate(rt=rt, data=data, rules=staged.rules, file_name=file_name)
        return await store_and_accept(rt=rt, staged=staged, data=data, result=result, acceptance=acceptance)

    lost = stack.client.portal.call(lose)
    assert lost.ours is False and lost.body == won.json()
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]
    sid = won.json()["submission"]["id"]
    link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("s1")).json()
    assert httpx.get(link["url"]).content == data
