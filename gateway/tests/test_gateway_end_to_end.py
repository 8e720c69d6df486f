"""The hand-in flow through GraphQL alone, over the real services (uvicorn subprocesses), the
real broker, moto S3 and PostgreSQL: start, upload to the presigned URL, confirm, see the
receipt, and see the review tasks once the deadline has passed. Then reviews, reactions, flags
and verdicts, and what a student can never see of another student."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import (
    EligibilityChangedV1,
    LabVerdictSetV1,
    ReviewAllocatedV1,
    ReviewAllocationCancelledV1,
)
from peerlab.contracts.events.scheduling import ExamBookedV1, SlotPlaces
from peerlab.gateway.main import create_app

STUDENTS = 5
DEADLINE_IN_S = 40


def notebook(student: str) -> bytes:
    """A lab notebook that names its author where real ones do: notebook metadata, a home-directory
    path in a traceback, an e-mail address. The anonymised copy must name nobody."""
    cells = [
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "c1",
            "metadata": {},
            "outputs": [
                {
                    "output_type": "stream",
                    "name": "stderr",
                    "text": f"File /home/{student}/lab1.py, line 3 (mail {student}@student.dtu.dk)\n",
                }
            ],
            "source": "print(42)",
        }
    ]
    metadata = {
        "authors": [{"name": f"Student {student}"}],
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    }
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}).encode()


class Course:
    def __init__(self, client: TestClient, secret: str, tag: str) -> None:
        self.client, self.secret, self.tag = client, secret, tag
        self.students = [f"{tag}s{i}" for i in range(STUDENTS)]
        self.assignment_id = f"{tag}-lab-1"
        self.hand_ins: dict[str, dict] = {}

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        token = mint_dev_token(sub=sub, roles=roles or ("student",), secret=self.secret)
        return {"authorization": f"Bearer {token}"}

    def gql(self, sub: str, query: str, variables: dict | None = None, *roles: str) -> dict:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(sub, *roles)
        )
        assert response.status_code == 200, response.text
        return response.json()


START = """mutation Start($input: StartHandInInput!) {
  startHandIn(input: $input) { upload { uploadId url method maxBytes expiresAt } errors { code field message } }
}"""
CONFIRM = """mutation Confirm($input: ConfirmHandInInput!) {
  confirmHandIn(input: $input) {
    submission { id status currentVersion }
    receipt { submissionId version sha256 size fileName signature algorithm }
    errors { code field message }
  }
}"""
MY_HAND_INS = """{ me { handIns { totalCount edges { node { id assignmentId status
    versions { version sha256 current } receipt { sha256 version signature } } } } } }"""
MY_TASKS = """{ me { reviewTasks(first: 10) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { taskToken assignmentId labNumber state windowOpen
      rubric { criteria { key minScore maxScore } questions { key required } } } } } } }"""


def _hand_in(course: Course, student: str, assignment_id: str) -> dict:
    content = notebook(student)
    digest = hashlib.sha256(content).hexdigest()
    started = course.gql(
        student,
        START,
        {
            "input": {
                "assignmentId": assignment_id,
                "fileName": "week1-EXE.ipynb",
                "size": len(content),
                "sha256": digest,
            }
        },
    )
    payload = started["data"]["startHandIn"]
    assert payload["errors"] == [], payload
    upload = payload["upload"]
    assert upload["method"] == "PUT"
    put = httpx.put(upload["url"], content=content, timeout=30)
    assert put.status_code in (200, 204), put.text
    confirmed = course.gql(student, CONFIRM, {"input": {"uploadId": upload["uploadId"]}})["data"]["confirmHandIn"]
    assert confirmed["errors"] == [], confirmed
    assert confirmed["receipt"]["sha256"] == digest and confirmed["receipt"]["algorithm"] == "Ed25519"
    assert confirmed["receipt"]["size"] == len(content)
    return confirmed


@pytest.fixture(scope="module")
def course(services_stack, tmp_path_factory):
    # The leak walk sends hundreds of large generated documents: their validation may take more than
    # the production CPU budget on a loaded machine, which would refuse a document instead of running it.
    settings = services_stack.gateway_settings(
        tmp_path_factory.mktemp("gw-e2e"), subscriptions_enabled=False, graphql_validation_budget_ms=30_000
    )
    tag = f"e{uuid.uuid4().hex[:5]}"
    with TestClient(create_app(settings)) as client:
        course = Course(client, settings.jwt_secret, tag)
        roster = "\n".join(f"{s},Student {s},{s}@student.dtu.dk,student,msc" for s in course.students)
        imported = client.post(
            "/v1/roster/import",
            content="id,name,email,roles,programme\n" + roster,
            headers={**course.headers("t-admin", "admin"), "content-type": "text/csv"},
        )
        assert imported.status_code == 200
        # The teacher announces lab 1 (set-up through the service's own API; students use GraphQL only).
        now = datetime.now(UTC)
        deadline = now + timedelta(seconds=DEADLINE_IN_S)
        made = httpx.put(
            f"{services_stack.urls['submissions']}/v1/assignments/{course.assignment_id}",
            json={
                "kind": "lab",
                "title": "Lab 1",
                "lab_number": 1,
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "deadline": deadline.isoformat(),
            },
            headers=course.headers("t-ole", "teacher"),
            timeout=30,
        )
        assert made.status_code in (200, 201), made.text
        for student in course.students:
            course.hand_ins[student] = _hand_in(course, student, course.assignment_id)
        course.deadline = deadline
        yield course


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_hand_in_flow_through_graphql(course) -> None:
    student = course.students[0]
    mine = course.gql(student, MY_HAND_INS)["data"]["me"]["handIns"]
    assert mine["totalCount"] == 1
    node = mine["edges"][0]["node"]
    confirmed = course.hand_ins[student]
    assert node["id"] == confirmed["submission"]["id"] and node["status"] == "HANDED_IN"
    assert node["receipt"] == {
        "sha256": confirmed["receipt"]["sha256"],
        "version": 1,
        "signature": confirmed["receipt"]["signature"],
    }
    # Before the deadline there are no review tasks; after it, exactly k = 3 each.
    remaining = (course.deadline - datetime.now(UTC)).total_seconds()
    if remaining > 2:
        assert course.gql(student, MY_TASKS)["data"]["me"]["reviewTasks"]["totalCount"] == 0

    def tasks_of(who: str):
        body = course.gql(who, MY_TASKS)
        assert "errors" not in body, body
        conn = body["data"]["me"]["reviewTasks"]
        return conn if conn["totalCount"] == 3 else None

    for who in course.students:
        conn = _wait_for(lambda who=who: tasks_of(who), timeout=remaining + 90, what=f"{who}'s review tasks")
        tasks = [e["node"] for e in conn["edges"]]
        assert {t["assignmentId"] for t in tasks} == {course.assignment_id}
        assert all(t["state"] == "TODO" and t["windowOpen"] for t in tasks)
    # Cursor pagination over the tasks.
    first_page = course.gql(
        student,
        """{ me { reviewTasks(first: 2) { pageInfo { hasNextPage endCursor }
        edges { node { taskToken } } } } }""",
    )["data"]["me"]["reviewTasks"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    rest = course.gql(
        student,
        """query($after: String) { me { reviewTasks(first: 2, after: $after) {
        pageInfo { hasNextPage } edges { node { taskToken } } } } }""",
        {"after": first_page["pageInfo"]["endCursor"]},
    )["data"]["me"]["reviewTasks"]
    assert rest["pageInfo"]["hasNextPage"] is False and len(rest["edges"]) == 1
    tokens = [e["node"]["taskToken"] for e in first_page["edges"] + rest["edges"]]
    assert len(set(tokens)) == 3


TASK_NOTEBOOKS = """{ me { reviewTasks { edges { node { taskToken notebook { url fileName expiresAt } } } } } }"""
MY_DOWNLOADS = """{ me { handIns { edges { node {
    versions { version sha256 download { url fileName expiresAt } } } } } } }"""


def _notebooks_ready(course: Course, reviewer: str) -> list[dict] | None:
    """The reviewer's three tasks once each has its notebook (submissions learns of an allocation
    from review's event, a moment after review shows the task)."""
    body = course.gql(reviewer, TASK_NOTEBOOKS)
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["me"]["reviewTasks"]["edges"]]
    return nodes if len(nodes) == 3 and all(n["notebook"] for n in nodes) else None


