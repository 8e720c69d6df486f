"""Consumer runner: handler + inbox key in one transaction, then the Kafka offset commit.

- Redelivery (after a crash between the DB commit and the offset commit) is harmless: the inbox
  key makes the second delivery a no-op.
- A handler error is retried with backoff; a message that keeps failing goes to the consumer's
  dead-letter topic with the error in its headers, and the consumer goes on.
- The database being unavailable is not the message's fault: the runner waits and retries without
  dead-lettering and without committing the offset.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session

from peerlab.chassis import inbox
from peerlab.chassis.db import unit_of_work
from peerlab.chassis.kafka import ensure_topics, make_consumer, make_producer
from peerlab.chassis.observability import reset_correlation_id, set_correlation_id
from peerlab.chassis.tracing import consume_span
from peerlab.contracts import Envelope, EventData, parse_data, topics as topic_names

log = logging.getLogger("peerlab.consumer")

Handler = Callable[[Session, Envelope, EventData], None]

HANDLED = Counter("peerlab_events_handled_total", "Events handled", ["consumer", "type"])
DUPLICATES = Counter("peerlab_events_duplicate_total", "Redelivered events skipped", ["consumer"])
DEAD_LETTERED = Counter("peerlab_events_dead_lettered_total", "Events sent to the DLQ", ["consumer"])


class PoisonMessage(Exception):
    """The message can never be handled (not an envelope, unknown schema)."""


@dataclass
class ConsumerSpec:
    """What a service declares: a consumer group name, its topics, and a handler per event type."""

    name: str
    topics: list[str]
    handlers: dict[str, Handler]
    max_attempts: int = 5
    backoff_s: float = 0.2
    extra: dict = field(default_factory=dict)


class ConsumerRunner:
    def __init__(self, spec: ConsumerSpec, *, engine: Engine, bootstrap: str) -> None:
        self.spec = spec
        self.engine = engine
        self.bootstrap = bootstrap
        self.dlq_topic = topic_names.dead_letter_topic(spec.name)
        self._dlq_producer: KafkaProducer | None = None

    # --- one message -------------------------------------------------------------------------
    def handle_message(self, raw: bytes, *, stop: threading.Event) -> str:
        """Apply one message; returns 'handled', 'duplicate', 'ignored' or 'dead_lettered'."""
        try:
            envelope = Envelope.from_bytes(raw)
        except ValidationError as exc:
            self._dead_letter(raw, f"not an envelope: {exc.error_count()} errors", "PoisonMessage")
            return "dead_lettered"
        handler = self.spec.handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        token = set_correlation_id(envelope.correlation_id)
        try:
            with consume_span(envelope, consumer=self.spec.name):
                return self._apply_with_retries(handler, envelope, raw, stop)
        finally:
            reset_correlation_id(token)

    def _apply_with_retries(self, handler: Handler, envelope: Envelope, raw: bytes, stop: threading.Event) -> str:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._apply_once(handler, envelope)
            except (OperationalError, InterfaceError) as exc:
                # Database unavailable: wait and retry, never dead-letter for this.
                log.warning("%s: database unavailable (%s); retrying", self.spec.name, exc.__class__.__name__)
                if stop.wait(min(5.0, self.spec.backoff_s * 2 ** min(attempt, 5))):
                    raise
                attempt = 0
            except Exception as exc:  # a handler bug must not stop the consumer
                if attempt >= self.spec.max_attempts or isinstance(exc, PoisonMessage | ValidationError):
                    log.error("%s: %s failed %d times; dead-lettering: %s", self.spec.name, envelope.id, attempt, exc)
                    self._dead_letter(raw, str(exc)[:1000], exc.__class__.__name__)
                    return "dead_lettered"
                log.warning("%s: %s failed (attempt %d): %s", self.spec.name, envelope.id, attempt, exc)
                if stop.wait(self.spec.backoff_s * 2 ** (attempt - 1)):
                    raise

    def _apply_once(self, handler: Handler, envelope: Envelope) -> str:
        try:
            with unit_of_work(self.engine) as session:
                if inbox.seen(session, consumer=self.spec.name, event_id=envelope.id):
                    DUPLICATES.labels(self.spec.name).inc()
                    return "duplicate"
                data = parse_data(envelope)
                handler(session, envelope, data)
                inbox.record(session, consumer=self.spec.name, event_id=envelope.id, event_type=envelope.type)
        except IntegrityError:
            # A concurrent delivery of the same event committed first.
            with unit_of_work(self.engine) as session:
                if inbox.seen(session, consumer=self.spec.name, event_id=envelope.id):
                    DUPLICATES.labels(self.spec.name).inc()
                    return "duplicate"
            raise
        HANDLED.labels(self.spec.name, envelope.type).inc()
        return "handled"

    def _dead_letter(self, raw: bytes, error: str, error_type: str) -> None:
        if self._dlq_producer is None:
            self._dlq_producer = make_producer(self.bootstrap, client_id=f"{self.spec.name}-dlq")
        self._dlq_producer.send(
            self.dlq_topic,
            value=raw,
            headers=[
                ("error", error.encode()),
                ("error_type", error_type.encode()),
                ("consumer", self.spec.name.encode()),
            ],
        ).get(timeout=15)
        DEAD_LETTERED.labels(self.spec.name).inc()

    # --- the loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, poll_timeout_ms: int = 500) -> None:
        consumer: KafkaConsumer | None = None
        while not stop.is_set():
            try:
                if consumer is None:
                    ensure_topics(self.bootstrap, [*self.spec.topics, self.dlq_topic])
                    consumer = make_consumer(self.bootstrap, group_id=self.spec.name, topics=self.spec.topics)
                self._poll_once(consumer, stop, poll_timeout_ms)
            except Exception as exc:  # noqa: BLE001 - broker outages: reconnect with backoff
                if stop.is_set():
                    break
                log.warning("%s: consumer error %s; reconnecting", self.spec.name, exc)
                if consumer is not None:
                    _close_quietly(consumer)
                    consumer = None
                stop.wait(1.0)
        if consumer is not None:
            _close_quietly(consumer)
        if self._dlq_producer is not None:
            self._dlq_producer.close(timeout=2)

    def _poll_once(self, consumer: KafkaConsumer, stop: threading.Event, poll_timeout_ms: int) -> None:
        """Handle a polled batch; commit each partition's offset after its messages' DB commits."""
        batches = consumer.poll(timeout_ms=poll_timeout_ms)
        for tp, messages in batches.items():
            last_done: int | None = None
            try:
                for message in messages:
                    if stop.is_set():
                        break
                    self.handle_message(message.value, stop=stop)
                    last_done = message.offset
            finally:
                if last_done is not None:
                    consumer.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(last_done + 1, "", -1)})


def _close_quietly(consumer: KafkaConsumer) -> None:
    try:
        consumer.close(autocommit=False)
    except Exception:  # noqa: BLE001 - closing a broken consumer may fail in many ways
        pass
