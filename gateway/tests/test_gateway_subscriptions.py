"""Subscriptions over graphql-transport-ws, fed from the real broker, filtered per user."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.kafka import make_producer
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import LabVerdictSetV1, ReviewAllocatedV1
from peerlab.gateway.main import create_app

PROTOCOL = "graphql-transport-ws"


def _publish(bootstrap: str, *envelopes: Envelope) -> None:
    producer = make_producer(bootstrap, client_id="test-subscriptions")
    for envelope in envelopes:
        producer.send("peerlab.review", key=envelope.subject.encode(), value=envelope.to_bytes()).get(timeout=15)
    producer.close(timeout=5)


def _allocated(reviewer: str, token: str) -> Envelope:
    event = ReviewAllocatedV1(
        allocation_id=f"al-{token}",
        round_id="r-lab-1",
        assignment_id="a-lab-1",
        submission_id="s-0001",
        reviewer_id=reviewer,
        task_token=token,
        due_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="review", subject=f"al-{token}", course_id="02456-2021")


def _verdict(student: str, verdict: str) -> Envelope:
    event = LabVerdictSetV1(
        student_id=student,
        assignment_id="a-lab-2",
        lab_number=2,
        verdict=verdict,
        set_by="t-ole",
        set_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="review", subject=student, course_id="02456-2021")


def _subscribe(ws, token: str, query: str, sub_id: str = "1") -> None:
    ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": sub_id, "type": "subscribe", "payload": {"query": query}})


@pytest.fixture
def live_client(make_settings):
    settings = make_settings(subscriptions_enabled=True)
    with TestClient(create_app(settings)) as client:
        hub = client.app.state.services.hub
        assert hub.ready.wait(30), "the fan-out consumer did not start"
        yield client, settings


def test_my_review_tasks_arrive_and_nobody_elses(live_client, token) -> None:
    client, settings = live_client
    ada, alan = f"s{uuid.uuid4().hex[:6]}", f"s{uuid.uuid4().hex[:6]}"
    query = "subscription { myReviewTaskAllocated { taskToken assignmentId dueAt } }"
    with (
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws_ada,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws_alan,
    ):
        _subscribe(ws_ada, token(ada), query)
        _subscribe(ws_alan, token(alan), query)
        hub = client.app.state.services.hub
        _wait(lambda: hub.subscriber_count() == 2)
        # Alan's task first, then Ada's: Ada's socket must show only hers.
        _publish(settings.kafka_bootstrap, _allocated(alan, "tok-alan"), _allocated(ada, "tok-ada"))
        message = ws_ada.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["myReviewTaskAllocated"]["taskToken"] == "tok-ada"
        message = ws_alan.receive_json()
        assert message["payload"]["data"]["myReviewTaskAllocated"]["taskToken"] == "tok-alan"


def test_my_lab_status_changes_arrive(live_client, token) -> None:
    client, settings = live_client
    ada, other = f"s{uuid.uuid4().hex[:6]}", f"s{uuid.uuid4().hex[:6]}"
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _subscribe(ws, token(ada), "subscription { myLabStatusChanged { labNumber verdict origin } }")
        _wait(lambda: client.app.state.services.hub.subscriber_count() == 1)
        _publish(settings.kafka_bootstrap, _verdict(other, "fail"), _verdict(ada, "pass"))
        message = ws.receive_json()
        assert message["payload"]["data"]["myLabStatusChanged"] == {
            "labNumber": 2,
            "verdict": "PASS",
            "origin": "teacher",
        }


def test_a_socket_without_a_valid_token_is_refused(live_client) -> None:
    client, _ = live_client
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}})
        message = ws.receive()
        assert message["type"] == "websocket.close" and message["code"] == 4403
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive()["code"] == 4403


def _wait(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.mark.timeout(60)  # without the limit the refusal never comes and receive_json waits
def test_subscriptions_per_connection_are_limited(live_client, token) -> None:
    """Each subscription holds a queue in the fan-out: one connection may not open more than 10."""
    client, _ = live_client
    query = "subscription { myLabStatusChanged { labNumber } }"
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _subscribe(ws, token("s-many"), query, sub_id="0")
        for n in range(1, 11):
            ws.send_json({"id": str(n), "type": "subscribe", "payload": {"query": query}})
        hub = client.app.state.services.hub
        _wait(lambda: hub.subscriber_count() == 10)
        message = ws.receive_json()
    assert message["type"] == "error" and message["id"] == "10", message
    assert message["payload"][0]["message"] == "Subscription limit reached"
