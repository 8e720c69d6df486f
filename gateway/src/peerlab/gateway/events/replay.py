"""Stream positions and bounded replay for subscriptions that survive a reconnect.

A position is the next offset of every partition of the topics a subscription reads; it is what
the client sees as ``eventId`` (opaque, ``v1.<base64url JSON>``). A client that reconnects with the
last one it saw gets the events it missed, read again from Kafka up to where the live feed starts,
unless that is more than ``max_replay`` records away, no longer on the broker (retention), or not a
position of this stream: then a ``Resync`` tells it to reload its state.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from peerlab.contracts import Envelope

Positions = dict[tuple[str, int], int]
MAX_EVENT_ID_CHARS = 4096
_PREFIX = "v1."


@dataclass(frozen=True)
class Delivery:
    envelope: Envelope
    positions: Positions


@dataclass(frozen=True)
class Resync:
    """The client must reload its state; ``positions`` is where the stream goes on from."""

    reason: str
    positions: Positions


def encode_positions(positions: Positions) -> str:
    items = sorted([topic, partition, offset] for (topic, partition), offset in positions.items())
    return _PREFIX + base64.urlsafe_b64encode(json.dumps(items, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_positions(event_id: str) -> Positions:
    """The positions of an event id; ValueError when it is not one this gateway wrote."""
    if len(event_id) > MAX_EVENT_ID_CHARS or not event_id.startswith(_PREFIX):
        raise ValueError("not an event id")
    body = event_id[len(_PREFIX) :]
    try:
        items = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not an event id") from exc
    positions: Positions = {}
    for item in items if isinstance(items, list) else [None]:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in item[1:])
        ):
            raise ValueError("not an event id")
        positions[(item[0], item[1])] = item[2]
    return positions


def replay_plan(after: Positions, live_from: Positions, *, max_replay: int) -> Positions | Resync:
    """Where to start reading again, or why not: ``unknown_position`` (not this stream's, or ahead of
    it), ``too_old`` (more than ``max_replay`` records to read)."""
    if set(after) != set(live_from) or any(after[tp] > live_from[tp] for tp in after):
        return Resync(reason="unknown_position", positions=live_from)
    if sum(live_from[tp] - after[tp] for tp in after) > max_replay:
        return Resync(reason="too_old", positions=live_from)
    return dict(after)


def read_range(
    bootstrap: str, start: Positions, end: Positions, wanted: Callable[[Envelope], bool], *, timeout_s: float = 15.0
) -> tuple[list[Delivery], str | None]:
    """Records from ``start`` up to (not including) ``end`` that are ``wanted``, each with the position
    after it; ``(…, reason)`` when the range cannot be read (``too_old``: gone by retention)."""
    todo = {tp: offset for tp, offset in start.items() if offset < end[tp]}
    if not todo:
        return [], None
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="gateway-replay",
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=30000,
    )
    try:
        parts = {tp: TopicPartition(*tp) for tp in todo}
        consumer.assign(list(parts.values()))
        earliest = consumer.beginning_offsets(list(parts.values()))
        if any(todo[tp] < earliest[part] for tp, part in parts.items()):
            return [], "too_old"
        for tp, part in parts.items():
            consumer.seek(part, todo[tp])
        per_partition: dict[tuple[str, int], list] = {tp: [] for tp in todo}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(part) < end[tp] for tp, part in parts.items()):
            if time.monotonic() > deadline:
                return [], "replay_timeout"
            for part, records in consumer.poll(timeout_ms=200).items():
                tp = (part.topic, part.partition)
                per_partition[tp].extend(r for r in records if r.offset < end[tp])
        # Partitions interleaved by record time (each partition's own order kept), so a client sees
        # the missed events about in the order they happened; each carries the position after it.
        progress, found = dict(start), []
        for record in heapq.merge(*per_partition.values(), key=lambda r: r.timestamp):
            progress[(record.topic, record.partition)] = record.offset + 1
            try:
                envelope = Envelope.from_bytes(record.value)
                keep = wanted(envelope)
            except (ValidationError, KeyError, TypeError):
                continue
            if keep:
                found.append(Delivery(envelope, dict(progress)))
        return found, None
    finally:
        consumer.close()
