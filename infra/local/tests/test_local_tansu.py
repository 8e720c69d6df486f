"""tansu over the Kafka wire with kafka-python, as the chassis uses it."""

import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from peerlab.local.launchers import TansuBroker
from peerlab.local.launchers.tansu import kafka_metadata_ok


def _consume(bootstrap: str, topic: str, group: str, expected: int) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        consumer_timeout_ms=15000,
    )
    values = []
    try:
        for message in consumer:
            values.append(message.value)
            if len(values) >= expected:
                break
        consumer.commit()
    finally:
        consumer.close()
    return values


def _idempotent_producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", max_block_ms=10000)


def test_produce_and_consume_with_an_idempotent_producer_on_an_auto_created_topic(kafka_broker):
    topic = f"auto-{uuid.uuid4().hex[:8]}"
    producer = _idempotent_producer(kafka_broker.bootstrap)
    try:
        sent = [producer.send(topic, key=b"one-key", value=f"v{i}".encode()) for i in range(5)]
        records = [f.get(timeout=10) for f in sent]
    finally:
        producer.close()
    assert [r.offset for r in records] == [0, 1, 2, 3, 4]  # one key, one partition, in order
    assert len({r.partition for r in records}) == 1
    assert sorted(_consume(kafka_broker.bootstrap, topic, "g-auto", 5)) == [b"v0", b"v1", b"v2", b"v3", b"v4"]


def test_admin_client_creates_a_topic_with_partitions(kafka_broker):
    topic = f"admin-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        assert topic in admin.list_topics()
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_broker.bootstrap)
    try:
        assert consumer.partitions_for_topic(topic) == {0, 1, 2}
    finally:
        consumer.close()


def test_stop_and_start_on_the_same_port(tmp_path):
    broker = TansuBroker(workdir=tmp_path).start()
    port = broker.port
    try:
        assert kafka_metadata_ok(broker.bootstrap)
        broker.stop()
        assert not broker.running
        assert not kafka_metadata_ok(broker.bootstrap, timeout_ms=500)
        broker.start()
        assert broker.port == port and kafka_metadata_ok(broker.bootstrap)
    finally:
        broker.stop()
    assert "listening on: tcp://127.0.0.1:%d" % port in broker.log_path.read_text()


def test_durable_broker_keeps_topics_and_committed_offsets_across_a_restart(make_kafka_broker):
    broker = make_kafka_broker(durable=True)
    topic = f"durable-{uuid.uuid4().hex[:8]}"
    producer = _idempotent_producer(broker.bootstrap)
    for i in range(3):
        producer.send(topic, key=b"k", value=f"v{i}".encode()).get(timeout=10)
    producer.close()
    assert _consume(broker.bootstrap, topic, "g-durable", 2) == [b"v0", b"v1"]

    broker.kill()
    broker.start()

    assert _consume(broker.bootstrap, topic, "g-durable", 1) == [b"v2"]
    assert _consume(broker.bootstrap, topic, "g-fresh", 3) == [b"v0", b"v1", b"v2"]


def test_in_memory_broker_forgets_its_topics_on_restart(make_kafka_broker):
    broker = make_kafka_broker()
    topic = f"mem-{uuid.uuid4().hex[:8]}"
    producer = _idempotent_producer(broker.bootstrap)
    producer.send(topic, value=b"x").get(timeout=10)
    producer.close()
    broker.stop()
    broker.start()
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        assert topic not in admin.list_topics()
    finally:
        admin.close()
