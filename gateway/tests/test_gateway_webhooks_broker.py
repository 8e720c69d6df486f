"""Webhooks out end to end over the real broker: a roster change in the gateway's own outbox is
relayed to Kafka, consumed by the webhook consumer and delivered to a verifying receiver."""

from __future__ import annotations

import threading
import time

from standardwebhooks.webhooks import Webhook

from peerlab.chassis.db import make_engine
from peerlab.gateway import worker


def test_roster_change_reaches_the_lms_receiver_through_kafka(client, settings, auth, receiver) -> None:
    admin = auth("t-admin", "admin")
    endpoint = client.post(
        "/v1/webhooks/endpoints",
        headers=admin,
        json={"url": receiver.url, "event_types": ["roster.person_enrolled.v1"]},
    ).json()
    marker = f"s{time.time_ns() % 10**9}"
    csv = f"id,name,roles,programme\n{marker},Test Person,student,msc\n"
    assert (
        client.post("/v1/roster/import", content=csv, headers={**admin, "content-type": "text/csv"}).status_code == 200
    )
    engine = make_engine(settings)
    stop = threading.Event()
    threads = worker.start(settings, engine, stop)
    try:
        deadline = time.monotonic() + 60
        mine = []
        while time.monotonic() < deadline and not mine:
            for request in list(receiver.requests):
                payload = Webhook(endpoint["secret"]).verify(request["body"], request["headers"])
                if payload["data"].get("person_id") == marker:
                    mine.append(payload)
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        engine.dispose()
    assert mine, "the enrolment never reached the receiver"
    assert mine[0]["type"] == "roster.person_enrolled.v1" and mine[0]["data"]["programme"] == "msc"
    assert "Test Person" not in str(mine[0])  # names stay inside Peerlab
