"""``python -m peerlab.gateway.worker``: webhook fan-in consumer, webhook delivery loop, outbox relay, and
(with ``lti_enabled``) the LTI grade passback consumer and its delivery job."""

from __future__ import annotations

import logging
import signal
import threading

from sqlalchemy.engine import Engine

from peerlab.chassis.db import make_engine
from peerlab.chassis.observability import configure_logging
from peerlab.chassis.worker import PeriodicJob, start_worker_threads
from peerlab.gateway.events.handlers import webhook_consumer_spec
from peerlab.gateway.lti import passback
from peerlab.gateway.lti.platform_api import PlatformClient
from peerlab.gateway.lti.url_guard import UrlPolicy
from peerlab.gateway.service.dispatch import WebhookDispatcher
from peerlab.gateway.settings import GatewaySettings, get_settings

log = logging.getLogger("peerlab.gateway.worker")


def passback_job(settings: GatewaySettings) -> PeriodicJob:
    client = PlatformClient(
        private_key=settings.lti_private_key,
        key_id=settings.lti_key_id,
        policy=UrlPolicy.of(settings),
        timeout_s=settings.lti_timeout_s,
    )
    return PeriodicJob(
        name="lti-passback",
        interval_s=settings.lti_passback_interval_s,
        run=lambda session: passback.deliver_due(
            session, client=client, max_attempts=settings.lti_passback_max_attempts, course_id=settings.course_id
        ),
    )


def start(settings: GatewaySettings, engine: Engine, stop: threading.Event) -> list[threading.Thread]:
    """Every loop of the worker on ``stop``; tests run the worker in-process with this."""
    consumers, periodic = [webhook_consumer_spec(settings)], []
    if settings.lti_enabled:  # AGS grade passback: verdicts and released grades to the LMS gradebook
        consumers.append(passback.consumer_spec(settings.course_id))
        periodic.append(passback_job(settings))
    threads = start_worker_threads(settings=settings, engine=engine, stop=stop, consumers=consumers, periodic=periodic)
    dispatcher = WebhookDispatcher(engine, settings)
    thread = threading.Thread(target=dispatcher.run, args=(stop,), name="webhook-dispatch", daemon=True)
    thread.start()
    return [*threads, thread]


def main() -> None:
    settings = get_settings()
    configure_logging("gateway-worker", level=settings.log_level, json_format=settings.log_json)
    engine = make_engine(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = start(settings, engine, stop)
    log.info("gateway worker started: %d loops", len(threads))
    stop.wait()
    for thread in threads:
        thread.join(timeout=20)
    engine.dispose()


if __name__ == "__main__":
    main()
