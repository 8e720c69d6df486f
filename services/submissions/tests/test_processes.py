"""The service's commands as real processes: the worker closes a due assignment and relays the
event to the broker; the lab seeder writes the 8 labs once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from kafka import KafkaConsumer
from sqlmodel import Session

from peerlab.chassis.db import make_engine
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.term import DatedRule
from peerlab.submissions.models import Assignment
from peerlab.submissions.service.calendar_dates import apply_dates


def test_worker_process_closes_due_assignments_and_publishes(open_stack, spawn_service, env_for, kafka_broker):
    course = f"c-{uuid.uuid4().hex[:8]}"
    stack = open_stack(course_id=course, closer_interval_s=0.5)
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-60)  # due while "down"
    worker = spawn_service(
        [sys.executable, "-m", "peerlab.submissions.worker"],
        env=env_for(stack.settings),
        name="submissions-worker",
        ready_check=lambda: True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not stack.outbox("assignment.closed.v1"):
        time.sleep(0.2)
    assert [e.subject for e in stack.outbox("assignment.closed.v1")] == ["lab-1"]
    consumer = KafkaConsumer(
        topics.SUBMISSIONS,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=f"proc-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    seen = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not any(e.type == "assignment.closed.v1" for e in seen):
        for records in consumer.poll(timeout_ms=500).values():
            seen.extend(e for e in (Envelope.from_bytes(r.value) for r in records) if e.course_id == course)
    consumer.close()
    assert sorted(e.type for e in seen) == ["assignment.closed.v1", "assignment.upserted.v1"]
    assert worker.running
    worker.stop()
    assert worker.returncode == 0


def test_seed_labs_command_is_idempotent(make_settings, env_for):
    settings = make_settings()
    env = {**os.environ, **env_for(settings)}
    before = subprocess.run(
        [sys.executable, "-m", "peerlab.submissions.seed_labs"], env=env, capture_output=True, text=True, timeout=60
    )
    assert before.returncode == 1 and "calendar_date_unknown" in before.stderr
    engine = make_engine(settings)
    try:  # the calendar's lab dates, as the consumer would have applied them
        with Session(engine) as session:
            apply_dates(
                session,
                course_id=settings.course_id,
                revision=1,
                changed_by="t1",
                now=datetime(2021, 8, 1, tzinfo=UTC),
                dates=[
                    DatedRule(
                        key=f"lab-{k}",
                        kind="deadline",
                        label=f"Lab {k}",
                        at=datetime(2021, 8, 30, 21, 59, tzinfo=UTC) + timedelta(weeks=k),
                        opens_at=datetime(2021, 8, 30, 11, tzinfo=UTC) + timedelta(weeks=k - 1),
                    )
                    for k in range(1, 8)
                ]
                + [
                    DatedRule(
                        key="lab-8",
                        kind="deadline",
                        label="Lab 8",
                        at=datetime(2021, 11, 1, 22, 59, tzinfo=UTC),
                        opens_at=datetime(2021, 10, 25, 11, tzinfo=UTC),
                    )
                ],
            )
            session.commit()
    finally:
        engine.dispose()
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "peerlab.submissions.seed_labs"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.count("(written)") == 0 and done.stdout.count("lab-") == 8
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            labs = {a.id: a for a in session.query(Assignment).all()}
    finally:
        engine.dispose()
    assert sorted(labs) == sorted(f"lab-{k}" for k in range(1, 9))
    assert labs["lab-8"].deadline == datetime(2021, 11, 1, 22, 59, tzinfo=UTC)
