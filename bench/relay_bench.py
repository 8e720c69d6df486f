"""Outbox relay throughput (DB -> broker) vs raw kafka-python produce of the same payloads.

Run: ``uv run python bench/relay_bench.py [--events 20000] [--db postgres|sqlite]``.
Both sides use the same real tansu broker, acks=all and the idempotent producer; the relay also
reads the rows and marks them sent in the database, which is the cost being measured.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import SQLModel

from peerlab.chassis.app import build_relay
from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.chassis.inbox import InboxEntry
from peerlab.chassis.kafka import ensure_topics, make_producer
from peerlab.chassis.outbox import OutboxEvent, enqueue
from peerlab.chassis.relay import PUBLISHED
from peerlab.chassis.settings import ServiceSettings
from peerlab.contracts import topics
from peerlab.contracts.events.submissions import SubmissionReceivedV1
from peerlab.local.launchers import PostgresServer, PostgresUnavailable, TansuBroker
from proc_cpu import CpuMeter

EXAMPLE = SubmissionReceivedV1.model_json_schema()["examples"][0]


def database_url(kind: str, workdir: Path) -> tuple[str, PostgresServer | None]:
    if kind == "postgres":
        try:
            server = PostgresServer.discover().start()
            name = f"bench_relay_{uuid.uuid4().hex[:8]}"
            return server.create_database(name), server
        except PostgresUnavailable as exc:
            print(f"PostgreSQL unavailable ({exc}); using SQLite")
    return f"sqlite:///{workdir}/relay.db", None


def fill_outbox(engine, n: int) -> list[bytes]:
    with unit_of_work(engine) as session:
        for i in range(n):
            event = SubmissionReceivedV1(**{**EXAMPLE, "submission_id": f"s-{i:06d}"})
            enqueue(session, event, source="bench", subject=f"s-{i:06d}", course_id="bench")
    with unit_of_work(engine) as session:
        return [row.payload for row in session.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars()]


def raw_produce(bootstrap: str, payloads: list[bytes]) -> float:
    producer = make_producer(bootstrap, client_id="bench-raw")
    producer.partitions_for(topics.SUBMISSIONS)  # connect and fetch metadata before timing
    started = time.perf_counter()
    for i, payload in enumerate(payloads):
        producer.send(topics.SUBMISSIONS, key=f"s-{i:06d}".encode(), value=payload)
    producer.flush(timeout=120)
    elapsed = time.perf_counter() - started
    producer.close()
    return elapsed


def published(service: str) -> float:
    # The relay's own counter, read directly: collecting the whole registry (process metrics from
    # /proc) every few milliseconds took CPU from the relay in this same process.
    return PUBLISHED.labels(service)._value.get()


def relay_drain(engine, settings: ServiceSettings, n: int) -> float:
    """The relay's production loop (``run``) until the outbox is empty."""
    relay = build_relay(engine, settings)
    relay._get_producer().partitions_for(topics.SUBMISSIONS)  # same warm start as the baseline
    relay._last_gauge = time.monotonic()
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    started = time.perf_counter()
    thread.start()
    deadline = time.monotonic() + 600
    # Watch the relay's own counter rather than polling the table, which would compete with it.
    while published(settings.service_name) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join(10)
    with unit_of_work(engine) as session:
        left = session.execute(select(func.count()).where(OutboxEvent.sent_at.is_(None))).scalar_one()
    if left:
        raise SystemExit(f"relay did not drain: {left} of {n} left")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="peerlab-bench-relay-"))
    url, pg = database_url(args.db, workdir)
    with TansuBroker(workdir=workdir / "tansu") as broker:
        settings = ServiceSettings(
            service_name="bench",
            environment="test",
            database_url=url,
            kafka_bootstrap=broker.bootstrap,
            relay_in_process=False,
        )
        engine = make_engine(settings)
        SQLModel.metadata.create_all(engine, tables=[OutboxEvent.__table__, InboxEntry.__table__])
        ensure_topics(broker.bootstrap, [topics.SUBMISSIONS])
        payloads = fill_outbox(engine, args.events)
        raw_produce(broker.bootstrap, payloads[:500])  # warm-up: connections and metadata
        pids = {"bench": None, "broker": broker.pid}
        raw_cpu, relay_cpu = CpuMeter(pids).start(), CpuMeter(pids)
        raw_s = raw_produce(broker.bootstrap, payloads)
        raw_cpu.stop()
        relay_cpu.start()
        relay_s = relay_drain(engine, settings, args.events)
        relay_cpu.stop()
        engine.dispose()
    if pg is not None:
        pg.close()
    raw_rate, relay_rate = args.events / raw_s, args.events / relay_s
    print(f"database: {engine.dialect.name}; events: {args.events}; payload ~{len(payloads[0])} B")
    print(f"raw kafka-python produce : {raw_rate:10.0f} events/s ({raw_s:.2f} s)")
    print(f"outbox relay DB -> broker: {relay_rate:10.0f} events/s ({relay_s:.2f} s)")
    print(f"ratio relay/raw          : {relay_rate / raw_rate:.2f}x  (goal >= 0.7x)")
    for name, meter in (("raw produce", raw_cpu), ("relay", relay_cpu)):
        per = {k: v / args.events * 1e6 for k, v in meter.spent.items()}
        print(f"CPU per event, {name:<11}: producer process {per['bench']:6.1f} us, broker {per['broker']:6.1f} us")
    print(f"ratio relay/raw CPU in the producing process: {relay_cpu.spent['bench'] / raw_cpu.spent['bench']:.2f}x")


if __name__ == "__main__":
    main()
