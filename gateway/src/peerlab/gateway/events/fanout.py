"""Kafka → GraphQL subscriptions: one consumer thread per gateway process fans events out to
per-user asyncio queues.

Every replica must see every event (a subscriber may be connected to any of them), so the
consumer is not in a group: it assigns itself all partitions of the topics and starts at their
end. Nothing is committed. The hub knows its position (next offset per partition) at every event
it delivers, which is the stream's event id: ``follow`` replays what a reconnecting client missed
from that position (``events.replay``), then goes on live without a gap or a duplicate.
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
from peerlab.contracts import EVENT_MODELS, Envelope, topics
from peerlab.gateway.events.replay import Delivery, Positions, Resync, replay_plan, read_range

log = logging.getLogger("peerlab.gateway.fanout")


BOOKING_TYPES = frozenset({"exam.booked.v1", "exam.booking_cancelled.v1"})


def person_key(person_id: str) -> str:
    return f"person:{person_id}"


def exam_day_key(exam_day_id: str) -> str:
    return f"exam-day:{exam_day_id}"


def recipients(envelope: Envelope) -> list[str]:
    """Who may see this event live: the person it is about, or the booking page of an exam day."""
    data = envelope.data
    if envelope.type in ("review.allocated.v1", "review.allocation_cancelled.v1"):
        return [person_key(data["reviewer_id"])]
    if envelope.type in ("lab.verdict_set.v1", "eligibility.changed.v1"):
        return [person_key(data["student_id"])]
    if envelope.type in BOOKING_TYPES:
        return sorted({exam_day_key(slot["exam_day_id"]) for slot in data.get("slots", ())})
    return []


@dataclass(eq=False)
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue
    types: frozenset[str]
    overflowed: bool = False


class SubscriptionHub:
    """Register per-user queues; a Kafka thread delivers matching events to them."""

    def __init__(
        self,
        bootstrap: str,
        *,
        queue_size: int = 100,
        max_replay: int = 1000,
        topic_names: tuple[str, ...] = (topics.REVIEW, topics.SCHEDULING),
    ) -> None:
        self.bootstrap = bootstrap
        self.queue_size = queue_size
        self.max_replay = max_replay
        self.topic_names = topic_names
        self._subscribers: dict[str, set[_Subscriber]] = defaultdict(set)
        self._position: Positions = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    # --- subscribers (event loop side) -----------------------------------------------------------
    async def listen(self, user_id: str, types: set[str]) -> AsyncIterator[Envelope]:
        """Yield events about ``user_id`` of ``types`` until the caller stops iterating (live only)."""
        async for item in self.follow(person_key(user_id), types):
            if isinstance(item, Delivery):
                yield item.envelope

    async def follow(
        self, key: str, types: set[str], *, after: Positions | None = None
    ) -> AsyncIterator[Delivery | Resync]:
        """Events for ``key`` of ``types``, each with its stream position. With ``after`` (a position
        a client saw) first what it missed, read again from Kafka, or a ``Resync`` when that is out of
        reach; then live. A subscriber too slow for its queue gets a ``Resync`` at its last position
        and the stream ends (subscribing again from there replays what it dropped)."""
        await self._wait_ready()
        subscriber = _Subscriber(asyncio.get_running_loop(), asyncio.Queue(self.queue_size), frozenset(types))
        with self._lock:  # registered and positioned at once: the live queue starts exactly here
            self._subscribers[key].add(subscriber)
            live_from = self._relevant(self._position, types)
        try:
            if after is not None:
                async for item in self._catch_up(key, types, after, live_from):
                    yield item
            last = live_from
            while True:
                item = await subscriber.queue.get()
                if item is None:  # overflow: the stream ends; resubscribing from ``last`` replays the rest
                    yield Resync(reason="too_slow", positions=last)
                    return
                last = self._relevant(item.positions, types)
                yield Delivery(item.envelope, last)
        finally:
            with self._lock:
                self._subscribers[key].discard(subscriber)
                if not self._subscribers[key]:
                    del self._subscribers[key]

    async def _catch_up(
        self, key: str, types: set[str], after: Positions, live_from: Positions
    ) -> AsyncIterator[Delivery | Resync]:
        plan = replay_plan(after, live_from, max_replay=self.max_replay)
        if isinstance(plan, Resync):
            yield plan
            return
        found, reason = await asyncio.to_thread(
            read_range, self.bootstrap, plan, live_from, lambda env: key in recipients(env) and env.type in types
        )
        if reason is not None:
            yield Resync(reason=reason, positions=live_from)
            return
        for delivery in found:
            yield delivery

    def _relevant(self, positions: Positions, types: set[str]) -> Positions:
        wanted = {EVENT_MODELS[t].TOPIC for t in types}
        return {tp: offset for tp, offset in positions.items() if tp[0] in wanted}

    async def _wait_ready(self) -> None:
        for _ in range(300):  # bounded: 30 s for the consumer to position itself
            if self.ready.is_set():
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("the subscription consumer is not ready")

    def positions(self) -> Positions:
        """Where the hub is: the next offset of every partition it reads."""
        with self._lock:
            return dict(self._position)

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    # --- delivery (consumer thread side) -----------------------------------------------------------
    def dispatch(self, envelope: Envelope | None, *, topic: str = "", partition: int = 0, offset: int = -1) -> int:
        """Advance the position past this record and hand it to the subscribers it is for."""
        delivered = 0
        with self._lock:
            if offset >= 0:
                self._position[(topic, partition)] = offset + 1
            if envelope is None:
                return 0
            positions = dict(self._position)
            for key in recipients(envelope):
                for subscriber in self._subscribers.get(key, ()):
                    if envelope.type in subscriber.types:
                        subscriber.loop.call_soon_threadsafe(_offer, subscriber, Delivery(envelope, positions))
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
                        where = dict(topic=record.topic, partition=record.partition, offset=record.offset)
                        try:
                            self.dispatch(Envelope.from_bytes(record.value), **where)
                        except (ValidationError, KeyError, TypeError) as exc:
                            self.dispatch(None, **where)
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
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id="gateway-fanout",
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=30000,
        )
        partitions = []
        for topic in self.topic_names:
            for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                partitions.append(TopicPartition(topic, partition))
        consumer.assign(partitions)
        with self._lock:
            if self._position:  # a reconnect after a broker outage: go on where it stopped
                for tp in partitions:
                    consumer.seek(tp, self._position.get((tp.topic, tp.partition), 0))
            else:
                consumer.seek_to_end(*partitions)
            for tp in partitions:  # resolve the offsets now, so nothing published after ready is skipped
                self._position[(tp.topic, tp.partition)] = consumer.position(tp)
        return consumer

    def start(self) -> SubscriptionHub:
        self._thread = threading.Thread(
            target=self._consume, args=(self._make_consumer,), name="gateway-fanout", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _offer(subscriber: _Subscriber, delivery: Delivery) -> None:
    """A slow subscriber whose queue is full loses its queue and gets one ``None`` (a resync) instead."""
    if subscriber.overflowed:
        return
    if subscriber.queue.full():
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.overflowed = True
        subscriber.queue.put_nowait(None)
        return
    subscriber.queue.put_nowait(delivery)


def _close(consumer: KafkaConsumer) -> None:
    try:
        consumer.close()
    except Exception:  # noqa: BLE001 - closing a broken consumer may fail in many ways
        pass