def test_reviewers_download_anonymised_notebooks_and_owners_their_own(course) -> None:
    reviewer = course.students[3]
    nodes = _wait_for(lambda: _notebooks_ready(course, reviewer), 120, "the review tasks' notebooks")
    originals = {hashlib.sha256(notebook(s)).hexdigest() for s in course.students}
    for node in nodes:
        link = node["notebook"]
        assert link is not None and link["fileName"] == f"EXE_{node['taskToken']}.ipynb"
        assert datetime.fromisoformat(link["expiresAt"]) > datetime.now(UTC)
        fetched = httpx.get(link["url"], timeout=30)
        assert fetched.status_code == 200, fetched.text
        assert f"EXE_{node['taskToken']}.ipynb" in fetched.headers.get("content-disposition", "")
        assert hashlib.sha256(fetched.content).hexdigest() not in originals  # a copy, not the hand-in
        copy = json.loads(fetched.content)
        assert copy["nbformat"] == 4 and copy["cells"][0]["source"] == "print(42)"
        assert "/home/anon/lab1.py" in copy["cells"][0]["outputs"][0]["text"]
        assert "authors" not in copy["metadata"]
        # Nobody is named: neither the author nor any other student.
        named = [s for s in course.students if s in fetched.text]
        assert not named, (named, fetched.text)
    # GraphQL reaches a notebook only through the caller's own tasks; a task named by another
    # reviewer's token is refused, so no notebook comes with it.
    other = next(s for s in course.students if s != reviewer)
    stolen = course.gql(
        other,
        """mutation($input: ReviewInput!) { saveReview(input: $input) {
        task { notebook { url } } errors { code } } }""",
        {"input": {"taskToken": nodes[0]["taskToken"], "scores": [], "answers": []}},
    )
    assert stolen["data"]["saveReview"]["task"] is None and stolen["data"]["saveReview"]["errors"]

    # The owner downloads their own hand-in, byte for byte.
    owner = course.students[4]
    versions = [
        v for e in course.gql(owner, MY_DOWNLOADS)["data"]["me"]["handIns"]["edges"] for v in e["node"]["versions"]
    ]
    assert len(versions) == 1 and versions[0]["download"]["fileName"] == "week1-EXE.ipynb"
    own = httpx.get(versions[0]["download"]["url"], timeout=30)
    assert own.status_code == 200 and own.content == notebook(owner)
    assert hashlib.sha256(own.content).hexdigest() == versions[0]["sha256"]
    # Staff get the same link through a student's record.
    record = course.gql(
        "t-ole",
        """query($id: ID!) { studentRecord(studentId: $id) {
        handIns { versions { download { fileName url } } } } }""",
        {"id": owner},
        "teacher",
    )
    staff_link = record["data"]["studentRecord"]["handIns"][0]["versions"][0]["download"]
    assert httpx.get(staff_link["url"], timeout=30).content == notebook(owner)


