"""The worker process of a service: event consumers, periodic jobs and (production) the outbox relay."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prometheus_client import start_http_server
from sqlalchemy.engine import Engine
from sqlmodel import Session

from peerlab.chassis.app import build_relay
from peerlab.chassis.clock import use_test_clock_file
from peerlab.chassis.consumer import ConsumerRunner, ConsumerSpec
from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.chassis.observability import configure_logging
from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.tracing import configure_tracing
from peerlab.chassis.worker_metrics import LagSampler, serve, timed

log = logging.getLogger("peerlab.worker")


@dataclass
class PeriodicJob:
    """``run(session)`` is called every ``interval_s`` in its own transaction."""

    name: str
    interval_s: float
    run: Callable[[Session], object]


def _periodic_loop(job: PeriodicJob, engine: Engine, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with unit_of_work(engine) as session:
                job.run(session)
        except Exception:  # a failing run is retried at the next tick
            log.exception("periodic job %s failed", job.name)
        stop.wait(job.interval_s)


def start_worker_threads(
    *,
    settings: ServiceSettings,
    engine: Engine,
    stop: threading.Event,
    consumers: Sequence[ConsumerSpec] = (),
    periodic: Sequence[PeriodicJob] = (),
    run_relay: bool | None = None,
) -> list[threading.Thread]:
    """Start every loop of a worker on ``stop``; tests use this to run a worker in-process."""
    threads: list[threading.Thread] = []
    if settings.test_clock_file:
        use_test_clock_file(settings.test_clock_file)
    if run_relay if run_relay is not None else not settings.relay_in_process:
        relay = build_relay(engine, settings)
        threads.append(threading.Thread(target=relay.run, args=(stop,), name="outbox-relay", daemon=True))
    for spec in consumers:
        runner = ConsumerRunner(timed(spec), engine=engine, bootstrap=settings.kafka_bootstrap)
        threads.append(threading.Thread(target=runner.run, args=(stop,), name=f"consumer-{spec.name}", daemon=True))
    for job in periodic:
        threads.append(
            threading.Thread(target=_periodic_loop, args=(job, engine, stop), name=f"job-{job.name}", daemon=True)
        )
    for thread in threads:
        thread.start()
    if settings.worker_metrics_port is not None:
        sampler = LagSampler(settings.kafka_bootstrap, consumers, interval_s=settings.consumer_lag_interval_s)
        lag_thread = threading.Thread(target=sampler.run, args=(stop,), name="consumer-lag", daemon=True)
        lag_thread.start()
        loops = [*threads]
        server = serve(
            settings.worker_metrics_host,
            settings.worker_metrics_port,
            threads=lambda: loops,
            ready=lambda: sampler.healthy or not consumers,
        )
        threading.Thread(
            target=lambda: (stop.wait(), server.shutdown()), name="worker-metrics-stop", daemon=True
        ).start()
        threads.append(lag_thread)
    return threads


def run_worker(
    *,
    settings: ServiceSettings,
    consumers: Sequence[ConsumerSpec] = (),
    periodic: Sequence[PeriodicJob] = (),
    metrics_port: int | None = None,
) -> None:
    """Run until SIGTERM/SIGINT, then stop every loop and wait for it (bounded)."""
    configure_logging(f"{settings.service_name}-worker", level=settings.log_level, json_format=settings.log_json)
    configure_tracing(settings)
    engine = make_engine(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if metrics_port:
        start_http_server(metrics_port, addr="127.0.0.1")
    threads = start_worker_threads(settings=settings, engine=engine, stop=stop, consumers=consumers, periodic=periodic)
    log.info("worker started: %d loops", len(threads))
    stop.wait()
    for thread in threads:
        thread.join(timeout=10)
    engine.dispose()
    log.info("worker stopped")
