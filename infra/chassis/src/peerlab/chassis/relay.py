"""The outbox relay: publishes unsent outbox rows to Kafka in batches and marks them sent.

At-least-once: a relay killed after publishing but before marking re-publishes the same event ids
on restart, and the consumers' inbox absorbs the duplicates. On PostgreSQL several relays may run
(``FOR UPDATE SKIP LOCKED``); on SQLite run one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kafka import KafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select, update
from sqlalchemy.engine import Engine

from peerlab.chassis.db import is_postgres, unit_of_work
from peerlab.chassis.outbox import OutboxEvent
from peerlab.contracts import utcnow

log = logging.getLogger("peerlab.relay")

PUBLISHED = Counter("peerlab_outbox_published_total", "Outbox events published", ["service"])
FAILED = Counter("peerlab_outbox_failed_total", "Outbox publish failures", ["service"])
BACKLOG = Gauge("peerlab_outbox_backlog", "Unsent outbox events", ["service"])
OLDEST_AGE = Gauge("peerlab_outbox_oldest_age_seconds", "Age of the oldest unsent event", ["service"])


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        producer_factory: Callable[[], KafkaProducer],
        *,
        service: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.05,
        send_timeout_s: float = 15.0,
    ) -> None:
        self.engine = engine
        self.producer_factory = producer_factory
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.send_timeout_s = send_timeout_s
        self._producer: KafkaProducer | None = None
        self._last_gauge = 0.0

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def _reset_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # noqa: BLE001 - closing a broken producer may fail in many ways
                pass
        self._producer = None

    def publish_batch(self) -> int:
        """Publish up to ``batch_size`` unsent rows in order; returns how many were marked sent.

        Core statements, not ORM objects: one SELECT, one send per row, one flush, and one UPDATE
        for the acknowledged rows, so the database costs little next to the broker round trip.
        """
        table = OutboxEvent.__table__
        with unit_of_work(self.engine) as session:
            query = (
                select(table.c.seq, table.c.topic, table.c.key, table.c.payload)
                .where(table.c.sent_at.is_(None))
                .order_by(table.c.seq)
                .limit(self.batch_size)
            )
            if is_postgres(self.engine):
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if not rows:
                return 0
            producer = self._get_producer()
            # Structured-mode CloudEvents: the envelope in the value carries id and type.
            futures = [producer.send(row.topic, key=row.key.encode(), value=row.payload) for row in rows]
            producer.flush(timeout=self.send_timeout_s)
            sent_seqs: list[int] = []
            failures: dict[int, str] = {}
            for row, future in zip(rows, futures, strict=True):
                error = _outcome(future)
                if error is None:
                    sent_seqs.append(row.seq)
                else:
                    failures[row.seq] = error[:500]
            if sent_seqs:
                session.execute(update(table).where(_seq_in(table, sent_seqs, self.engine)).values(sent_at=utcnow()))
            for seq, error in failures.items():
                session.execute(
                    update(table).where(table.c.seq == seq).values(attempts=table.c.attempts + 1, last_error=error)
                )
        PUBLISHED.labels(self.service).inc(len(sent_seqs))
        if failures:
            FAILED.labels(self.service).inc(len(failures))
            raise RelayError(f"{len(failures)} of {len(rows)} events not acknowledged")
        return len(sent_seqs)

    def update_gauges(self) -> None:
        with unit_of_work(self.engine) as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.sent_at.is_(None))
            ).one()
        BACKLOG.labels(self.service).set(count)
        if oldest is None:
            OLDEST_AGE.labels(self.service).set(0)
        else:
            if oldest.tzinfo is None:  # SQLite returns naive datetimes
                oldest = oldest.replace(tzinfo=utcnow().tzinfo)
            OLDEST_AGE.labels(self.service).set((utcnow() - oldest).total_seconds())

    def run(self, stop: threading.Event, *, max_backoff_s: float = 5.0) -> None:
        """Publish until ``stop`` is set; back off while the broker or database is unavailable."""
        backoff = self.poll_interval_s
        while not stop.is_set():
            try:
                if time.monotonic() - self._last_gauge > 5:
                    self._last_gauge = time.monotonic()
                    self.update_gauges()
                published = self.publish_batch()
                backoff = self.poll_interval_s
                if published < self.batch_size:
                    stop.wait(self.poll_interval_s if published == 0 else 0)
            except Exception as exc:  # noqa: BLE001 - broker/DB outages must not kill the relay
                log.warning("relay: %s; retrying in %.2fs", exc, backoff)
                self._reset_producer()
                stop.wait(backoff)
                backoff = min(max_backoff_s, backoff * 2)
        self._reset_producer()


class RelayError(RuntimeError):
    """Some events of a batch were not acknowledged by the broker; they stay unsent."""


def _seq_in(table, seqs: list[int], engine: Engine):  # noqa: ANN001, ANN202
    """``seq IN (...)``; on PostgreSQL one array parameter instead of one parameter per row."""
    if is_postgres(engine):
        return table.c.seq == any_(bindparam("seqs", value=seqs, type_=ARRAY(Integer)))
    return table.c.seq.in_(seqs)


def _outcome(future) -> str | None:  # noqa: ANN001 - kafka-python FutureRecordMetadata
    if not future.is_done:
        return "not acknowledged before the flush timeout"
    if future.failed():
        return repr(future.exception)
    return None