TASKS_WITH_RUBRIC = """{ me { reviewTasks { edges { node { taskToken state
    rubric { criteria { key minScore maxScore } questions { key required } } } } } } }"""
SAVE = """mutation($input: ReviewInput!) { saveReview(input: $input) {
    task { taskToken state scores { key value } answers { key text } } errors { code field message } } }"""
SUBMIT = """mutation($input: ReviewInput!) { submitReview(input: $input) {
    task { taskToken state submittedAt } errors { code field message } } }"""
RECEIVED = """{ me { receivedReviews { totalCount edges { node { id labNumber scores { key value }
    answers { key text } myReaction { helpfulness } flaggedByMe } } } } }"""


def _review_input(task: dict, text: str) -> dict:
    rubric = task["rubric"]
    return {
        "taskToken": task["taskToken"],
        "scores": [{"key": c["key"], "value": c["maxScore"]} for c in rubric["criteria"]],
        "answers": [{"key": q["key"], "text": text} for q in rubric["questions"]],
    }


def test_reviews_reactions_flags_and_verdicts_through_graphql(course) -> None:
    reviewer = course.students[0]
    _wait_for(lambda: course.gql(reviewer, TASKS_WITH_RUBRIC)["data"]["me"]["reviewTasks"]["edges"], 120, "tasks")
    tasks = [e["node"] for e in course.gql(reviewer, TASKS_WITH_RUBRIC)["data"]["me"]["reviewTasks"]["edges"]]
    marker = f"clear and well argued {uuid.uuid4().hex[:6]}"
    saved = course.gql(reviewer, SAVE, {"input": _review_input(tasks[0], marker)})["data"]["saveReview"]
    assert saved["errors"] == [] and saved["task"]["state"] == "DRAFT"
    submitted = course.gql(reviewer, SUBMIT, {"input": _review_input(tasks[0], marker)})["data"]["submitReview"]
    assert submitted["errors"] == [] and submitted["task"]["state"] == "SUBMITTED"
    # A review with a missing required answer is an expected failure: a typed error, not an exception.
    incomplete = {**_review_input(tasks[1], "x"), "answers": []}
    refused = course.gql(reviewer, SUBMIT, {"input": incomplete})
    assert "errors" not in refused and refused["data"]["submitReview"]["task"] is None
    assert refused["data"]["submitReview"]["errors"][0]["code"]

    # Exactly one other student received it, without learning who wrote it.
    received = {s: course.gql(s, RECEIVED)["data"]["me"]["receivedReviews"] for s in course.students}
    authors = [s for s, conn in received.items() if conn["totalCount"] == 1]
    assert len(authors) == 1 and authors[0] != reviewer
    author = authors[0]
    review = received[author]["edges"][0]["node"]
    assert {a["text"] for a in review["answers"]} == {marker}
    assert reviewer not in json.dumps(received[author])
    reacted = course.gql(
        author,
        """mutation($id: ID!) { reactToReview(input: {reviewId: $id, helpfulness: 5,
        comment: "thanks"}) { reaction { helpfulness } errors { code } } }""",
        {"id": review["id"]},
    )
    assert reacted["data"]["reactToReview"] == {"reaction": {"helpfulness": 5}, "errors": []}
    flagged = course.gql(
        author,
        """mutation($id: ID!) { flagReview(input: {reviewId: $id, reason: OTHER,
        comment: "testing"}) { flag { recorded } errors { code } } }""",
        {"id": review["id"]},
    )
    assert flagged["data"]["flagReview"] == {"flag": {"recorded": True}, "errors": []}
    mine = course.gql(author, RECEIVED)["data"]["me"]["receivedReviews"]["edges"][0]["node"]
    assert mine["myReaction"] == {"helpfulness": 5} and mine["flaggedByMe"] is True

    # Verdicts: a student may not; a teacher may, and only the student concerned sees the comment.
    judged, other = course.students[1], course.students[2]
    verdict_mutation = """mutation($input: SetVerdictInput!) { setVerdict(input: $input) {
        verdict { labNumber verdict comment } errors { code message } } }"""
    verdict_input = {"input": {"studentId": judged, "labNumber": 1, "verdict": "FAIL", "comment": "Exercise 3 missing"}}
    by_student = course.gql(other, verdict_mutation, verdict_input)["data"]["setVerdict"]
    assert by_student["verdict"] is None and by_student["errors"][0]["code"] == "forbidden"
    by_teacher = course.gql("t-ole", verdict_mutation, verdict_input, "teacher")["data"]["setVerdict"]
    assert by_teacher["errors"] == [] and by_teacher["verdict"]["verdict"] == "FAIL"
    labs = course.gql(judged, "{ me { labs { labNumber status verdict verdictComment } eligibility { status } } }")
    lab1 = next(lab for lab in labs["data"]["me"]["labs"] if lab["labNumber"] == 1)
    assert lab1 == {"labNumber": 1, "status": "FAILED", "verdict": "FAIL", "verdictComment": "Exercise 3 missing"}
    assert labs["data"]["me"]["eligibility"]["status"] in ("UNDECIDED", "NOT_ELIGIBLE")

    # Staff views.
    record = course.gql(
        "t-ole",
        """query($id: ID!) { studentRecord(studentId: $id) { student { id email }
        labs { labNumber verdictComment } verdicts { verdict comment setBy } handIns { id } } }""",
        {"id": judged},
        "teacher",
    )["data"]["studentRecord"]
    assert record["student"]["email"] == f"{judged}@student.dtu.dk"
    assert record["verdicts"][0]["comment"] == "Exercise 3 missing" and len(record["handIns"]) == 1
    overview = course.gql(
        "t-ole",
        """{ labOverview(labNumber: 1) { handedIn allocatedTasks reviewsSubmitted
        students(first: 100) { edges { node { student { id } status { status } handIn { id } } } } } }""",
        None,
        "teacher",
    )["data"]["labOverview"]
    assert overview["handedIn"] >= STUDENTS and overview["reviewsSubmitted"] >= 1
    rows = {e["node"]["student"]["id"]: e["node"] for e in overview["students"]["edges"]}
    assert rows[judged]["status"]["status"] == "FAILED" and rows[judged]["handIn"]["id"]
    export = course.gql("t-ole", "{ labOverviewExport(labNumber: 1) }", None, "teacher")["data"]["labOverviewExport"]
    assert export["overview"]["handed_in"] == overview["handedIn"]
    exported = {row["student_id"]: row["lab"] for row in export["students"]}
    assert exported[judged]["status"] == "failed" and exported[judged]["lab_number"] == 1

    # After the deadline, new hand-ins and withdrawals are typed errors with the service's code.
    late = course.gql(
        other,
        START,
        {"input": {"assignmentId": course.assignment_id, "fileName": "x-EXE.ipynb", "size": 10, "sha256": "0" * 64}},
    )["data"]["startHandIn"]
    assert late["upload"] is None and late["errors"][0]["code"] == "deadline_passed"
    withdraw = course.gql(
        other,
        """mutation($id: ID!) { withdrawHandIn(submissionId: $id) {
        submission { id } errors { code } } }""",
        {"id": course.hand_ins[other]["submission"]["id"]},
    )
    assert withdraw["data"]["withdrawHandIn"]["submission"] is None
    assert withdraw["data"]["withdrawHandIn"]["errors"][0]["code"] == "deadline_passed"


