"""Kafka clients (kafka-python) configured the one way every service uses them."""

from __future__ import annotations

import logging

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger("peerlab.kafka")

DEFAULT_PARTITIONS = 3


def make_producer(bootstrap: str, *, client_id: str = "peerlab", delivery_timeout_ms: int = 30000) -> KafkaProducer:
    """acks=all and idempotence: a retried send is not written twice by the broker."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        batch_size=256 * 1024,
        max_block_ms=5000,
        request_timeout_ms=10000,
        delivery_timeout_ms=delivery_timeout_ms,
    )


def make_consumer(bootstrap: str, *, group_id: str, topics: list[str], client_id: str = "peerlab") -> KafkaConsumer:
    """Manual offset commits; short session timeouts so a group forms in about a second."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        max_poll_records=500,
        # tansu answers a fetch with what it read from its storage within this wait: on S3 storage
        # (the dev broker's, on moto) under load 50 ms read nothing, and the consumer stalled for
        # minutes at the same offset; Kafka's default of 500 ms reads it.
        fetch_max_wait_ms=500,
        max_poll_interval_ms=300000,
        request_timeout_ms=30000,
    )
    consumer.subscribe(topics)
    return consumer


def ensure_topics(bootstrap: str, topics: list[str], *, partitions: int = DEFAULT_PARTITIONS) -> None:
    """Create missing topics; existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="peerlab-admin", request_timeout_ms=10000)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        try:
            admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
        except TopicAlreadyExistsError:
            pass
        except KafkaError as exc:  # a concurrent creator may have won for some of them
            log.info("create_topics: %s", exc)
    finally:
        admin.close()
