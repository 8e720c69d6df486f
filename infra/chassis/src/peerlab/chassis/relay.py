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
from sqlalchemy import func, select
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
        """Publish up to ``batch_size`` unsent rows in order; returns how many were marked sent."""
        with unit_of_work(self.engine) as session:
            query = (
                select(OutboxEvent)
                .where(OutboxEvent.sent_at.is_(None))
                .order_by(OutboxEvent.seq)
                .limit(self.batch_size)
            )
            if is_postgres(self.engine):
                query = query.with_for_update(skip_locked=True)
            rows = list(session.execute(query).scalars())
            if not rows:
                return 0
            producer = self._get_producer()
            futures = [
                producer.send(
                    row.topic,
                    key=row.key.encode(),
                    value=row.payload,
                    headers=[("event_type", row.event_type.encode()), ("event_id", row.event_id.encode())],
                )
                for row in rows
            ]
            producer.flush(timeout=self.send_timeout_s)
            now = utcnow()
            sent = 0
            for row, future in zip(rows, futures, strict=True):
                error = _outcome(future)
                if error is None:
                    row.sent_at = now
                    sent += 1
                else:
                    row.attempts += 1
                    row.last_error = error[:500]
            failed = len(rows) - sent
        PUBLISHED.labels(self.service).inc(sent)
        if failed:
            FAILED.labels(self.service).inc(failed)
            raise RelayError(f"{failed} of {len(rows)} events not acknowledged")
        return sent

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


def _outcome(future) -> str | None:  # noqa: ANN001 - kafka-python FutureRecordMetadata
    if not future.is_done:
        return "not acknowledged before the flush timeout"
    if future.failed():
        return repr(future.exception)
    return None
