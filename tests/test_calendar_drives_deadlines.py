"""Over a real broker (tansu) and real databases: the scheduling calendar drives every deadline.

Scheduling publishes term.dates_changed.v1 through its outbox; submissions moves the deadlines of the
assignments linked to those dates and projects takes its selection deadline from them. Moving the fall
break moves lab 7-8, the synopsis and the report while they are ahead, and nothing that has passed;
the same events consumed twice (and an older revision arriving late) change nothing. Time is an
injected clock, never a sleep."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from alembic import command
from fastapi.testclient import TestClient
from kafka import KafkaProducer
from sqlalchemy import text

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.db import make_engine
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1
from peerlab.local.seed_course_data import TERM
from peerlab.projects.events.handlers import consumer_spec as projects_consumer
from peerlab.projects.main import create_app as projects_app
from peerlab.projects.settings import ProjectsSettings
from peerlab.scheduling.events.handlers import consumer_spec as scheduling_consumer
from peerlab.scheduling.main import create_app as scheduling_app
from peerlab.scheduling.settings import SchedulingSettings
from peerlab.submissions.events.handlers import consumer_spec as submissions_consumer
from peerlab.submissions.main import create_app as submissions_app
from peerlab.submissions.settings import SubmissionsSettings

COURSE = "02456-2021"
LINKED = {"lab-6": "lab", "lab-7": "lab", "lab-8": "lab", "synopsis": "synopsis", "report": "report"}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _auth(settings, sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(sub=sub, roles=roles, secret=settings.jwt_secret)}"}


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def _published(engine, event_type: str) -> list[bytes]:
    """What the relay sent (the outbox rows keep the exact envelopes, ids included)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT payload, sent_at FROM outbox_event WHERE event_type = :t ORDER BY seq"), {"t": event_type}
        ).all()
    assert all(sent_at is not None for _, sent_at in rows), "the relay has not sent every row"
    return [bytes(payload) for payload, _ in rows]


def _with_break(ends_on: str, **extra) -> dict:
    return {**TERM, "breaks": [{"starts_on": "2021-10-18", "ends_on": ends_on, "label": "Fall break"}], **extra}


