"""Over the real broker (tansu): events published with kafka-python reach the review worker's
consumer, the relay publishes what the service emits, duplicates have one effect, and
concurrent workers handling the same close allocate once."""

import dataclasses
import threading
import time
from datetime import timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer
from review_testkit import closed, hand_in, lab_assignment, make_stack, new_event_id, now, students

from peerlab.chassis.db import make_engine
from peerlab.chassis.inbox import InboxEntry
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics
from peerlab.review.allocation import verify
from peerlab.review.events.handlers import consumer_spec
from peerlab.review.models import AllocationRow, AllocationRunRow, SubmissionRow

pytestmark = pytest.mark.dialect_sensitive  # two workers race on one close


def _publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_block_ms=10000)
    try:
        for env in envelopes:
            producer.send(topics.SUBMISSIONS, key=env.subject.encode(), value=env.to_bytes()).get(timeout=15)
    finally:
        producer.close()


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def _read_topic(bootstrap: str, topic: str, expected: int, timeout_ms: int = 20000) -> list[Envelope]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{new_event_id()[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        consumer_timeout_ms=timeout_ms,
    )
    out = []
    try:
        for message in consumer:
            out.append(Envelope.from_bytes(message.value))
            if len(out) >= expected:
                break
    finally:
        consumer.close()
    return out


def _run(stack, specs, engines, *, relay: bool):
    stop = threading.Event()
    threads = []
    for i, (spec, engine) in enumerate(zip(specs, engines, strict=True)):
        threads += start_worker_threads(
            settings=stack.settings, engine=engine, stop=stop, consumers=[spec], run_relay=relay and i == 0
        )
    return stop, threads


def _stop(stop, threads):
    stop.set()
    for t in threads:
        t.join(timeout=15)


def test_events_from_the_broker_are_applied_once_and_allocations_are_relayed(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    with make_stack(fresh_database_url("review_kafka"), kafka_bootstrap=broker.bootstrap) as stack:
        deadline = now() - timedelta(minutes=1)
        people = students(10)
        wrap = stack.envelope
        received = [wrap(hand_in(p, 1, at=deadline - timedelta(hours=1)), subject=f"s-1-{p}") for p in people]
        envelopes = [
            wrap(lab_assignment(1, deadline=deadline), subject="a-lab-1"),
            *received,
            received[0],  # the same envelope (same id) delivered twice
            wrap(closed(1, people, deadline=deadline), subject="a-lab-1"),
        ]
        _publish(broker.bootstrap, envelopes)
        stop, threads = _run(stack, [consumer_spec(stack.settings)], [stack.engine], relay=True)
        try:
            _wait(lambda: stack.count(AllocationRow) == 30 and stack.count(InboxEntry) == 12)
            published = _read_topic(broker.bootstrap, topics.REVIEW, 30)
        finally:
            _stop(stop, threads)
        assert stack.count(SubmissionRow) == 10
        assert stack.count(InboxEntry, InboxEntry.event_id == received[0].id) == 1
        allocated = [e for e in published if e.type == "review.allocated.v1"]
        assert len(allocated) == 30
        verify([(e.data["reviewer_id"], e.data["submission_id"].rsplit("-", 1)[-1]) for e in allocated], people, k=3)


def test_two_workers_handling_the_same_close_concurrently_allocate_once(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    with make_stack(fresh_database_url("review_kafka_race"), kafka_bootstrap=broker.bootstrap) as stack:
        deadline = now() - timedelta(minutes=1)
        people = students(200)
        wrap = stack.envelope
        close = closed(1, people, deadline=deadline)
        # the close arrives twice under two ids (e.g. a re-emitted event), each seen by two worker groups
        _publish(
            broker.bootstrap,
            [
                wrap(lab_assignment(1, deadline=deadline), subject="a-lab-1"),
                wrap(close, subject="a-lab-1"),
                wrap(close, subject="a-lab-1"),
            ],
        )
        spec = consumer_spec(stack.settings)
        specs = [dataclasses.replace(spec, name="review-a"), dataclasses.replace(spec, name="review-b")]
        engines = [stack.engine, make_engine(stack.settings)]
        stop, threads = _run(stack, specs, engines, relay=False)
        try:
            _wait(lambda: stack.count(InboxEntry) == 6, timeout=90)
        finally:
            _stop(stop, threads)
            engines[1].dispose()
        assert stack.count(AllocationRunRow) == 1
        assert stack.count(AllocationRow) == 600
        assert len(stack.outbox("review.allocated.v1")) == 600
        with stack.session() as s:
            pairs = [(a.reviewer_id, a.reviewee_id) for a in s.query(AllocationRow)]
        verify(pairs, people, k=3)