# --- a student can never read another student's data, through any field ----------------------


def test_a_student_never_reads_another_students_data(course, services_stack, schema_operations, without_echoes) -> None:
    from peerlab.gateway.graphql.schema import build_schema
    from peerlab.gateway.settings import GatewaySettings

    attacker, victim = course.students[2], course.students[1]
    victim_submission = course.hand_ins[victim]["submission"]["id"]
    # The victim has a failed lab with a comment (set by a teacher here if the test runs alone).
    course.gql(
        "t-ole",
        """mutation { setVerdict(input: {studentId: "%s", labNumber: 1, verdict: FAIL,
        comment: "Exercise 3 missing"}) { errors { code } } }"""
        % victim,
        None,
        "teacher",
    )
    secrets = {
        victim,
        victim_submission,
        f"{victim}@student.dtu.dk",
        f"Student {victim}",
        "Exercise 3 missing",
        course.hand_ins[victim]["receipt"]["sha256"],
        course.hand_ins[victim]["receipt"]["signature"],
        *[s for s in course.students if s != attacker],
    }
    # The attacker's review tasks and their notebooks exist (so they are among what is enumerated).
    _wait_for(lambda: _notebooks_ready(course, attacker), 120, "the attacker's review tasks' notebooks")
    schema = build_schema(GatewaySettings(environment="test"))._schema
    operations = [
        op for kind in ("query", "mutation") for op in schema_operations(schema, kind, [victim, victim_submission])
    ]
    assert len(operations) >= 2 * (len(schema.query_type.fields) + len(schema.mutation_type.fields))
    checked, files = 0, {}
    for operation in operations:
        response = course.client.post("/graphql", json={"query": operation}, headers=course.headers(attacker))
        body = response.json()
        assert response.status_code == 200, (operation, body)
        # Only execution errors (with a path): a document refused by validation would prove nothing.
        assert all("path" in e for e in body.get("errors", [])), (operation, body["errors"])
        data = without_echoes(json.dumps(body.get("data")), [victim, victim_submission])
        leaked = [s for s in secrets if s in data]
        assert not leaked, (operation, leaked, data[:500])
        # What a link in the answer serves must not name anyone else either (each file once).
        for url in re.findall(r'"url": "([^"]+)"', data):
            path = httpx.URL(url).path
            if path not in files:
                files[path] = httpx.get(url, timeout=30)
                leaked = [s for s in secrets if s in files[path].text]
                assert not leaked, (operation, path, leaked)
        checked += 1
    assert checked == len(operations)
    served = [path for path, response in files.items() if response.status_code == 200]
    assert sum("/anonymised/" in path for path in served) == 3, files  # the attacker's three tasks
    assert any("/anonymised/" not in path for path in served), files  # and their own hand-in


