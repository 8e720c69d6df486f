"""Over a real broker (tansu), both workers running: a supervisor enrolled with the e-mail the
catalogue names; projects assigns the project to a group and publishes its supervisors;
submissions learns them, and the supervisor downloads the group's report (another supervisor
cannot)."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from alembic import command
from fastapi.testclient import TestClient
from kafka import KafkaProducer
from pypdf import PdfWriter
from pypdf.annotations import Link

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
from peerlab.submissions.events.handlers import consumer_spec as submissions_consumer
from peerlab.submissions.main import create_app as submissions_app
from peerlab.submissions.settings import SubmissionsSettings

COURSE = "02456-2021"
STUDENTS = ("s210001", "s210002")


def _auth(settings, sub: str, *roles: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_dev_token(sub=sub, roles=roles or ('student',), secret=settings.jwt_secret)}"
    }


def _wait(condition, timeout: float = 90.0) -> None:
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


def _report_pdf() -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    writer.add_annotation(page_number=0, annotation=Link(rect=(50, 50, 200, 70), url="https://github.com/g/p"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_project_assigned_reaches_submissions_and_the_supervisor_downloads_the_report(
    make_kafka_broker, fresh_database_url, s3_server, tmp_path
):
    broker = make_kafka_broker()
    common = dict(
        kafka_bootstrap=broker.bootstrap,
        relay_in_process=False,
        environment="test",
        log_json=False,
        course_id=COURSE,
        relay_poll_interval_s=0.05,
    )
    future = datetime.now(UTC) + timedelta(days=30)
    p_settings = ProjectsSettings(
        database_url=fresh_database_url("sup_projects"), selection_deadline=future, labs_end=future, **common
    )
    s_settings = SubmissionsSettings(
        database_url=fresh_database_url("sup_submissions"),
        storage_backend="s3",
        storage_s3_endpoint=s3_server.endpoint,
        storage_s3_access_key=s3_server.access_key,
        storage_s3_secret_key=s3_server.secret_key,
        storage_bucket=f"t-{uuid.uuid4().hex[:16]}",
        data_dir=str(tmp_path / "data"),
        close_grace_s=0,
        **common,
    )
    for package, settings in (("peerlab.projects", p_settings), ("peerlab.submissions", s_settings)):
        command.upgrade(alembic_config(package=package, settings=settings), "head")
    engines = [make_engine(p_settings), make_engine(s_settings)]
    stop = threading.Event()
    threads = start_worker_threads(
        settings=p_settings, engine=engines[0], stop=stop, consumers=[projects_consumer(p_settings)]
    )
    threads += start_worker_threads(
        settings=s_settings, engine=engines[1], stop=stop, consumers=[submissions_consumer()]
    )
    try:
        now = datetime.now(UTC)
        roster = [PersonEnrolledV1(person_id=s, roles=["student"], programme="msc", enrolled_at=now) for s in STUDENTS]
        roster += [
            PersonEnrolledV1(person_id="blia", roles=["supervisor"], email="Blia@dtu.dk", enrolled_at=now),
            PersonEnrolledV1(person_id="carl", roles=["supervisor"], email="carl@dtu.dk", enrolled_at=now),
        ]
        _publish(
            broker.bootstrap,
            topics.ROSTER,
            [Envelope.wrap(e, source="gateway", subject=e.person_id, course_id=COURSE) for e in roster],
        )
        _publish(
            broker.bootstrap,
            topics.REVIEW,
            [
                Envelope.wrap(
                    EligibilityChangedV1(
                        student_id=s, status="eligible", labs_passed=7, labs_open=0, threshold=6, changed_at=now
                    ),
                    source="review",
                    subject=s,
                    course_id=COURSE,
                )
                for s in STUDENTS
            ],
        )
        teacher_p, teacher_s = _auth(p_settings, "t1", "teacher"), _auth(s_settings, "t1", "teacher")
        with TestClient(projects_app(p_settings)) as projects, TestClient(submissions_app(s_settings)) as submissions:
            projects.put(
                "/v1/catalogues/2021/projects/4",
                headers=teacher_p,
                json={
                    "title": "Unsupervised representation learning",
                    "supervisors": [{"name": "Bo Li", "email": "blia@dtu.dk", "organisation": "DTU", "internal": True}],
                },
            )
            _wait(
                lambda: all(
                    projects.get(f"/v1/people/{p}", headers=teacher_p).status_code == 200
                    for p in (*STUDENTS, "blia", "carl")
                )
            )
            _wait(
                lambda: projects.get(f"/v1/people/{STUDENTS[1]}", headers=teacher_p).json()["eligibility"] == "eligible"
            )
            made = projects.post("/v1/groups", json={"member_ids": list(STUDENTS)}, headers=teacher_p)
            assert made.status_code == 201, made.text
            group_id = made.json()["group_id"]
            assigned = projects.put(
                f"/v1/groups/{group_id}/assignment", json={"project_id": "p-2021-04"}, headers=teacher_p
            )
            assert assigned.status_code in (200, 201), assigned.text
            assert [
                g["group_id"]
                for g in projects.get("/v1/supervision/groups", headers=_auth(p_settings, "blia", "supervisor")).json()
            ] == [group_id]

            opens = datetime.now(UTC) - timedelta(hours=1)
            assert (
                submissions.post(
                    "/v1/assignments",
                    headers=teacher_s,
                    json={
                        "id": "report",
                        "kind": "report",
                        "title": "Report",
                        "opens_at": opens.isoformat(),
                        "deadline": (opens + timedelta(days=2)).isoformat(),
                    },
                ).status_code
                == 201
            )
            student = _auth(s_settings, STUDENTS[0])

            def handed_in() -> bool:  # refused (403) until the group reached submissions
                r = submissions.post(
                    "/v1/assignments/report/submissions",
                    content=_report_pdf(),
                    params={"file_name": "report.pdf"},
                    headers={**student, "Content-Type": "application/octet-stream"},
                )
                return r.status_code == 201

            _wait(handed_in)
            blia = _auth(s_settings, "blia", "supervisor")

            def supervisor_sees() -> list:
                return submissions.get("/v1/submissions", headers=blia).json()["items"]

            _wait(lambda: len(supervisor_sees()) == 1)
            [report] = supervisor_sees()
            assert (report["owner_id"], report["assignment_kind"]) == (group_id, "report")
            link = submissions.get(f"/v1/submissions/{report['id']}/versions/1/download", headers=blia)
            assert link.status_code == 200
            content = httpx.get(link.json()["url"]).content
            assert content[:5] == b"%PDF-" and hashlib.sha256(content).hexdigest() == report["versions"][0]["sha256"]
            carl = _auth(s_settings, "carl", "supervisor")
            assert submissions.get("/v1/submissions", headers=carl).json()["items"] == []
            assert (
                submissions.get(f"/v1/submissions/{report['id']}/versions/1/download", headers=carl).status_code == 404
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        for engine in engines:
            engine.dispose()