def test_moving_the_fall_break_moves_the_deadlines_ahead_in_every_service(
    make_kafka_broker, fresh_database_url, tmp_path
):
    broker = make_kafka_broker()
    common = dict(
        kafka_bootstrap=broker.bootstrap,
        relay_in_process=False,
        environment="test",
        log_json=False,
        log_level="WARNING",
        course_id=COURSE,
        relay_poll_interval_s=0.05,
    )
    sched = SchedulingSettings(database_url=fresh_database_url("cal_scheduling"), **common)
    subs = SubmissionsSettings(
        database_url=fresh_database_url("cal_submissions"),
        data_dir=str(tmp_path / "keys"),
        storage_fs_root=str(tmp_path / "objects"),
        **common,
    )
    projs = ProjectsSettings(database_url=fresh_database_url("cal_projects"), **common)
    for package, settings in (
        ("peerlab.scheduling", sched),
        ("peerlab.submissions", subs),
        ("peerlab.projects", projs),
    ):
        command.upgrade(alembic_config(package=package, settings=settings), "head")
    engines = {name: make_engine(s) for name, s in (("scheduling", sched), ("submissions", subs), ("projects", projs))}
    clock = Clock(datetime(2021, 8, 1, tzinfo=UTC))  # scheduling's and submissions' "now"
    stop = threading.Event()
    threads = start_worker_threads(
        settings=sched, engine=engines["scheduling"], stop=stop, consumers=[scheduling_consumer()]
    )
    threads += start_worker_threads(
        settings=subs, engine=engines["submissions"], stop=stop, consumers=[submissions_consumer(clock=clock)]
    )
    threads += start_worker_threads(
        settings=projs, engine=engines["projects"], stop=stop, consumers=[projects_consumer(projs)]
    )
    teacher_s, teacher_sub = _auth(sched, "demo-teacher-1", "teacher"), _auth(subs, "demo-teacher-1", "teacher")
    try:
        with (
            TestClient(scheduling_app(sched, clock=clock)) as scheduling,
            TestClient(submissions_app(subs)) as submissions,
            TestClient(projects_app(projs)) as projects,
        ):

            def assignment(key: str) -> dict:
                return submissions.get(f"/v1/assignments/{key}", headers=teacher_sub).json()

            def deadlines() -> dict[str, str]:
                return {key: assignment(key)["deadline"] for key in LINKED}

            assert scheduling.put(f"/v1/courses/{COURSE}/term", json=TERM, headers=teacher_s).status_code == 201

            # Submissions learns the dates from the event; until then a linked PUT is refused (409).
            def link(key: str) -> bool:
                body = {"kind": LINKED[key], "title": key, "date_key": key}
                if LINKED[key] == "lab":
                    body["lab_number"] = int(key.split("-")[1])
                return submissions.put(f"/v1/assignments/{key}", json=body, headers=teacher_sub).status_code in (
                    200,
                    201,
                )

            _wait(lambda: link("lab-6"))
            for key in LINKED:
                assert link(key), key

            def window():
                return projects.get("/v1/selection-window", headers=_auth(projs, "s210001", "student")).json()

            _wait(lambda: window()["deadline"] is not None)
            assert window()["deadline"] == "2021-10-15T21:59:00Z"  # Friday week 7, 23:59 Copenhagen
            before = deadlines()
            assert before == {
                "lab-6": "2021-10-11T21:59:00Z",
                "lab-7": "2021-10-25T21:59:00Z",
                "lab-8": "2021-11-01T22:59:00Z",
                "synopsis": "2021-11-08T22:59:00Z",
                "report": "2022-01-04T22:59:00Z",
            }

            # 20 October: the fall break grows to two weeks, the report is due a day later.
            clock.at = datetime(2021, 10, 20, 8, tzinfo=UTC)
            moved = _with_break("2021-10-29", report_due_on="2022-01-05")
            assert scheduling.put(f"/v1/courses/{COURSE}/term", json=moved, headers=teacher_s).status_code == 200
            _wait(lambda: assignment("report")["deadline"] == "2022-01-05T22:59:00Z")
            after = deadlines()
            assert after == {
                "lab-6": before["lab-6"],
                "lab-7": "2021-11-01T22:59:00Z",
                "lab-8": "2021-11-08T22:59:00Z",
                "synopsis": "2021-11-15T22:59:00Z",
                "report": "2022-01-05T22:59:00Z",
            }
            audit = submissions.get("/v1/assignments/lab-8/deadline-changes", headers=teacher_sub).json()
            assert [(a["old_deadline"], a["new_deadline"], a["changed_by"]) for a in audit] == [
                ("2021-11-01T22:59:00Z", "2021-11-08T22:59:00Z", "demo-teacher-1")
            ]
            assert window()["deadline"] == "2021-10-15T21:59:00Z"  # passed: never moved

            # 2 November: lab 7 (due 1 Nov) has passed; a third break week moves lab 8 again, not lab 7.
            clock.at = datetime(2021, 11, 2, 8, tzinfo=UTC)
            again = _with_break("2021-11-05", report_due_on="2022-01-05")
            assert scheduling.put(f"/v1/courses/{COURSE}/term", json=again, headers=teacher_s).status_code == 200
            _wait(lambda: assignment("lab-8")["deadline"] == "2021-11-15T22:59:00Z")
            settled = {key: assignment(key) for key in LINKED}
            assert settled["lab-7"]["deadline"] == "2021-11-01T22:59:00Z"
            assert settled["synopsis"]["deadline"] == "2021-11-22T22:59:00Z"

            # The same events again, then an older revision under a new id (the sentinel: same key, so
            # once it is in both inboxes everything before it on that partition has been consumed).
            published = _published(engines["scheduling"], TermDatesChangedV1.TYPE)
            assert [Envelope.from_bytes(raw).data["revision"] for raw in published] == [1, 2, 3]
            stale = Envelope.wrap(
                TermDatesChangedV1(
                    revision=1,
                    time_zone="Europe/Copenhagen",
                    changed_at=clock.at,
                    changed_by="someone",
                    dates=[
                        DatedRule(key=key, kind="deadline", label=key, at=datetime(2021, 12, 24, tzinfo=UTC))
                        for key in (*LINKED, "selection")
                    ],
                ),
                source="scheduling",
                subject=COURSE,
                course_id=COURSE,
            )
            producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", max_block_ms=10000)
            try:
                for raw in [*published, stale.to_bytes()]:
                    producer.send(topics.SCHEDULING, key=COURSE.encode(), value=raw).get(timeout=15)
            finally:
                producer.close()

            def consumed(service: str) -> bool:
                with engines[service].connect() as conn:
                    return (
                        conn.execute(
                            text("SELECT count(*) FROM inbox_entry WHERE event_id = :id"), {"id": stale.id}
                        ).scalar()
                        == 1
                    )

            _wait(lambda: consumed("submissions") and consumed("projects"))
            assert {key: assignment(key) for key in LINKED} == settled  # deadlines and revisions unchanged
            assert len(submissions.get("/v1/assignments/lab-8/deadline-changes", headers=teacher_sub).json()) == 2
            assert window()["deadline"] == "2021-10-15T21:59:00Z"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        for engine in engines.values():
            engine.dispose()