def _events_about(student: str, tag: str) -> dict[str, Envelope]:
    """One event per subscription field, about ``student``."""
    now = datetime.now(UTC)
    allocated = ReviewAllocatedV1(
        allocation_id=f"al-{tag}",
        round_id="r-x",
        assignment_id="a-x",
        submission_id="s-x",
        reviewer_id=student,
        task_token=f"tok-{tag}",
        due_at=now,
    )
    verdict = LabVerdictSetV1(
        student_id=student, assignment_id=f"a-{tag}", lab_number=3, verdict="fail", set_by="t-ole", set_at=now
    )
    eligibility = EligibilityChangedV1(
        student_id=student,
        status="not_eligible",
        labs_passed=int(tag == "mine"),
        labs_open=0,
        threshold=6,
        changed_at=now,
    )
    cancelled = ReviewAllocationCancelledV1(
        allocation_id=f"al-{tag}",
        round_id="r-x",
        assignment_id=f"a-{tag}",
        submission_id="s-x",
        reviewer_id=student,
        task_token=f"tok-{tag}",
        reason="rerun",
        cancelled_at=now,
    )
    # A booking page is the same for everyone: the other group's booking shows as places, never as a group.
    booked = ExamBookedV1(
        booking_id=f"b-{tag}-{student}",
        group_id=f"g-{tag}-{student}",
        slot_start=now,
        slot_end=now,
        slots=[SlotPlaces(slot_id="sl-leak", exam_day_id="d-leak", free_places=int(tag == "mine"))],
    )

    def wrap(e: object) -> Envelope:
        return Envelope.wrap(e, source="review", subject=student, course_id="02456-2021")

    return {
        "myReviewTaskAllocated": wrap(allocated),
        "myLabStatusChanged": wrap(verdict),
        "myEligibilityChanged": wrap(eligibility),
        "myTasks": wrap(cancelled),
        "bookingSlotsChanged": wrap(booked),
    }


