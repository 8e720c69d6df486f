"""Events end to end through the real broker: the worker relays the outbox to tansu, consumes
review events into its projections, and closes the assignment once; a Kafka consumer reads it all."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from kafka import KafkaConsumer

from peerlab.chassis.kafka import ensure_topics, make_producer
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.review import LabVerdictSetV1
from peerlab.submissions.events.handlers import consumer_spec
from peerlab.submissions.models import LabVerdict
from peerlab.submissions.worker import periodic_jobs


def _wait(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached in time")


def _verdict_of(stack, student: str, assignment_id: str) -> str | None:
    with stack.session() as session:
        row = session.get(LabVerdict, (student, assignment_id))
        return row.verdict if row else None


def test_worker_relays_consumes_and_closes_once(open_stack, make_notebook, kafka_broker, movable_clock):
    course = f"c-{uuid.uuid4().hex[:8]}"
    stack = open_stack(course_id=course, closer_interval_s=0.5, test_clock_file=str(movable_clock.path))
    settings = stack.settings
    engine = stack.client.app.state.engine
    ensure_topics(kafka_broker.bootstrap, [topics.SUBMISSIONS, topics.REVIEW, topics.PROJECTS, topics.ROSTER])
    stop = threading.Event()
    threads = start_worker_threads(
        settings=settings,
        engine=engine,
        stop=stop,
        consumers=[consumer_spec()],
        periodic=periodic_jobs(settings),
        run_relay=True,
    )
    try:
        lab = stack.assignment("lab-1", lab_number=1)
        stack.assignment("resub-1", kind="resubmission", resubmits_assignment_id="lab-1", deadline_in_s=86400)
        kept = stack.hand_in("lab-1", "s1", make_notebook()).json()
        gone = stack.hand_in("lab-1", "s2", make_notebook()).json()
        stack.client.post(f"/v1/submissions/{gone['submission']['id']}/withdraw", headers=stack.auth("s2"))

        # review's verdict arrives over the broker and opens the resubmission door for s2
        producer = make_producer(kafka_broker.bootstrap)
        verdict = LabVerdictSetV1(
            student_id="s2", assignment_id="lab-1", lab_number=1, verdict="fail", set_by="t", set_at=datetime.now(UTC)
        )
        envelope = Envelope.wrap(verdict, source="review", subject="s2", course_id=course)
        producer.send(topics.REVIEW, key=b"s2", value=envelope.to_bytes()).get(timeout=15)
        producer.close()
        # (the group may first replay other tests' review events left on the session's broker)
        _wait(lambda: _verdict_of(stack, "s2", "lab-1") == "fail")
        assert stack.hand_in("resub-1", "s2", make_notebook()).status_code == 201

        # the closer runs in the worker once the deadline has passed (the test moves the clock there)
        movable_clock.move_to(datetime.fromisoformat(lab["deadline"]))
        _wait(lambda: stack.outbox("assignment.closed.v1"), timeout=20)

        consumer = KafkaConsumer(
            topics.SUBMISSIONS,
            bootstrap_servers=kafka_broker.bootstrap,
            group_id=f"e2e-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        seen: list[Envelope] = []

        def all_arrived():
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    env = Envelope.from_bytes(record.value)
                    if env.course_id == course:
                        seen.append(env)
            return (
                any(e.type == "assignment.closed.v1" for e in seen)
                and sum(e.type == "submission.received.v1" for e in seen) >= 3
            )

        _wait(all_arrived, timeout=40, interval=0)
        consumer.close()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)

    kinds = Counter(e.type for e in seen)
    assert kinds["assignment.upserted.v1"] == 2
    assert kinds["submission.received.v1"] == 3
    assert kinds["submission.withdrawn.v1"] == 1
    assert kinds["assignment.closed.v1"] == 1
    closed = next(e for e in seen if e.type == "assignment.closed.v1")
    assert closed.subject == "lab-1"
    assert closed.data["final_submissions"] == [
        {"owner_id": "s1", "submission_id": kept["submission"]["id"], "version": 1, "sha256": kept["version"]["sha256"]}
    ]
    received = [e for e in seen if e.type == "submission.received.v1"]
    assert {e.data["owner_id"] for e in received} == {"s1", "s2"}
