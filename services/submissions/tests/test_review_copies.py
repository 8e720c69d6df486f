"""``GET /v1/review-copies/{task_token}``: the anonymised notebook of a review task, for the
reviewer holding the token and for staff; 404 for everyone else, whether or not the token exists."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import httpx

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import LabVerdictSetV1, ReviewAllocatedV1
from peerlab.submissions.events.handlers import consumer_spec

TOKEN = "Zq8_k3J9xQ-wT2mA7rL0pB4n"
IDENTIFYING = ("Alice Student", "/home/alice", "Users\\\\alice", "alice@student.dtu.dk", "s214321", "alice-EXE")


def _deliver(stack, event) -> None:
    runner = ConsumerRunner(
        consumer_spec(), engine=stack.client.app.state.engine, bootstrap=stack.settings.kafka_bootstrap
    )
    raw = Envelope.wrap(event, source="review", subject="x", course_id=stack.settings.course_id).to_bytes()
    assert runner.handle_message(raw, stop=threading.Event()) == "handled"


def _allocate(
    stack, *, submission_id: str, reviewer: str, token: str, assignment_id: str = "lab-1", allocation_id: str = "al-1"
) -> None:
    _deliver(
        stack,
        ReviewAllocatedV1(
            allocation_id=allocation_id,
            round_id="r-1",
            assignment_id=assignment_id,
            submission_id=submission_id,
            reviewer_id=reviewer,
            task_token=token,
            due_at=datetime.now(UTC) + timedelta(days=7),
        ),
    )


def _alices_notebook() -> bytes:
    cell = {
        "cell_type": "code",
        "id": "x1",
        "execution_count": 1,
        "metadata": {"executionInfo": {"user": {"displayName": "Alice Student"}}},
        "outputs": [
            {
                "output_type": "stream",
                "name": "stderr",
                "text": "File /home/alice/lab1.py, C:\\Users\\alice\\x (s214321, alice@student.dtu.dk)",
            }
        ],
        "source": "import torch",
    }
    nb = {
        "cells": [cell],
        "metadata": {
            "authors": [{"name": "Alice Student"}],
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb).encode()


def _not_found_shape(response) -> tuple:
    body = response.json()
    return response.status_code, body["code"], body["detail"]


def test_the_reviewer_holding_the_token_gets_an_anonymised_copy_and_others_get_404(stack):
    stack.assignment("lab-1", lab_number=1)
    accepted = stack.hand_in("lab-1", "alice", _alices_notebook(), name="alice-EXE.ipynb").json()
    sid, version_id = accepted["submission"]["id"], accepted["version"]["id"]
    _allocate(stack, submission_id=sid, reviewer="bob", token=TOKEN)

    response = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth("bob"))
    assert response.status_code == 200, response.text
    link = response.json()
    assert link["file_name"] == f"EXE_{TOKEN}.ipynb"
    assert link["size"] is None and link["sha256"] is None
    expires_in = datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)
    assert timedelta(0) < expires_in <= timedelta(seconds=stack.settings.download_url_expiry_s)
    # Neither the answer nor the URL names the submission, its version or its author.
    for secret in (sid, version_id, "alice", accepted["version"]["sha256"]):
        assert secret not in response.text, secret
    fetched = httpx.get(link["url"], timeout=10)
    assert fetched.status_code == 200
    assert f"EXE_{TOKEN}.ipynb" in fetched.headers.get("content-disposition", "")
    for secret in IDENTIFYING:
        assert secret not in fetched.text, secret
    notebook = json.loads(fetched.text)
    assert notebook["nbformat"] == 4 and notebook["cells"][0]["source"] == "import torch"
    assert set(notebook["metadata"]) == {"kernelspec"}

    # Another student, the author herself, and an unknown token: the same 404.
    unknown = stack.client.get("/v1/review-copies/no-such-token", headers=stack.auth("bob"))
    assert _not_found_shape(unknown) == (404, "not_found", "review copy not found")
    for who in ("carol", "alice"):
        refused = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth(who))
        assert _not_found_shape(refused) == _not_found_shape(unknown), who
    assert stack.client.get(f"/v1/review-copies/{TOKEN}").status_code == 401


def test_staff_get_the_same_copy_and_both_routes_share_it(stack):
    stack.assignment("lab-1", lab_number=1)
    sid = stack.hand_in("lab-1", "alice", _alices_notebook()).json()["submission"]["id"]
    _allocate(stack, submission_id=sid, reviewer="bob", token=TOKEN)
    by_token = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth("bob")).json()
    by_id = stack.client.get(f"/v1/submissions/{sid}/anonymised", headers=stack.auth("bob")).json()
    for who in (stack.auth("ta-1", "ta"), stack.teacher):
        staff = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=who)
        assert staff.status_code == 200, staff.text
        assert httpx.get(staff.json()["url"], timeout=10).content == httpx.get(by_token["url"], timeout=10).content
    assert by_id["file_name"] == by_token["file_name"] == f"EXE_{TOKEN}.ipynb"
    assert stack.objects("anonymised/") == [f"anonymised/{TOKEN}/v1.r2"]  # made once, shared by both routes


def test_no_copy_of_a_resubmission_or_a_withdrawn_hand_in(stack, make_notebook):
    now = datetime.now(UTC)
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-3600)
    stack.assignment("resub-1", kind="resubmission", resubmits_assignment_id="lab-1")
    _deliver(
        stack,
        LabVerdictSetV1(
            student_id="alice",
            assignment_id="lab-1",
            lab_number=1,
            verdict="fail",
            origin="teacher",
            set_by="teacher-1",
            set_at=now,
        ),
    )
    resub = stack.hand_in("resub-1", "alice", make_notebook()).json()["submission"]["id"]
    _allocate(stack, submission_id=resub, reviewer="bob", token="resub-token", assignment_id="resub-1")
    for who in (stack.auth("bob"), stack.auth("ta-1", "ta"), stack.teacher):
        assert stack.client.get("/v1/review-copies/resub-token", headers=who).status_code == 404

    stack.assignment("lab-2", lab_number=2)
    sid = stack.hand_in("lab-2", "carol", make_notebook()).json()["submission"]["id"]
    assert stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.auth("carol")).status_code == 200
    _allocate(
        stack, submission_id=sid, reviewer="bob", token="withdrawn-token", assignment_id="lab-2", allocation_id="al-2"
    )
    assert stack.client.get("/v1/review-copies/withdrawn-token", headers=stack.auth("bob")).status_code == 404
    assert stack.objects("anonymised/") == []


def test_the_copy_masks_every_group_members_roster_and_token_names_and_image_metadata(stack):
    """Probe finding "Hardening" 2: names come from the roster projection (``roster.person_enrolled.v1``
    now carries name and e-mail) and from the hand-in token's claims; every member of the owning
    group is masked, in text and in image metadata."""
    from identity_kit import Person, leaks, seeded_notebook

    from peerlab.chassis.auth import mint_dev_token
    from peerlab.contracts.events.projects import GroupFormedV1
    from peerlab.contracts.events.roster import PersonEnrolledV1

    yolanda = Person("s210001", "Yolanda", "Smith", "yolanda.smith@example.com")
    bart = Person("s210002", "Bartholomew", "Jones", "bjones@example.org")
    now = datetime.now(UTC)
    _deliver(
        stack,
        PersonEnrolledV1(
            person_id=yolanda.person_id, roles=["student"], enrolled_at=now, name=yolanda.full, email=yolanda.email
        ),
    )
    _deliver(
        stack,
        PersonEnrolledV1(
            person_id=bart.person_id, roles=["student"], enrolled_at=now, name=bart.full, email=bart.email
        ),
    )
    _deliver(stack, GroupFormedV1(group_id="g-7", member_ids=[yolanda.person_id, bart.person_id], formed_at=now))
    stack.assignment("lab-1", lab_number=1, owner_type="group")
    nb = seeded_notebook(yolanda)
    nb["cells"][0]["source"] += f"\nwith {bart.full} ({bart.person_id}, {bart.email}), aka Yoyo Smythe"
    # Yolanda's token carries a name the roster does not know
    token = mint_dev_token(
        sub=yolanda.person_id, roles=["student"], secret=stack.settings.jwt_secret, name="Yoyo Smythe"
    )
    accepted = stack.client.post(
        "/v1/assignments/lab-1/submissions",
        content=json.dumps(nb).encode(),
        params={"file_name": "lab1-EXE.ipynb"},
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["submission"]["owner_id"] == "g-7"
    _allocate(stack, submission_id=accepted.json()["submission"]["id"], reviewer="s219999", token=TOKEN)

    link = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth("s219999"))
    assert link.status_code == 200, link.text
    copy = httpx.get(link.json()["url"], timeout=10).content
    assert leaks(copy, yolanda) == [] and leaks(copy, bart) == []
    assert "yoyo" not in copy.decode().lower() and "smythe" not in copy.decode().lower()
    assert json.loads(copy)["cells"][1]["outputs"][1]["data"]["text/html"].startswith(
        "<p>By <a href='mailto:anon@example.org'>anon</a>"
    )


def test_a_name_learnt_after_the_copy_was_made_is_masked_on_the_next_request(stack):
    """A late roster import: the stored copy was made before the service knew the name; it is
    made anew (same key) once the authors' identities differ from those it was made to mask."""
    from peerlab.contracts.events.roster import PersonEnrolledV1

    stack.assignment("lab-1", lab_number=1)
    nb = json.loads(_alices_notebook())
    nb["cells"][0]["source"] = "# Lab 1 by Zelda Quorn\nimport torch"
    sid = stack.hand_in("lab-1", "s214321", json.dumps(nb).encode()).json()["submission"]["id"]
    _allocate(stack, submission_id=sid, reviewer="bob", token=TOKEN)
    first = httpx.get(stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth("bob")).json()["url"]).text
    assert "Zelda" in first  # nothing named her yet: not in the roster, no name in her token
    _deliver(
        stack,
        PersonEnrolledV1(
            person_id="s214321",
            roles=["student"],
            enrolled_at=datetime.now(UTC),
            name="Zelda Quorn",
            email="zq@example.org",
        ),
    )
    again = stack.client.get(f"/v1/review-copies/{TOKEN}", headers=stack.auth("bob")).json()
    second = httpx.get(again["url"]).text
    assert "zelda" not in second.lower() and "quorn" not in second.lower()
    assert "# Lab 1 by anon\\nimport torch" in second
    assert stack.objects("anonymised/") == [f"anonymised/{TOKEN}/v1.r2"]  # replaced, not added
    # unchanged identities: the stored copy is served as it is
    with stack.session() as session:
        from peerlab.submissions.models import ReviewCopy

        made_at = session.get(ReviewCopy, f"anonymised/{TOKEN}/v1.r2").made_at
    stack.client.get(f"/v1/submissions/{sid}/anonymised", headers=stack.auth("bob"))
    with stack.session() as session:
        assert session.get(ReviewCopy, f"anonymised/{TOKEN}/v1.r2").made_at == made_at
