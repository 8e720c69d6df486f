"""A hung broker (SIGSTOP: its sockets open, nothing answered) never stalls a hand-in.

Submissions runs as in dev: one uvicorn process with the outbox relay inside it
(``relay_in_process=true``). Twenty students hand in at once while the broker is paused: every
one is answered 201 while it is still paused (the probe saw 8 of 20 unanswered after 60 s, 4 of
them stored anyway: on SQLite the relay held the database's write lock while it waited for the
broker's acknowledgements, 15 s at a time, again and again). On SQLite the test also checks that
invariant directly: while the broker is mute and events are waiting, the write lock can always be
had within a second. After SIGCONT every hand-in's event reaches the topic: nothing lost.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kafka import KafkaConsumer

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.contracts import Envelope, topics
from test_walking_skeleton import notebook_bytes

STUDENTS = [f"s2200{i:02d}" for i in range(20)]


def _headers(sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_dev_token(sub=sub, roles=roles or ("student",), secret=DEV_JWT_SECRET)}


def _events(bootstrap: str, event_type: str, timeout_s: float) -> dict[str, Envelope]:
    """Every ``event_type`` on the submissions topic, by subject, read until ``timeout_s`` passes quietly."""
    consumer = KafkaConsumer(
        topics.SUBMISSIONS,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    try:
        found = {}
        for message in consumer:
            envelope = Envelope.from_bytes(message.value)
            if envelope.type == event_type:
                found[envelope.subject] = envelope
        return found
    finally:
        consumer.close()


def _write_lock_waits(path: str, *, probes: int) -> list[str]:
    """Take SQLite's write lock ``probes`` times, half a second apart, waiting at most 1 s each."""
    waits = []
    for _ in range(probes):
        connection = sqlite3.connect(path, timeout=1.0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            waits.append("ok")
        except sqlite3.OperationalError as exc:
            waits.append(str(exc))
        finally:
            connection.close()
        time.sleep(0.5)
    return waits


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, fresh_database_url):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'submissions.db'}"
    if request.getfixturevalue("pg_server") is None:
        pytest.skip("needs PostgreSQL")
    url = fresh_database_url("paused")
    assert not url.startswith("sqlite")
    return url


@pytest.mark.slow
def test_hand_ins_are_answered_while_the_broker_is_paused(make_kafka_broker, spawn_service, database_url, tmp_path):
    broker = make_kafka_broker()
    env = {
        "PEERLAB_SUBMISSIONS_DATABASE_URL": database_url,
        "PEERLAB_SUBMISSIONS_ENVIRONMENT": "dev",
        "PEERLAB_SUBMISSIONS_RELAY_IN_PROCESS": "true",
        "PEERLAB_SUBMISSIONS_KAFKA_BOOTSTRAP": broker.bootstrap,
        "PEERLAB_SUBMISSIONS_STORAGE_BACKEND": "fs",
        "PEERLAB_SUBMISSIONS_STORAGE_FS_ROOT": str(tmp_path / "objects"),
        "PEERLAB_SUBMISSIONS_DATA_DIR": str(tmp_path / "data"),
        "PEERLAB_SUBMISSIONS_LOG_JSON": "false",
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "peerlab.submissions.migrate", "upgrade"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    api = spawn_service("peerlab.submissions.main:app", env=env, name="submissions-dev", ready_timeout=60)

    now = datetime.now(UTC)
    with httpx.Client(base_url=api.url, headers=_headers("teacher-ole", "teacher"), timeout=30) as teacher:
        assert teacher.put(
            "/v1/assignments/paused-lab-3",
            json={
                "kind": "lab",
                "lab_number": 3,
                "title": "Lab 3",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "deadline": (now + timedelta(hours=2)).isoformat(),
            },
        ).status_code in (200, 201)
    # The relay has a producer connected to this broker before it is paused.
    assert "paused-lab-3" in _events(broker.bootstrap, "assignment.upserted.v1", timeout_s=15)

    body = notebook_bytes()

    def hand_in(student: str) -> tuple[int, str]:
        with httpx.Client(base_url=api.url, headers=_headers(student), timeout=30) as client:
            response = client.post(
                "/v1/assignments/paused-lab-3/submissions",
                params={"file_name": "lab3-EXE.ipynb"},
                content=body,
                headers={"content-type": "application/octet-stream"},
            )
            return response.status_code, (
                response.json().get("submission", {}).get("id", "")
                if response.status_code == 201
                else response.text[:300]
            )

    broker.pause()
    try:
        time.sleep(1)  # the relay's next batch (the assignment is sent) finds the broker mute
        with ThreadPoolExecutor(max_workers=len(STUDENTS)) as pool:
            results = list(pool.map(hand_in, STUDENTS))
        if database_url.startswith("sqlite"):
            waits = _write_lock_waits(database_url.removeprefix("sqlite:///"), probes=12)
            assert all(wait == "ok" for wait in waits), waits
        assert broker.running  # still paused, not dead: every answer came while it was mute
    finally:
        broker.resume()
    assert [status for status, _ in results] == [201] * len(STUDENTS), (results, api.log_tail())

    submission_ids = {sid for _, sid in results}
    deadline = time.monotonic() + 120
    received: dict[str, Envelope] = {}
    while time.monotonic() < deadline and not submission_ids <= set(received):
        received = _events(broker.bootstrap, "submission.received.v1", timeout_s=5)
    assert submission_ids <= set(received), f"missing events for {submission_ids - set(received)}"
