"""The outbox/inbox guarantees over a real broker (tansu) and a real database.

Nothing lost, nothing doubled: broker outages, redelivery, crashes between the database commit and
the offset commit, a relay killed mid-batch, and poison messages.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from peerlab.chassis.consumer import ConsumerRunner, ConsumerSpec
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics

from chassis_testkit import (
    effect_counts,
    enqueue_many,
    prepared_engine,
    produce_raw,
    read_all,
    received,
    record_effect,
    run_in_thread,
    settings_for,
    unsent,
    wait_until,
)

FAULTS = Path(__file__).parent / "faults"
HANDLERS = {"submission.received.v1": record_effect}


def spec(name: str, **kwargs) -> ConsumerSpec:
    return ConsumerSpec(name=name, topics=[topics.SUBMISSIONS], handlers=HANDLERS, **kwargs)


def test_broker_down_events_wait_in_outbox_and_arrive_after_restart(make_kafka_broker, fresh_database_url):
    # Durable storage, like a real Kafka: the log and committed offsets survive the restart.
    broker = make_kafka_broker(durable=True)
    settings = settings_for(fresh_database_url("broker_down"), broker.bootstrap)
    engine = prepared_engine(settings)
    stop = threading.Event()
    threads = start_worker_threads(
        settings=settings, engine=engine, stop=stop, consumers=[spec("c-broker-down")], run_relay=True
    )
    try:
        enqueue_many(engine, 5)
        assert wait_until(lambda: effect_counts(engine) == (5, 5), 30)
        broker.stop()
        enqueue_many(engine, 20, start=5)  # accepted while the broker is down
        assert unsent(engine) == 20, "events must wait in the outbox"
        broker.start()
        assert wait_until(lambda: effect_counts(engine) == (25, 25), 60), effect_counts(engine)
        assert unsent(engine) == 0
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def test_same_event_delivered_twice_has_one_effect(kafka_broker, fresh_database_url):
    settings = settings_for(fresh_database_url("redelivery"), kafka_broker.bootstrap)
    engine = prepared_engine(settings)
    envelope = Envelope.wrap(received(1), source="t", subject="s-00001", course_id="c1")
    runner = ConsumerRunner(spec("c-redelivery"), engine=engine, bootstrap=kafka_broker.bootstrap)
    never = threading.Event()
    assert runner.handle_message(envelope.to_bytes(), stop=never) == "handled"
    assert runner.handle_message(envelope.to_bytes(), stop=never) == "duplicate"
    assert effect_counts(engine) == (1, 1)


def test_redelivery_through_the_broker_has_one_effect(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    settings = settings_for(fresh_database_url("redelivery_broker"), broker.bootstrap)
    engine = prepared_engine(settings)
    raw = [Envelope.wrap(received(i), source="t", subject=f"s-{i:05d}", course_id="c1").to_bytes() for i in range(10)]
    produce_raw(broker.bootstrap, topics.SUBMISSIONS, raw + raw)  # every event twice
    runner = ConsumerRunner(spec("c-redelivery-broker"), engine=engine, bootstrap=broker.bootstrap)
    stop, thread = run_in_thread(runner.run)
    try:
        assert wait_until(lambda: effect_counts(engine)[0] >= 10, 30)
        wait_until(lambda: False, 1.5)  # give the duplicates time to (not) land
        assert effect_counts(engine) == (10, 10)
    finally:
        stop.set()
        thread.join(10)


def test_consumer_killed_between_db_commit_and_offset_commit(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    url = fresh_database_url("consumer_crash")
    settings = settings_for(url, broker.bootstrap)
    engine = prepared_engine(settings)
    raw = [Envelope.wrap(received(i), source="t", subject=f"s-{i:05d}", course_id="c1").to_bytes() for i in range(12)]
    produce_raw(broker.bootstrap, topics.SUBMISSIONS, raw)
    group = "c-crash"
    crashed = subprocess.run(
        [sys.executable, str(FAULTS / "consumer_crash.py"), url, broker.bootstrap, topics.SUBMISSIONS, group, "5"],
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 9, crashed.stderr[-2000:]
    assert effect_counts(engine) == (5, 5), "five effects committed before the crash"
    runner = ConsumerRunner(spec(group), engine=engine, bootstrap=broker.bootstrap)
    stop, thread = run_in_thread(runner.run)
    try:
        assert wait_until(lambda: effect_counts(engine)[0] >= 12, 60), effect_counts(engine)
        wait_until(lambda: False, 1.0)
        assert effect_counts(engine) == (12, 12), "redelivered events must not be applied twice"
    finally:
        stop.set()
        thread.join(10)


def test_relay_killed_mid_batch_loses_nothing(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    url = fresh_database_url("relay_crash")
    settings = settings_for(url, broker.bootstrap, relay_batch_size=40)
    engine = prepared_engine(settings)
    enqueue_many(engine, 100)
    crashed = subprocess.run(
        [sys.executable, str(FAULTS / "relay_crash.py"), url, broker.bootstrap, "40"],
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 9, crashed.stderr[-2000:]
    assert unsent(engine) == 100, "the killed relay never marked its batch"
    stop = threading.Event()
    threads = start_worker_threads(
        settings=settings, engine=engine, stop=stop, consumers=[spec("c-relay-crash")], run_relay=True
    )
    try:
        assert wait_until(lambda: unsent(engine) == 0 and effect_counts(engine)[0] >= 100, 60)
        on_broker = read_all(broker.bootstrap, topics.SUBMISSIONS, 140)
        assert len(on_broker) >= 140, "at least the first batch was published twice"
        assert len({Envelope.from_bytes(r.value).id for r in on_broker}) == 100
        assert effect_counts(engine) == (100, 100), "the inbox absorbs the duplicates"
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def test_poison_message_goes_to_dead_letter_topic_and_consumer_goes_on(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    settings = settings_for(fresh_database_url("poison"), broker.bootstrap)
    engine = prepared_engine(settings)

    def picky(session, envelope, data):
        if envelope.subject == "s-00002":
            raise ValueError("cannot handle this submission")
        record_effect(session, envelope, data)

    good = [Envelope.wrap(received(i), source="t", subject=f"s-{i:05d}", course_id="c1").to_bytes() for i in range(4)]
    produce_raw(broker.bootstrap, topics.SUBMISSIONS, [good[0], b"\x00not json", good[1], good[2], good[3]])
    consumer_spec = ConsumerSpec(
        name="c-poison",
        topics=[topics.SUBMISSIONS],
        handlers={"submission.received.v1": picky},
        max_attempts=3,
        backoff_s=0.01,
    )
    runner = ConsumerRunner(consumer_spec, engine=engine, bootstrap=broker.bootstrap)
    stop, thread = run_in_thread(runner.run)
    try:
        assert wait_until(lambda: effect_counts(engine) == (3, 3), 30), effect_counts(engine)
        dead = read_all(broker.bootstrap, topics.dead_letter_topic("c-poison"), 2)
        assert len(dead) == 2
        errors = [dict(r.headers) for r in dead]
        assert {h["error_type"].decode() for h in errors} == {"PoisonMessage", "ValueError"}
        assert any(b"cannot handle this submission" in h["error"] for h in errors)
        assert b"\x00not json" in {r.value for r in dead}
    finally:
        stop.set()
        thread.join(10)


def test_two_relays_on_postgresql_publish_each_event_once(make_kafka_broker, fresh_database_url):
    url = fresh_database_url("two_relays")
    if not url.startswith("postgresql"):
        pytest.skip("several relays per database is a PostgreSQL feature (FOR UPDATE SKIP LOCKED)")
    broker = make_kafka_broker()
    settings = settings_for(url, broker.bootstrap, relay_batch_size=50)
    engine = prepared_engine(settings)
    enqueue_many(engine, 600)
    stop = threading.Event()
    threads = [
        t for _ in range(2) for t in start_worker_threads(settings=settings, engine=engine, stop=stop, run_relay=True)
    ]
    try:
        assert wait_until(lambda: unsent(engine) == 0, 60)
        # Ask for one more than expected: a duplicate would be found, none must be.
        on_broker = read_all(broker.bootstrap, topics.SUBMISSIONS, 601, timeout_s=8)
        assert len(on_broker) == 600
        assert len({Envelope.from_bytes(r.value).id for r in on_broker}) == 600
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
