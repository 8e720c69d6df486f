"""What a worker serves on ``worker_metrics_port``: ``/metrics``, ``/healthz`` and ``/readyz``.

Metrics a worker exports (besides the relay's ``peerlab_outbox_backlog`` and
``peerlab_outbox_oldest_age_seconds`` and the consumer's ``peerlab_events_*_total`` counters):

- ``peerlab_event_handler_seconds{consumer,type}``: time in a handler (its transaction included);
- ``peerlab_consumer_lag{consumer,topic,partition}``: end offset minus the group's committed offset,
  sampled every ``interval_s`` by :class:`LagSampler`.

``/healthz`` answers 503 once any of the worker's loops has died; ``/readyz`` also when the lag
sampler cannot reach the broker.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, Histogram, generate_latest

from peerlab.chassis.consumer import ConsumerSpec

log = logging.getLogger("peerlab.worker.metrics")

HANDLER_SECONDS = Histogram(
    "peerlab_event_handler_seconds",
    "Time spent handling one event (its transaction included)",
    ["consumer", "type"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMER_LAG = Gauge(
    "peerlab_consumer_lag", "Messages not yet committed by the consumer group", ["consumer", "topic", "partition"]
)
LAG_SAMPLE_AGE = Gauge("peerlab_consumer_lag_sampled_timestamp_seconds", "When the lag was last sampled")


def timed(spec: ConsumerSpec) -> ConsumerSpec:
    """The same consumer with every handler timed into ``peerlab_event_handler_seconds``."""

    def wrap(event_type: str, handler: Callable) -> Callable:
        histogram = HANDLER_SECONDS.labels(spec.name, event_type)

        def run(session, envelope, data):  # same signature as the handler
            started = time.perf_counter()
            try:
                return handler(session, envelope, data)
            finally:
                histogram.observe(time.perf_counter() - started)

        return run

    return dataclasses.replace(spec, handlers={t: wrap(t, h) for t, h in spec.handlers.items()})


class LagSampler:
    """Consumer-group lag per partition from the broker (committed offsets vs end offsets)."""

    def __init__(self, bootstrap: str, consumers: Sequence[ConsumerSpec], *, interval_s: float = 15.0) -> None:
        self.bootstrap = bootstrap
        self.consumers = list(consumers)
        self.interval_s = interval_s
        self.healthy = False
        self._admin: KafkaAdminClient | None = None
        self._offsets: KafkaConsumer | None = None

    def sample(self) -> dict[tuple[str, str, int], int]:
        """{(consumer, topic, partition): lag} now; sets the gauges."""
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, client_id="peerlab-lag", request_timeout_ms=10000
            )
            self._offsets = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id="peerlab-lag",
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=10000,
            )
        out: dict[tuple[str, str, int], int] = {}
        for spec in self.consumers:
            partitions = [
                TopicPartition(topic, p)
                for topic in spec.topics
                for p in sorted(self._offsets.partitions_for_topic(topic) or ())
            ]
            committed = self._admin.list_group_offsets({spec.name: partitions}).get(spec.name, {}) if partitions else {}
            ends = self._offsets.end_offsets(partitions) if partitions else {}
            for tp in partitions:
                done = committed.get(tp)
                position = done.offset if done is not None and done.offset >= 0 else 0
                lag = max(0, ends.get(tp, 0) - position)
                out[(spec.name, tp.topic, tp.partition)] = lag
                CONSUMER_LAG.labels(spec.name, tp.topic, str(tp.partition)).set(lag)
        LAG_SAMPLE_AGE.set(time.time())
        return out

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.sample()
                self.healthy = True
            except Exception as exc:  # noqa: BLE001 - a broker outage: report unready, try again
                self.healthy = False
                log.warning("lag sampling failed: %s", exc)
                self.close()
            stop.wait(self.interval_s)
        self.close()

    def close(self) -> None:
        for client in (self._admin, self._offsets):
            try:
                if client is not None:
                    client.close()
            except Exception:  # noqa: BLE001 - closing a broken client may fail in many ways
                pass
        self._admin = self._offsets = None


def serve(
    host: str, port: int, *, threads: Callable[[], Sequence[threading.Thread]], ready: Callable[[], bool] = lambda: True
) -> ThreadingHTTPServer:
    """Start the worker's HTTP endpoint in a daemon thread; returns the server (``.shutdown()``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, generate_latest(), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/readyz"):
                dead = [t.name for t in threads() if not t.is_alive()]
                ok = not dead and (path == "/healthz" or ready())
                body = b'{"status":"ok"}' if ok else (b'{"status":"failing","dead":"%s"}' % ",".join(dead).encode())
                self._answer(200 if ok else 503, body, "application/json")
            else:
                self._answer(404, b"not found", "text/plain")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server
