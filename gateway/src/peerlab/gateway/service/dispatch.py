"""The delivery loop: claim due deliveries, attempt them concurrently, record each outcome.

A claim moves ``next_attempt_at`` past the attempt's timeout (a lease), so a crashed worker's
deliveries become due again and several workers (PostgreSQL, ``SKIP LOCKED``) never double-send.
Each claim first makes due the held grade deliveries of every course whose grades were released
(a release and a grade recorded at the same moment by two workers cannot leave one held).

Every attempt is signed when it is sent (``webhook-timestamp`` and ``webhook-signature`` from the
clock at that moment; only ``webhook-id`` is the same on every attempt): nothing signed is stored
with the delivery, so a retry hours later still passes the receiver's 5-minute timestamp check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from peerlab.chassis.db import is_postgres, unit_of_work
from peerlab.chassis import clock
from peerlab.gateway import repository
from peerlab.gateway.service import delivery as sender
from peerlab.gateway.service import webhooks
from peerlab.gateway.settings import GatewaySettings

log = logging.getLogger("peerlab.gateway.webhooks")


class WebhookDispatcher:
    def __init__(self, engine: Engine, settings: GatewaySettings, *, clock: Callable[[], datetime] = clock.now) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock  # what an attempt is signed with
        self.client = sender.make_client(settings.webhook_timeout_s)
        self.pool = ThreadPoolExecutor(max_workers=settings.webhook_concurrency, thread_name_prefix="webhook")

    def _claim(self) -> list[dict]:
        now = clock.now()
        lease = now + timedelta(seconds=self.settings.webhook_timeout_s * 4 + 30)
        with unit_of_work(self.engine) as session:
            repository.release_held_deliveries(session, now=now)  # grades of courses released since
            rows = repository.due_deliveries(
                session, now=now, limit=self.settings.webhook_concurrency * 4, lock=is_postgres(self.engine)
            )
            jobs = []
            for delivery in rows:
                endpoint = repository.get_endpoint(session, delivery.endpoint_id)
                if endpoint is None or not endpoint.enabled:
                    delivery.status, delivery.next_attempt_at = "failed", None
                    continue
                delivery.next_attempt_at = lease
                jobs.append(
                    {
                        "delivery_id": delivery.id,
                        "url": endpoint.url,
                        "webhook_id": delivery.webhook_id,
                        "body": delivery.payload,
                        "secrets": webhooks.signing_secrets(endpoint, now=now),
                    }
                )
        return jobs

    def _deliver(self, job: dict) -> None:
        started = clock.now()
        result = sender.attempt(
            self.client,
            url=job["url"],
            secrets=job["secrets"],
            webhook_id=job["webhook_id"],
            body=job["body"],
            allow_private=self.settings.webhook_allow_private,
            now=self.clock,
        )
        with unit_of_work(self.engine) as session:
            webhooks.record_attempt(
                session,
                delivery_id=job["delivery_id"],
                started_at=started,
                result=result,
                disable_after_s=self.settings.webhook_disable_after_days * 86400,
            )

    def run_once(self) -> int:
        """Attempt every delivery due now; returns how many were attempted."""
        jobs = self._claim()
        for future in [self.pool.submit(self._deliver, job) for job in jobs]:
            try:
                future.result()
            except Exception:  # the lease makes it due again later
                log.exception("webhook delivery failed to record")
        return len(jobs)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(self.settings.webhook_poll_interval_s)
            except Exception as exc:  # noqa: BLE001 - database outage: back off and retry
                log.warning("webhook dispatch: %s", exc)
                stop.wait(2.0)
        self.pool.shutdown(wait=True)
        self.client.close()
