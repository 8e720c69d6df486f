"""The outbox relay: publishes unsent outbox rows to Kafka in batches and marks them sent.

At-least-once: a relay killed after publishing but before marking re-publishes the same event ids
on restart, and the consumers' inbox absorbs the duplicates. On PostgreSQL several relays may run
(``FOR UPDATE SKIP LOCKED``); on SQLite run one (it reads, sends, and marks the rows only
after the broker acknowledged them, so SQLite's single write lock is never held across a wait on
the broker).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from peerlab.chassis.db import is_postgres, unit_of_work
from peerlab.chassis.outbox import OutboxEvent
from peerlab.chassis.clock import now
from peerlab.chassis.outbox_listener import OutboxListener

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
        listen: bool = True,
        listen_poll_s: float = 1.0,
        send_timeout_s: float = 15.0,
    ) -> None:
        """``poll_interval_s``: the idle poll without a listener (SQLite, or PostgreSQL while the
        listening connection is down). ``listen``: on PostgreSQL, wait for the outbox's NOTIFY at
        commit instead, polling only every ``listen_poll_s`` as a fallback."""
        self.engine = engine
        self.producer_factory = producer_factory
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.listen = listen
        self.listen_poll_s = listen_poll_s
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

    def _claim_and_send(self, after_seq: int | None) -> _Claimed | None:
        """Mark the next unsent rows sent (one ``UPDATE ... RETURNING``) and hand them to the producer.

        The transaction stays open until :meth:`_complete` has the broker's acknowledgements: it
        commits then, or rolls back so that the rows are unsent again. On PostgreSQL the rows are
        chosen ``FOR UPDATE SKIP LOCKED``, so a second relay skips them meanwhile.
        """
        if not is_postgres(self.engine):
            return self._read_and_send()
        table = OutboxEvent.__table__
        session = Session(self.engine, expire_on_commit=False)
        try:
            chosen = select(table.c.seq).where(table.c.sent_at.is_(None))
            if after_seq is not None:
                chosen = chosen.where(table.c.seq > after_seq)
            chosen = chosen.order_by(table.c.seq).limit(self.batch_size)
            if is_postgres(self.engine):
                chosen = chosen.with_for_update(skip_locked=True)
            claim = (
                update(table)
                .where(table.c.seq.in_(chosen.scalar_subquery()))
                .values(sent_at=now())
                .returning(table.c.seq, table.c.topic, table.c.key, table.c.payload)
            )
            rows = sorted(session.execute(claim).all(), key=lambda row: row.seq)
            if not rows:
                session.rollback()
                session.close()
                return None
            producer = self._get_producer()
            # Structured-mode CloudEvents: the envelope in the value carries id and type.
            futures = [producer.send(row.topic, key=row.key.encode(), value=row.payload) for row in rows]
            return _Claimed(session, [row.seq for row in rows], futures)
        except BaseException:
            session.rollback()
            session.close()
            raise

    def _read_and_send(self) -> _Claimed | None:
        """SQLite: read the next unsent rows in a short transaction and hand them to the producer.

        SQLite has one write lock for the whole database: a claim held open while the broker
        acknowledges (seconds when it is slow, ``send_timeout_s`` when it is stopped) would stall
        every request that writes. So the rows are marked sent only after the acknowledgements
        (:meth:`_complete`), in a transaction of its own. One relay per SQLite database.
        """
        table = OutboxEvent.__table__
        with Session(self.engine) as session:
            rows = session.execute(
                select(table.c.seq, table.c.topic, table.c.key, table.c.payload)
                .where(table.c.sent_at.is_(None))
                .order_by(table.c.seq)
                .limit(self.batch_size)
            ).all()
            session.rollback()
        if not rows:
            return None
        producer = self._get_producer()
        futures = [producer.send(row.topic, key=row.key.encode(), value=row.payload) for row in rows]
        return _Claimed(None, [row.seq for row in rows], futures)

    def _mark_sent(self, seqs: list[int]) -> None:
        table = OutboxEvent.__table__
        with unit_of_work(self.engine) as session:
            session.execute(update(table).where(table.c.seq.in_(seqs), table.c.sent_at.is_(None)).values(sent_at=now()))

    def _complete(self, claimed: _Claimed) -> int:
        """Wait for the broker's acknowledgements of a claimed batch: commit if all arrived, else
        roll back (the whole batch is unsent again) and record the failures on the rows."""
        session = claimed.session
        deadline = time.monotonic() + self.send_timeout_s
        failures: dict[int, str] = {}
        try:
            for seq, future in zip(claimed.seqs, claimed.futures, strict=True):
                if future.succeeded():  # acknowledged already: no wait to set up
                    continue
                try:
                    future.get(timeout=max(0.001, deadline - time.monotonic()))
                except Exception as exc:  # noqa: BLE001 - any failure leaves the batch unsent
                    failures[seq] = repr(exc)[:500]
            if session is None:  # SQLite: rows were read, not claimed; mark them now
                if not failures:
                    self._mark_sent(claimed.seqs)
            elif failures:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            if session is not None:
                session.rollback()
            raise
        finally:
            if session is not None:
                session.close()
        if failures:
            self._record_failures(failures)
            FAILED.labels(self.service).inc(len(failures))
            raise RelayError(f"{len(failures)} of {len(claimed.seqs)} events not acknowledged")
        PUBLISHED.labels(self.service).inc(len(claimed.seqs))
        return len(claimed.seqs)

    def _record_failures(self, failures: dict[int, str]) -> None:
        table = OutboxEvent.__table__
        try:
            with unit_of_work(self.engine) as session:
                for seq, error in failures.items():
                    session.execute(
                        update(table).where(table.c.seq == seq).values(attempts=table.c.attempts + 1, last_error=error)
                    )
        except Exception as exc:  # noqa: BLE001 - bookkeeping only; the rows are unsent either way
            log.warning("relay: could not record failures: %s", exc)

    def publish_batch(self) -> int:
        """Publish up to ``batch_size`` unsent rows in order; returns how many were marked sent."""
        claimed = self._claim_and_send(None)
        return 0 if claimed is None else self._complete(claimed)

    def update_gauges(self) -> None:
        with unit_of_work(self.engine) as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.sent_at.is_(None))
            ).one()
        BACKLOG.labels(self.service).set(count)
        if oldest is None:
            OLDEST_AGE.labels(self.service).set(0)
        else:
            OLDEST_AGE.labels(self.service).set((now() - oldest).total_seconds())

    def run(self, stop: threading.Event, *, max_backoff_s: float = 5.0) -> None:
        """Publish until ``stop`` is set; back off while the broker or database is unavailable.

        On PostgreSQL the work is pipelined: this thread claims and sends batch N+1 while a second
        thread waits for batch N's acknowledgements and marks it, so database round trips overlap
        with producing. Sends still leave in outbox order from one producer, so per-key order
        holds; after a failure everything unmarked is claimed again from the lowest unsent row
        (duplicates are absorbed by the consumers' inbox).
        """
        pipelined = is_postgres(self.engine)
        listener = OutboxListener(self.engine) if pipelined and self.listen else None
        if listener is not None:
            listener.start()  # before the first claim, so that no commit falls between the two
        completions: queue.Queue[_Claimed | None] = queue.Queue(maxsize=2)
        failed = threading.Event()
        completer = threading.Thread(
            target=self._complete_loop, args=(completions, failed), name="outbox-relay-complete", daemon=True
        )
        completer.start()
        backoff = self.poll_interval_s
        after_seq: int | None = None
        try:
            while not stop.is_set():
                if failed.is_set():
                    completions.join()
                    failed.clear()
                    after_seq = None
                    self._reset_producer()
                    stop.wait(backoff)
                    backoff = min(max_backoff_s, backoff * 2)
                    continue
                try:
                    if time.monotonic() - self._last_gauge > 5:
                        self._last_gauge = time.monotonic()
                        self.update_gauges()
                    claimed = self._claim_and_send(after_seq if pipelined else None)
                except Exception as exc:  # noqa: BLE001 - broker/DB outages must not kill the relay
                    log.warning("relay: %s; retrying in %.2fs", exc, backoff)
                    completions.join()
                    after_seq = None
                    self._reset_producer()
                    stop.wait(backoff)
                    backoff = min(max_backoff_s, backoff * 2)
                    continue
                if claimed is None:
                    completions.join()
                    after_seq = None
                    self._idle(stop, listener)
                    continue
                completions.put(claimed)
                if pipelined:
                    after_seq = claimed.seqs[-1]
                else:
                    completions.join()
                if not failed.is_set():
                    backoff = self.poll_interval_s
        finally:
            completions.join()
            completions.put(None)
            completer.join(timeout=10)
            self._reset_producer()
            if listener is not None:
                listener.close()

    def _idle(self, stop: threading.Event, listener: OutboxListener | None) -> None:
        """Nothing to send: wait for a commit's NOTIFY (the fallback poll at ``listen_poll_s``),
        or without a listening connection for ``poll_interval_s``."""
        if listener is not None:
            listener.wait(self.listen_poll_s, stop)
            if listener.listening:
                return
        stop.wait(self.poll_interval_s)

    def _complete_loop(self, completions: queue.Queue[_Claimed | None], failed: threading.Event) -> None:
        while True:
            claimed = completions.get()
            try:
                if claimed is None:
                    return
                if failed.is_set():  # an earlier batch failed: release these rows, they are claimed again
                    if claimed.session is not None:
                        claimed.session.rollback()
                        claimed.session.close()
                else:
                    self._complete(claimed)
            except Exception as exc:  # noqa: BLE001 - any failure fails the pipeline; its rows are claimed again
                log.warning("relay: %s", exc)
                failed.set()
            finally:
                completions.task_done()


@dataclass
class _Claimed:
    session: Session | None  # None on SQLite: the rows are marked only after the acknowledgements
    seqs: list[int]
    futures: list


class RelayError(RuntimeError):
    """Some events of a batch were not acknowledged by the broker; they stay unsent."""
