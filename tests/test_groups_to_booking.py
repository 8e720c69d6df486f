"""Over a real broker (tansu): the roster reaches projects, a group formed in projects reaches
scheduling through both workers, a member books an exam slot, and ``exam.booked.v1`` is relayed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

from alembic import command
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.db import make_engine
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.review import EligibilityChangedV1
from peerlab.contracts.events.roster import PersonEnrolledV1
from peerlab.projects.events.handlers import consumer_spec as projects_consumer
from peerlab.projects.main import create_app as projects_app
from peerlab.projects.settings import ProjectsSettings
from peerlab.scheduling.events.handlers import consumer_spec as scheduling_consumer
from peerlab.scheduling.main import create_app as scheduling_app
from peerlab.scheduling.settings import SchedulingSettings

COURSE = "02456-2021"
STUDENTS = ("s210001", "s210002")


def _auth(settings, sub: str, *roles: str) -> dict[str, str]:
    token = mint_dev_token(sub=sub, roles=roles or ("student",), secret=settings.jwt_secret)
    return {"Authorization": f"Bearer {token}"}


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def _publish(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_block_ms=10000)
    try:
        for env in envelopes:
            producer.send(topic, key=env.subject.encode(), value=env.to_bytes()).get(timeout=15)
    finally:
        producer.close()


def _read(bootstrap: str, topic: str, event_type: str, timeout_ms: int = 30000) -> Envelope | None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{time.monotonic_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        consumer_timeout_ms=timeout_ms,
    )
    try:
        for message in consumer:
            envelope = Envelope.from_bytes(message.value)
            if envelope.type == event_type:
                return envelope
    finally:
        consumer.close()
    return None


def test_a_group_formed_in_projects_books_an_exam_slot_in_scheduling(make_kafka_broker, fresh_database_url):
    broker = make_kafka_broker()
    common = dict(
        kafka_bootstrap=broker.bootstrap,
        relay_in_process=False,
        environment="test",
        log_json=False,
        course_id=COURSE,
        relay_poll_interval_s=0.05,
    )
    p_settings = ProjectsSettings(database_url=fresh_database_url("e2e_projects"), **common)
    s_settings = SchedulingSettings(database_url=fresh_database_url("e2e_scheduling"), **common)
    for package, settings in (("peerlab.projects", p_settings), ("peerlab.scheduling", s_settings)):
        command.upgrade(alembic_config(package=package, settings=settings), "head")
    engines = [make_engine(p_settings), make_engine(s_settings)]
    stop = threading.Event()
    threads = start_worker_threads(
        settings=p_settings, engine=engines[0], stop=stop, consumers=[projects_consumer(p_settings)]
    )
    threads += start_worker_threads(
        settings=s_settings, engine=engines[1], stop=stop, consumers=[scheduling_consumer()]
    )
    try:
        now = datetime.now(UTC)
        roster = [
            Envelope.wrap(
                PersonEnrolledV1(person_id=s, roles=["student"], programme="msc", enrolled_at=now),
                source="gateway",
                subject=s,
                course_id=COURSE,
            )
            for s in STUDENTS
        ]
        eligible = [
            Envelope.wrap(
                EligibilityChangedV1(
                    student_id=s, status="eligible", labs_passed=7, labs_open=0, threshold=6, changed_at=now
                ),
                source="review",
                subject=s,
                course_id=COURSE,
            )
            for s in STUDENTS
        ]
        _publish(broker.bootstrap, topics.ROSTER, roster)
        _publish(broker.bootstrap, topics.REVIEW, eligible)
        with TestClient(projects_app(p_settings)) as projects, TestClient(scheduling_app(s_settings)) as scheduling:

            def known(student: str) -> bool:
                person = projects.get(f"/v1/people/{student}", headers=_auth(p_settings, student))
                return person.status_code == 200 and person.json()["eligibility"] == "eligible"

            _wait(lambda: all(known(s) for s in STUDENTS))
            founded = projects.post("/v1/groups", json={"name": "Posters"}, headers=_auth(p_settings, STUDENTS[0]))
            code = founded.json()["join_code"]
            joined = projects.post("/v1/groups/join", json={"join_code": code}, headers=_auth(p_settings, STUDENTS[1]))
            assert joined.status_code == 200 and joined.json()["state"] == "formed"
            group_id = joined.json()["group_id"]

            day = date.today() + timedelta(days=40)
            scheduling.put(
                f"/v1/courses/{COURSE}/exam-days/poster",
                headers=_auth(s_settings, "t1", "teacher"),
                json={
                    "day": day.isoformat(),
                    "start": "09:00",
                    "end": "17:00",
                    "location": "SkyLab",
                    "slot_capacity": 10,
                },
            )
            slot = f"poster.{day:%Y%m%d}T1000"
            url = f"/v1/courses/{COURSE}/groups/{group_id}/booking"
            _wait(
                lambda: (
                    scheduling.get(
                        f"/v1/courses/{COURSE}/groups/{group_id}", headers=_auth(s_settings, STUDENTS[1])
                    ).status_code
                    == 200
                )
            )
            booked = scheduling.put(url, json={"slot_id": slot}, headers=_auth(s_settings, STUDENTS[1]))
            assert booked.status_code == 201, booked.text
            stranger = scheduling.put(url, json={"slot_id": slot}, headers=_auth(s_settings, "s219999"))
            assert stranger.status_code == 403

        event = _read(broker.bootstrap, topics.SCHEDULING, "exam.booked.v1")
        assert event is not None and event.subject == group_id and event.course_id == COURSE
        assert event.data["booking_id"] == booked.json()["booking_id"]
        formed = _read(broker.bootstrap, topics.PROJECTS, "group.formed.v1")
        assert formed is not None and sorted(formed.data["member_ids"]) == list(STUDENTS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        for engine in engines:
            engine.dispose()