_SUBSCRIPTION_ARGS = {"bookingSlotsChanged": '(examDayId: "d-leak")'}


def test_subscriptions_never_carry_another_students_events(services_stack, tmp_path_factory, schema_selection) -> None:
    from peerlab.chassis.kafka import make_producer
    from peerlab.gateway.graphql.schema import build_schema
    from peerlab.gateway.settings import GatewaySettings

    schema = build_schema(GatewaySettings(environment="test"))._schema
    attacker, victim = f"a{uuid.uuid4().hex[:6]}", f"v{uuid.uuid4().hex[:6]}"
    theirs, mine = _events_about(victim, "theirs"), _events_about(attacker, "mine")
    assert set(mine) == set(schema.subscription_type.fields), "every subscription needs an event here"
    settings = services_stack.gateway_settings(tmp_path_factory.mktemp("gw-subs"), subscriptions_enabled=True)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.services.hub.ready.wait(30)
        token = mint_dev_token(sub=attacker, roles=["student"], secret=settings.jwt_secret)
        sockets = []
        try:
            for name in mine:
                ws = client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]).__enter__()
                sockets.append((name, ws))
                ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
                assert ws.receive_json()["type"] == "connection_ack"
                selection = schema_selection(schema.subscription_type.fields[name].type, 2)
                call = name + _SUBSCRIPTION_ARGS.get(name, "")
                ws.send_json(
                    {"id": "1", "type": "subscribe", "payload": {"query": f"subscription {{ {call} {selection} }}"}}
                )
            _wait_for(lambda: client.app.state.services.hub.subscriber_count() == len(mine), 10, "subscribers")
            producer = make_producer(settings.kafka_bootstrap, client_id="test-leaks")
            for envelope in [*theirs.values(), *mine.values()]:  # the victim's first
                topic = "peerlab.scheduling" if envelope.type.startswith("exam.") else "peerlab.review"
                producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes()).get(15)
            producer.close(timeout=5)
            for name, ws in sockets:
                message = ws.receive_json()
                assert message["type"] == "next", message
                text = json.dumps(message)
                assert victim not in text and "theirs" not in text and "a-theirs" not in text, (name, message)
                if name == "myTasks":
                    assert message["payload"]["data"][name]["taskToken"] == "tok-mine"
                if name == "myReviewTaskAllocated":
                    assert message["payload"]["data"][name]["taskToken"] == "tok-mine"
                if name == "myEligibilityChanged":
                    assert message["payload"]["data"][name]["labsPassed"] == 1
        finally:
            for _, ws in sockets:
                ws.__exit__(None, None, None)
