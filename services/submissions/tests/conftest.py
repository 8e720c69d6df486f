"""Fixtures for the submissions service's tests: the app over real PostgreSQL (or SQLite with
PEERLAB_TEST_DB=sqlite), a real moto S3 server and the real tansu broker, schema by migrations."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from minio import Minio
from sqlalchemy import select

from peerlab.chassis.db import make_engine
from peerlab.chassis.migrations import upgrade
from peerlab.contracts import Envelope
from peerlab.local.documents import text_pdf
from peerlab.local.testing import ServiceStack
from peerlab.submissions.main import create_app
from peerlab.submissions.settings import SubmissionsSettings

# Tests run with --import-mode=importlib; make this folder's helper module (identity_kit) importable.
sys.path.insert(0, str(Path(__file__).parent))
PACKAGE = "peerlab.submissions"


def notebook_bytes(cells: int = 3, *, extra_text: str = "", minor: int = 5, pad: int = 0) -> bytes:
    """A valid nbformat 4 notebook; ``pad`` adds a text output of that many characters."""
    out = []
    for i in range(cells):
        cell: dict[str, Any] = {
            "cell_type": "code",
            "execution_count": i + 1,
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": f"{i}\n{extra_text}"}],
            "source": f"print({i})",
        }
        if minor >= 5:
            cell["id"] = f"c{i}"
        out.append(cell)
    if pad:
        out[0]["outputs"].append({"output_type": "stream", "name": "stdout", "text": "x" * pad})
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "authors": [{"name": "Student Name"}],
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }
    return json.dumps(nb).encode()


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


class Stack(ServiceStack):
    """The submissions app running in a TestClient (``client``) over real S3 (``minio``, ``bucket``)."""

    raise_server_exceptions = False

    def __init__(self, settings: SubmissionsSettings) -> None:
        super().__init__(settings, create_app=create_app)
        self.client: TestClient = ServiceStack.client(self)  # one app per stack: the attribute, not the factory
        self.minio = Minio(
            settings.storage_s3_endpoint,
            access_key=settings.storage_s3_access_key,
            secret_key=settings.storage_s3_secret_key,
            secure=False,
            region=settings.storage_s3_region,
        )
        self.bucket = settings.storage_bucket
        self.tokens: dict[str, str] = {}

    # --- auth ---------------------------------------------------------------------------
    def auth(self, sub: str, *roles: str) -> dict[str, str]:
        key = f"{sub}:{','.join(sorted(roles or ('student',)))}"
        if key not in self.tokens:
            self.tokens[key] = super().auth(sub, *roles)["Authorization"]
        return {"Authorization": self.tokens[key]}

    @property
    def teacher(self) -> dict[str, str]:
        return self.auth("teacher-1", "teacher")

    # --- assignments ----------------------------------------------------------------------
    def assignment(
        self,
        assignment_id: str | None = None,
        *,
        kind: str = "lab",
        opens_in_s: float = -3600,
        deadline_in_s: float = 3600,
        **extra: Any,
    ) -> dict:
        now = datetime.now(UTC)
        body = {
            "kind": kind,
            "title": f"{kind} {assignment_id or ''}".strip(),
            "opens_at": iso(now + timedelta(seconds=opens_in_s)),
            "deadline": iso(now + timedelta(seconds=deadline_in_s)),
            **extra,
        }
        if assignment_id:
            body["id"] = assignment_id
        r = self.client.post("/v1/assignments", json=body, headers=self.teacher)
        assert r.status_code == 201, r.text
        return r.json()

    # --- hand-ins ------------------------------------------------------------------------
    def hand_in(
        self,
        assignment_id: str,
        student: str,
        data: bytes,
        name: str = "week1-EXE.ipynb",
        headers: dict | None = None,
        **params: Any,
    ):
        return self.client.post(
            f"/v1/assignments/{assignment_id}/submissions",
            content=data,
            params={"file_name": name, **params},
            headers={**self.auth(student), "Content-Type": "application/octet-stream", **(headers or {})},
        )

    # --- inspection ------------------------------------------------------------------------
    def objects(self, prefix: str = "") -> list[str]:
        return sorted(o.object_name for o in self.minio.list_objects(self.bucket, prefix=prefix, recursive=True))


@pytest.fixture
def make_settings(fresh_database_url, s3_server, kafka_broker, tmp_path: Path) -> Callable[..., SubmissionsSettings]:
    def make(**overrides: Any) -> SubmissionsSettings:
        if "database_url" in overrides:  # a database of the test's own: migrate it
            upgrade(package=PACKAGE, database_url=overrides["database_url"])
        else:  # a copy of the session's migrated template
            overrides["database_url"] = fresh_database_url("submissions", package=PACKAGE)
        values: dict[str, Any] = dict(
            kafka_bootstrap=kafka_broker.bootstrap,
            relay_in_process=False,
            environment="test",
            storage_backend="s3",
            storage_s3_endpoint=s3_server.endpoint,
            storage_s3_access_key=s3_server.access_key,
            storage_s3_secret_key=s3_server.secret_key,
            storage_bucket=f"t-{uuid.uuid4().hex[:16]}",
            data_dir=str(tmp_path / "data"),
            log_json=False,
            database_pool_size=5,
            close_grace_s=0,
            validation_warm_up=False,  # a worker starts on the first hand-in of the tests that validate
        )
        values.update(overrides)
        return SubmissionsSettings(**values)

    return make


@pytest.fixture
def open_stack(make_settings) -> Iterator[Callable[..., Stack]]:
    """Factory: ``open_stack(**settings_overrides) -> Stack`` (the app running in a TestClient)."""
    opened: list[Stack] = []

    def open_(settings: SubmissionsSettings | None = None, **overrides: Any) -> Stack:
        opened.append(Stack(settings or make_settings(**overrides)))
        return opened[-1]

    yield open_
    for built in reversed(opened):
        built.close()


@pytest.fixture
def stack(open_stack) -> Stack:
    return open_stack()


@pytest.fixture
def engine_for():
    engines = []

    def make(settings: SubmissionsSettings):
        engine = make_engine(settings)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def make_notebook() -> Callable[..., bytes]:
    return notebook_bytes


def pdf_bytes(pages: int = 1, *, url: str | None = None, size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF of blank pages, optionally with a link annotation to ``url`` on page 1."""
    import io

    from pypdf import PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if url:
        writer.add_annotation(page_number=0, annotation=Link(rect=(50, 50, 200, 70), url=url))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    return pdf_bytes


