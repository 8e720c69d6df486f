"""Shared pieces of the chassis tests: a tiny effect table and helpers to drive real components."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.chassis.inbox import InboxEntry
from peerlab.chassis.outbox import OutboxEvent, enqueue
from peerlab.chassis.settings import ServiceSettings
from peerlab.contracts import Envelope
from peerlab.contracts.events.submissions import SubmissionReceivedV1

EXAMPLE = SubmissionReceivedV1.model_json_schema()["examples"][0]


# One row per handled event: a double effect shows up as a duplicate subject. Kept on its own
# metadata so that services' migration checks in the same test process never see it.
Effect = Table(
    "chassistest_effect",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(100), nullable=False),
)


def settings_for(database_url: str, bootstrap: str, **overrides) -> ServiceSettings:
    return ServiceSettings(
        service_name="chassistest",
        environment="test",
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        relay_in_process=False,
        relay_poll_interval_s=0.02,
        **overrides,
    )


def prepared_engine(settings: ServiceSettings) -> Engine:
    engine = make_engine(settings)
    SQLModel.metadata.create_all(engine, tables=[OutboxEvent.__table__, InboxEntry.__table__])
    Effect.metadata.create_all(engine)
    return engine


def received(i: int) -> SubmissionReceivedV1:
    return SubmissionReceivedV1(**{**EXAMPLE, "submission_id": f"s-{i:05d}"})


def enqueue_many(engine: Engine, n: int, start: int = 0) -> None:
    with unit_of_work(engine) as session:
        for i in range(start, start + n):
            enqueue(session, received(i), source="chassistest", subject=f"s-{i:05d}", course_id="c1")


def record_effect(session: Session, envelope: Envelope, data) -> None:
    session.execute(insert(Effect).values(subject=envelope.subject))


def effect_counts(engine: Engine) -> tuple[int, int]:
    """(rows, distinct subjects)."""
    with unit_of_work(engine) as session:
        return tuple(session.execute(select(func.count(), func.count(func.distinct(Effect.c.subject)))).one())


def unsent(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.execute(select(func.count()).where(OutboxEvent.sent_at.is_(None))).scalar_one()


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_in_thread(target: Callable[[threading.Event], None]) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def produce_raw(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for value in values:
        producer.send(topic, value=value)
    producer.flush(timeout=15)
    producer.close()


def read_all(bootstrap: str, topic: str, expected: int, timeout_s: float = 20) -> list:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    records: list = []
    deadline = time.monotonic() + timeout_s
    while len(records) < expected and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()
    return records
