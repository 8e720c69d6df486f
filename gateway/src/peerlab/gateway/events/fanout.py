"""Kafka → GraphQL subscriptions: one consumer thread per gateway process fans events out to
per-user asyncio queues.

Every replica must see every event (a subscriber may be connected to any of them), so the
consumer is not in a group: it assigns itself all partitions of the topics and starts at their
end. Nothing is committed; a subscription is a live view, not a durable feed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from peerlab.chassis.kafka import ensure_topics
from peerlab.contracts import Envelope, topics

log = logging.getLogger("peerlab.gateway.fanout")


def recipients(envelope: Envelope) -> list[str]:
    """Who may see this event live: only the person it is about."""
    data = envelope.data
    if envelope.type == "review.allocated.v1":
        return [data["reviewer_id"]]
    if envelope.type in ("lab.verdict_set.v1", "eligibility.changed.v1"):
        return [data["student_id"]]
    return []


@dataclass(eq=False)
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue
    types: frozenset[str]


class SubscriptionHub:
    """Register per-user queues; a Kafka thread delivers matching events to them."""

    def __init__(self, bootstrap: str, *, queue_size: int = 100,
                 topic_names: tuple[str, ...] = (topics.REVIEW,)) -> None:
        self.bootstrap = bootstrap
        self.queue_size = queue_size
        self.topic_names = topic_names
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    # --- subscribers (event loop side) -----------------------------------------------------------
    async def listen(self, user_id: str, types: set[str]) -> AsyncIterator[Envelope]:
        """Yield events about ``user_id`` of ``types`` until the caller stops iterating."""
        subscriber = _Subscriber(asyncio.get_running_loop(), asyncio.Queue(self.queue_size), frozenset(types))
        with self._lock:
            self._subscribers[user_id].add(subscriber)
        try:
            while True:
                yield await subscriber.queue.get()
        finally:
            with self._lock:
                self._subscribers[user_id].discard(subscriber)
                if not self._subscribers[user_id]:
                    del self._subscribers[user_id]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    # --- delivery (consumer thread side) -----------------------------------------------------------
    def dispatch(self, envelope: Envelope) -> int:
        delivered = 0
        for user_id in recipients(envelope):
            with self._lock:
                targets = [s for s in self._subscribers.get(user_id, ()) if envelope.type in s.types]
            for subscriber in targets:
                subscriber.loop.call_soon_threadsafe(_offer, subscriber.queue, envelope)
                delivered += 1
        return delivered

    def _consume(self, make_consumer: Callable[[], KafkaConsumer]) -> None:
        consumer: KafkaConsumer | None = None
        while not self._stop.is_set():
            try:
                if consumer is None:
                    consumer = make_consumer()
                    self.ready.set()
                for records in consumer.poll(timeout_ms=200).values():
                    for record in records:
                        try:
                            self.dispatch(Envelope.from_bytes(record.value))
                        except (ValidationError, KeyError) as exc:
                            log.warning("fan-out skipped a message: %s", exc)
            except Exception as exc:  # noqa: BLE001 - broker outage: reconnect with backoff
                log.warning("fan-out consumer error: %s; reconnecting", exc)
                if consumer is not None:
                    _close(consumer)
                    consumer = None
                self._stop.wait(1.0)
        if consumer is not None:
            _close(consumer)

    def _make_consumer(self) -> KafkaConsumer:
        ensure_topics(self.bootstrap, list(self.topic_names))
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id="gateway-fanout",
                                 group_id=None, enable_auto_commit=False, request_timeout_ms=30000)
        partitions = []
        for topic in self.topic_names:
            for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                partitions.append(TopicPartition(topic, partition))
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the end offsets now, so nothing published after ready is skipped
            consumer.position(tp)
        return consumer

    def start(self) -> SubscriptionHub:
        self._thread = threading.Thread(target=self._consume, args=(self._make_consumer,), name="gateway-fanout",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _offer(queue: asyncio.Queue, envelope: Envelope) -> None:
    """Drop the oldest event when a slow subscriber's queue is full (a live view, not a log)."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(envelope)


def _close(consumer: KafkaConsumer) -> None:
    try:
        consumer.close()
    except Exception:  # noqa: BLE001 - closing a broken consumer may fail in many ways
        pass