def assert_nothing_kept(stack: Stack) -> None:
    """A rejected hand-in leaves no accepted record, no event and no object."""
    from peerlab.submissions.models import Submission, Upload, Version

    assert stack.count(Version) == 0
    assert stack.count(Submission) == 0
    assert stack.outbox("submission.received.v1") == []
    assert stack.objects() == []
    with stack.session() as session:
        assert {u.status for u in session.execute(select(Upload)).scalars()} <= {"discarded"}


@pytest.fixture
def nothing_kept() -> Callable[[Stack], None]:
    return assert_nothing_kept


def settings_env(settings: SubmissionsSettings) -> dict[str, str]:
    """Environment variables that give a subprocess the same settings."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        value = getattr(value, "value", value)
        env[f"PEERLAB_SUBMISSIONS_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@pytest.fixture
def env_for() -> Callable[[SubmissionsSettings], dict[str, str]]:
    return settings_env


# --- the course calendar's dates (term.dates_changed.v1) through the real consumer ----------------
@dataclass
class CalendarFeed:
    """Delivers ``term.dates_changed.v1`` (and roster/project events) to the submissions consumer
    as the broker would, with a clock of the test's choosing for "has this deadline passed"."""

    stack: Stack
    now: datetime = field(default_factory=lambda: datetime(2021, 8, 1, tzinfo=UTC))

    @property
    def plan_2021_labs(self) -> dict[str, tuple[str, str]]:
        return dict(PLAN_2021_LABS)

    def deliver(
        self, data: Any, *, source: str = "scheduling", subject: str = "02456-2021", event_id: str | None = None
    ) -> str:
        import threading

        from peerlab.chassis.consumer import ConsumerRunner
        from peerlab.submissions.events.handlers import consumer_spec

        runner = ConsumerRunner(
            consumer_spec(clock=lambda: self.now),
            engine=self.stack.client.app.state.engine,
            bootstrap=self.stack.settings.kafka_bootstrap,
        )
        raw = Envelope.wrap(
            data, source=source, subject=subject, course_id=self.stack.settings.course_id, event_id=event_id
        ).to_bytes()
        return runner.handle_message(raw, stop=threading.Event())

    def dates(self, revision: int, dates: dict[str, tuple[str, str | None]], *, event_id: str | None = None) -> str:
        """``dates``: key -> (deadline, opens_at) as ISO strings."""
        from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1

        event = TermDatesChangedV1(
            revision=revision,
            time_zone="Europe/Copenhagen",
            changed_at=self.now,
            changed_by="t1",
            dates=[
                DatedRule(key=k, kind="deadline", label=k, at=at, opens_at=opens) for k, (at, opens) in dates.items()
            ],
        )
        return self.deliver(event, event_id=event_id)


# The 2021 plan's lab dates as scheduling derives them (Monday of week k+1, 23:59 Copenhagen).
PLAN_2021_LABS = {
    "lab-1": ("2021-09-06T21:59:00Z", "2021-08-30T11:00:00Z"),
    "lab-2": ("2021-09-13T21:59:00Z", "2021-09-06T11:00:00Z"),
    "lab-3": ("2021-09-20T21:59:00Z", "2021-09-13T11:00:00Z"),
    "lab-4": ("2021-09-27T21:59:00Z", "2021-09-20T11:00:00Z"),
    "lab-5": ("2021-10-04T21:59:00Z", "2021-09-27T11:00:00Z"),
    "lab-6": ("2021-10-11T21:59:00Z", "2021-10-04T11:00:00Z"),
    "lab-7": ("2021-10-25T21:59:00Z", "2021-10-11T11:00:00Z"),
    "lab-8": ("2021-11-01T22:59:00Z", "2021-10-25T11:00:00Z"),
}


@pytest.fixture
def calendar_feed(stack) -> CalendarFeed:
    return CalendarFeed(stack)


@pytest.fixture
def make_text_pdf() -> Callable[..., bytes]:
    return text_pdf
