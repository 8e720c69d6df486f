"""The service chassis: one FastAPI app shape for every service."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI

from peerlab.chassis.body_limit import JsonBodyLimitMiddleware
from peerlab.chassis.clock import use_test_clock_file
from peerlab.chassis.db import make_engine
from peerlab.chassis.errors import install_problem_handlers
from peerlab.chassis.health import Check, check_broker, check_database, health_router
from peerlab.chassis.kafka import make_producer
from peerlab.chassis.nul_guard import NulGuardMiddleware
from peerlab.chassis.problem_docs import document_problems
from peerlab.chassis.observability import CorrelationAndMetricsMiddleware, configure_logging, metrics_endpoint
from peerlab.chassis.relay import OutboxRelay
from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.tracing import instrument_app

log = logging.getLogger("peerlab.app")

Hook = Callable[[FastAPI], None]


# The relay's own connections: a claim in flight, two batches awaiting acknowledgements, gauges.
RELAY_POOL_SIZE = 2
RELAY_MAX_OVERFLOW = 3


def build_relay(app_or_engine, settings: ServiceSettings) -> OutboxRelay:
    engine = getattr(getattr(app_or_engine, "state", None), "engine", app_or_engine)
    return OutboxRelay(
        engine,
        lambda: make_producer(settings.kafka_bootstrap, client_id=f"{settings.service_name}-relay"),
        service=settings.service_name,
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
        listen=settings.relay_listen,
        listen_poll_s=settings.relay_listen_poll_s,
    )


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    readiness: dict[str, Check] | None = None,
    on_startup: Sequence[Hook] = (),
    version: str = "1.0.0",
) -> FastAPI:
    """Engine, problem+json errors, correlation ids, metrics, health, and (dev) the in-process relay."""
    configure_logging(settings.service_name, level=settings.log_level, json_format=settings.log_json)
    if settings.test_clock_file:
        use_test_clock_file(settings.test_clock_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Request sessions wait for their turn in the event loop (see db.get_session); the
        # thread pool stays anyio's unless configured.
        app.state.session_limiter = anyio.CapacityLimiter(settings.request_sessions)
        if settings.request_threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        for hook in on_startup:
            hook(app)
        stop = threading.Event()
        relay_thread = None
        relay_engine = None
        if settings.relay_in_process:
            # Its own thread and its own small pool: a slow or stopped broker never holds the
            # request threads or the request pool's connections.
            relay_engine = make_engine(settings, pool_size=RELAY_POOL_SIZE, max_overflow=RELAY_MAX_OVERFLOW)
            relay = build_relay(relay_engine, settings)
            relay_thread = threading.Thread(target=relay.run, args=(stop,), name="outbox-relay", daemon=True)
            relay_thread.start()
        try:
            yield
        finally:
            stop.set()
            if relay_thread is not None:
                relay_thread.join(timeout=10)
            if relay_engine is not None:
                relay_engine.dispose()
            app.state.engine.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    install_problem_handlers(app)
    app.add_middleware(JsonBodyLimitMiddleware, max_bytes=settings.max_json_body_bytes)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(CorrelationAndMetricsMiddleware, service=settings.service_name)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(health_router({"database": check_database, "broker": check_broker, **(readiness or {})}))
    for router in routers:
        app.include_router(router)
    document_problems(app)
    instrument_app(app, settings)
    return app
