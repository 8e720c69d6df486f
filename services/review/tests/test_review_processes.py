"""The walking skeleton across real processes: the worker (``python -m peerlab.review.worker``)
consumes a hand-in from the broker, and the API (``uvicorn peerlab.review.main:app``) serves it."""

import sys
import time
from datetime import timedelta

import httpx
import pytest
from kafka import KafkaProducer
from review_testkit import hand_in, migrate, now, token

from peerlab.contracts import Envelope, topics
from peerlab.review.settings import ReviewSettings


@pytest.mark.slow
def test_worker_and_api_processes(make_kafka_broker, fresh_database_url, spawn_service):
    broker = make_kafka_broker()
    url = fresh_database_url("review_processes")
    migrate(url)
    env = {
        "PEERLAB_REVIEW_DATABASE_URL": url,
        "PEERLAB_REVIEW_KAFKA_BOOTSTRAP": broker.bootstrap,
        "PEERLAB_REVIEW_RELAY_IN_PROCESS": "false",
        "PEERLAB_REVIEW_ENVIRONMENT": "test",
        "PEERLAB_REVIEW_LOG_JSON": "false",
    }
    spawn_service([sys.executable, "-m", "peerlab.review.worker"], env=env, name="review-worker")
    api = spawn_service("peerlab.review.main:app", env=env, name="review-api")

    data = hand_in("s210042", 1, at=now() - timedelta(hours=1))
    envelope_bytes = _envelope(data)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", max_block_ms=10000)
    try:
        producer.send(topics.SUBMISSIONS, key=data.submission_id.encode(), value=envelope_bytes).get(timeout=15)
    finally:
        producer.close()

    headers = token("s210042", settings=ReviewSettings())
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = httpx.get(f"{api.url}/v1/submissions/{data.submission_id}", headers=headers, timeout=5)
        if status.status_code == 200:
            break
        time.sleep(0.2)
    assert status is not None and status.status_code == 200, status.text if status else None
    assert status.json()["owner_id"] == "s210042"
    ready = httpx.get(f"{api.url}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text


def _envelope(data) -> bytes:
    return Envelope.wrap(data, source="submissions", subject=data.submission_id, course_id="02456-2021").to_bytes()
