"""The worker's /metrics, /healthz and /readyz, its consumer-lag gauge (over a real broker) and its
handler timing."""

from __future__ import annotations

import threading
import uuid

import httpx
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.chassis.kafka import ensure_topics
from peerlab.chassis.worker_metrics import LagSampler, serve, timed
from peerlab.local.ports import free_port


def test_lag_per_partition_is_end_offset_minus_committed(kafka_broker):
    topic, group = f"lag-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka_broker.bootstrap, [topic], partitions=1)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    for i in range(5):
        producer.send(topic, value=b"x%d" % i, partition=0).get(timeout=15)
    producer.close()
    committer = KafkaConsumer(bootstrap_servers=kafka_broker.bootstrap, group_id=group, enable_auto_commit=False)
    committer.commit({TopicPartition(topic, 0): OffsetAndMetadata(2, "", -1)})
    committer.close()
    sampler = LagSampler(kafka_broker.bootstrap, [ConsumerSpec(name=group, topics=[topic], handlers={})])
    try:
        assert sampler.sample() == {(group, topic, 0): 3}
    finally:
        sampler.close()
    assert REGISTRY.get_sample_value("peerlab_consumer_lag", {"consumer": group, "topic": topic, "partition": "0"}) == 3


def test_a_group_that_never_committed_lags_by_everything(kafka_broker):
    topic, group = f"lag-{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka_broker.bootstrap, [topic], partitions=1)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap)
    for _ in range(4):
        producer.send(topic, value=b"y", partition=0).get(timeout=15)
    producer.close()
    sampler = LagSampler(kafka_broker.bootstrap, [ConsumerSpec(name=group, topics=[topic], handlers={})])
    try:
        assert sampler.sample() == {(group, topic, 0): 4}
    finally:
        sampler.close()


def test_endpoints_report_metrics_and_dead_loops():
    stop = threading.Event()
    alive = threading.Thread(target=stop.wait, name="alive", daemon=True)
    alive.start()
    loops = [alive]
    ready = {"ok": False}
    port = free_port()
    server = serve("127.0.0.1", port, threads=lambda: loops, ready=lambda: ready["ok"])
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 503  # the lag sampler has not reached the broker
        ready["ok"] = True
        assert httpx.get(f"{base}/readyz").status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert "peerlab_outbox_backlog" in metrics or "peerlab_consumer_lag" in metrics
        stop.set()
        alive.join(5)
        failing = httpx.get(f"{base}/healthz")
        assert failing.status_code == 503 and "alive" in failing.text
        assert httpx.get(f"{base}/nope").status_code == 404
    finally:
        server.shutdown()


def test_handlers_are_timed_by_consumer_and_type():
    calls = []
    spec = ConsumerSpec(name=f"t-{uuid.uuid4().hex[:6]}", topics=["x"], handlers={"a.b.v1": lambda *a: calls.append(a)})
    wrapped = timed(spec)
    wrapped.handlers["a.b.v1"]("s", "e", "d")
    assert (
        calls == [("s", "e", "d")]
        and wrapped.name == spec.name
        and spec.handlers["a.b.v1"] is not wrapped.handlers["a.b.v1"]
    )
    labels = {"consumer": spec.name, "type": "a.b.v1"}
    assert REGISTRY.get_sample_value("peerlab_event_handler_seconds_count", labels) == 1


def test_a_worker_with_a_metrics_port_serves_its_lag(kafka_broker, tmp_path):
    from peerlab.chassis.db import make_engine
    from peerlab.chassis.settings import ServiceSettings
    from peerlab.chassis.worker import start_worker_threads

    topic, group = f"w-{uuid.uuid4().hex[:8]}", f"wg-{uuid.uuid4().hex[:8]}"
    port = free_port()
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path}/w.db",
        kafka_bootstrap=kafka_broker.bootstrap,
        worker_metrics_port=port,
        consumer_lag_interval_s=0.5,
    )
    engine = make_engine(settings)
    stop = threading.Event()
    threads = start_worker_threads(
        settings=settings,
        engine=engine,
        stop=stop,
        run_relay=False,
        consumers=[ConsumerSpec(name=group, topics=[topic], handlers={})],
    )
    try:
        import time

        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline and f'consumer="{group}"' not in body:
            time.sleep(0.3)
            body = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert f'peerlab_consumer_lag{{consumer="{group}",partition="0",topic="{topic}"}}' in body
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        engine.dispose()
