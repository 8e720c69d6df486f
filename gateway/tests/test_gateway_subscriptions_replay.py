"""Subscriptions that survive a reconnect, over the real broker: ``myTasks`` (allocations and
cancellations, the caller's only) and ``bookingSlotsChanged`` (free places of one exam day) replay
what a client missed since its last ``eventId``, or start with a ``Resync`` when that is out of reach."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.kafka import make_producer
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import ReviewAllocatedV1, ReviewAllocationCancelledV1
from peerlab.contracts.events.scheduling import ExamBookedV1, ExamBookingCancelledV1, SlotPlaces
from peerlab.gateway.main import create_app

PROTOCOL = "graphql-transport-ws"
TASKS = """subscription($last: String) { myTasks(lastEventId: $last) {
  __typename
  ... on TaskAllocated { eventId taskToken }
  ... on TaskCancelled { eventId taskToken reason }
  ... on Resync { eventId reason } } }"""
SLOTS = """subscription($day: ID!, $last: String) { bookingSlotsChanged(examDayId: $day, lastEventId: $last) {
  __typename
  ... on BookingSlotsChanged { eventId examDayId slots { slotId freePlaces revision } }
  ... on Resync { eventId reason } } }"""


def _publish(bootstrap: str, *envelopes: Envelope) -> None:
    producer = make_producer(bootstrap, client_id="test-replay")
    for envelope in envelopes:
        producer.send(_topic(envelope), key=envelope.subject.encode(), value=envelope.to_bytes()).get(timeout=15)
    producer.close(timeout=5)


def _topic(envelope: Envelope) -> str:
    return "peerlab.scheduling" if envelope.type.startswith("exam.") else "peerlab.review"


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


def _cancelled(reviewer: str, token: str) -> Envelope:
    event = ReviewAllocationCancelledV1(
        allocation_id=f"al-{token}",
        round_id="r-lab-1",
        assignment_id="a-lab-1",
        submission_id="s-0001",
        reviewer_id=reviewer,
        task_token=token,
        reason="flagged",
        cancelled_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="review", subject=f"al-{token}", course_id="02456-2021")


def _booked(group: str, *places: tuple[str, str, int, int]) -> Envelope:
    event = ExamBookedV1(
        booking_id=f"b-{group}",
        group_id=group,
        slot_start=datetime.now(UTC),
        slot_end=datetime.now(UTC),
        slots=[SlotPlaces(slot_id=s, exam_day_id=d, free_places=n, revision=r) for s, d, n, r in places],
    )
    return Envelope.wrap(event, source="scheduling", subject=group, course_id="02456-2021")


def _unbooked(group: str, slot: str, day: str, free: int, revision: int) -> Envelope:
    event = ExamBookingCancelledV1(
        booking_id=f"b-{group}",
        group_id=group,
        cancelled_at=datetime.now(UTC),
        slots=[SlotPlaces(slot_id=slot, exam_day_id=day, free_places=free, revision=revision)],
    )
    return Envelope.wrap(event, source="scheduling", subject=group, course_id="02456-2021")


def _open(ws, token: str, query: str, variables: dict) -> None:
    ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})


def _next(ws, field: str) -> dict:
    message = ws.receive_json()
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"][field]


def _wait(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _live(make_settings, **overrides):
    settings = make_settings(subscriptions_enabled=True, **overrides)
    client = TestClient(create_app(settings))
    return client, settings


@pytest.fixture
def live(make_settings):
    client, settings = _live(make_settings)
    with client:
        assert client.app.state.services.hub.ready.wait(30), "the fan-out consumer did not start"
        yield client, settings


@pytest.mark.timeout(120)
def test_a_reconnecting_client_gets_the_tasks_it_missed_and_only_its_own(live, token) -> None:
    client, settings = live
    hub = client.app.state.services.hub
    ada, alan = f"s{uuid.uuid4().hex[:6]}", f"s{uuid.uuid4().hex[:6]}"
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _open(ws, token(ada), TASKS, {})
        _wait(lambda: hub.subscriber_count() == 1)
        _publish(settings.kafka_bootstrap, _allocated(alan, "t-alan-1"), _allocated(ada, "t-ada-1"))
        first = _next(ws, "myTasks")
        assert first["__typename"] == "TaskAllocated" and first["taskToken"] == "t-ada-1"
    _wait(lambda: hub.subscriber_count() == 0)
    # While Ada is away: her task is withdrawn, Alan gets one, she gets a new one.
    _publish(
        settings.kafka_bootstrap, _cancelled(ada, "t-ada-1"), _allocated(alan, "t-alan-2"), _allocated(ada, "t-ada-2")
    )
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _open(ws, token(ada), TASKS, {"last": first["eventId"]})
        missed = [_next(ws, "myTasks"), _next(ws, "myTasks")]
        assert [(m["__typename"], m["taskToken"]) for m in missed] == [
            ("TaskCancelled", "t-ada-1"),
            ("TaskAllocated", "t-ada-2"),
        ]
        assert missed[0]["reason"] == "flagged"
        _publish(settings.kafka_bootstrap, _allocated(ada, "t-ada-3"))  # then live, nothing doubled
        assert _next(ws, "myTasks")["taskToken"] == "t-ada-3"
    # Reconnecting from the middle of the replay resumes after it: exactly the later ones again.
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _open(ws, token(ada), TASKS, {"last": missed[0]["eventId"]})
        assert _next(ws, "myTasks")["taskToken"] == "t-ada-2"
        assert _next(ws, "myTasks")["taskToken"] == "t-ada-3"


@pytest.mark.timeout(120)
def test_too_far_back_or_a_foreign_event_id_is_a_resync_and_garbage_is_refused(make_settings, token) -> None:
    client, settings = _live(make_settings, subscription_max_replay=2)
    ada = f"s{uuid.uuid4().hex[:6]}"
    with client:
        hub = client.app.state.services.hub
        assert hub.ready.wait(30)
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            _open(ws, token(ada), TASKS, {})
            _wait(lambda: hub.subscriber_count() == 1)
            _publish(settings.kafka_bootstrap, _allocated(ada, "t-1"))
            seen = _next(ws, "myTasks")
        _publish(settings.kafka_bootstrap, *[_allocated(ada, f"t-{n}") for n in range(2, 6)])
        _wait(lambda: _behind(hub, seen["eventId"]) >= 4)  # the hub has read them: they are "missed"
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            _open(ws, token(ada), TASKS, {"last": seen["eventId"]})
            resync = _next(ws, "myTasks")
            assert resync["__typename"] == "Resync" and resync["reason"] == "too_old"
            _publish(settings.kafka_bootstrap, _allocated(ada, "t-6"))  # live goes on after the resync
            assert _next(ws, "myTasks")["taskToken"] == "t-6"
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:  # a position ahead of the stream
            ahead = hub_event_id_ahead(resync["eventId"])
            _open(ws, token(ada), TASKS, {"last": ahead})
            assert _next(ws, "myTasks")["reason"] == "unknown_position"
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            _open(ws, token(ada), TASKS, {"last": "not-an-event-id"})
            message = ws.receive_json()
            assert message["type"] in ("next", "error"), message
            errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
            assert errors[0]["extensions"]["code"] == "invalid_event_id"


def _behind(hub, event_id: str) -> int:
    from peerlab.gateway.events.replay import decode_positions

    seen = decode_positions(event_id)
    return sum(offset - seen[tp] for tp, offset in hub.positions().items() if tp in seen)


def hub_event_id_ahead(event_id: str) -> str:
    from peerlab.gateway.events.replay import decode_positions, encode_positions

    return encode_positions({tp: offset + 1000 for tp, offset in decode_positions(event_id).items()})


@pytest.mark.timeout(120)
def test_booking_pages_see_free_places_of_their_day_and_catch_up_in_true_order(live, token) -> None:
    client, settings = live
    hub = client.app.state.services.hub
    day, other = f"d-{uuid.uuid4().hex[:6]}", f"d-{uuid.uuid4().hex[:6]}"
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _open(ws, token("s210001"), SLOTS, {"day": day})
        _wait(lambda: hub.subscriber_count() == 1)
        _publish(settings.kafka_bootstrap, _booked("g-9", ("sl-x", other, 0, 1)), _booked("g-1", ("sl-1", day, 1, 1)))
        first = _next(ws, "bookingSlotsChanged")
        assert first["examDayId"] == day and first["slots"] == [{"slotId": "sl-1", "freePlaces": 1, "revision": 1}]
        assert "g-1" not in str(first)  # no group ids on a page every student sees
    # While the page was closed: g-2 moved in from another day (sl-1 full, revision 2), then g-1
    # cancelled (one place free again, revision 3). Keyed by group, the two events sit in different
    # partitions, so a reader may meet the cancellation first; published here in that order (into
    # one partition, so the test sees it every time).
    moved = _booked("g-2", ("sl-1", day, 0, 2), ("sl-x", other, 1, 2))
    cancelled = _unbooked("g-1", "sl-1", day, 1, 3)
    _publish(settings.kafka_bootstrap, cancelled, moved.model_copy(update={"subject": cancelled.subject}))
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _open(ws, token("s210002"), SLOTS, {"day": day, "last": first["eventId"]})
        caught_up = _next(ws, "bookingSlotsChanged")
        _publish(settings.kafka_bootstrap, _booked("g-3", ("sl-1", day, 0, 4)))  # then live
        live_item = _next(ws, "bookingSlotsChanged")
        # The older snapshot (revision 2: no place) never follows the newer one (revision 3: one place).
        assert [caught_up["slots"], live_item["slots"]] == [
            [{"slotId": "sl-1", "freePlaces": 1, "revision": 3}],
            [{"slotId": "sl-1", "freePlaces": 0, "revision": 4}],
        ]


def test_subscriptions_need_a_token(live) -> None:
    client, _ = live
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive()["code"] == 4403
