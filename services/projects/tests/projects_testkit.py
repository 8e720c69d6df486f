"""Helpers of the projects service's tests: a migrated database, roster and eligibility events
through the real ConsumerRunner, tokens, and a small catalogue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.consumer import ConsumerRunner
from peerlab.chassis.db import make_engine
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.outbox import OutboxEvent
from peerlab.contracts import Envelope, EventData
from peerlab.contracts.events.review import EligibilityChangedV1
from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.projects.events.handlers import consumer_spec
from peerlab.projects.main import create_app
from peerlab.projects.settings import ProjectsSettings

COURSE = "02456-2021"
NO_BROKER = "127.0.0.1:9"  # nothing listens: a dead-letter attempt fails the test instead of hiding
FUTURE = datetime.now(UTC) + timedelta(days=30)
PAST = datetime.now(UTC) - timedelta(days=1)


def migrate(url: str) -> None:
    command.upgrade(alembic_config(package="peerlab.projects", settings=ProjectsSettings(database_url=url)), "head")


def settings_for(url: str, **overrides) -> ProjectsSettings:
    """Deadlines in the future unless a test says otherwise (the rules compare with the real clock)."""
    values = dict(database_url=url, kafka_bootstrap=NO_BROKER, relay_in_process=False, environment="test",
                  log_json=False, log_level="WARNING", course_id=COURSE)
    values.update(overrides)
    return ProjectsSettings(**values)


def project_body(title: str, *, capacity: int | None = None, letters: str = "", own: bool = False) -> dict:
    return {"title": title, "description": f"About {title}.", "capacity": capacity, "own_project": own,
            "supervisors": [{"name": "Ada Lovelace", "email": "ada@dtu.dk", "organisation": "DTU", "internal": True}],
            "subprojects": [{"letter": c, "title": f"{title} {c})"} for c in letters]}


@dataclass
class ProjectsStack:
    url: str
    settings: ProjectsSettings
    engine: Engine
    runner: ConsumerRunner
    _clients: list[TestClient] = field(default_factory=list)
    _dates_revision: int = 0

    def feed(self, data: EventData, *, subject: str = "x", source: str = "gateway", event_id: str | None = None) -> str:
        raw = Envelope.wrap(data, source=source, subject=subject, course_id=COURSE, event_id=event_id).to_bytes()
        return self.runner.handle_message(raw, stop=threading.Event())

    def enrol(self, *person_ids: str, programme: str = "msc", roles: tuple[str, ...] = ("student",),
              eligibility: str | None = "eligible") -> None:
        for person_id in person_ids:
            self.feed(PersonEnrolledV1(person_id=person_id, roles=list(roles), programme=programme,
                                       enrolled_at=datetime.now(UTC)), subject=person_id)
            if eligibility:
                self.set_eligibility(person_id, eligibility)

    def unenrol(self, person_id: str) -> str:
        return self.feed(PersonUnenrolledV1(person_id=person_id, unenrolled_at=datetime.now(UTC)), subject=person_id)

    def set_eligibility(self, person_id: str, status: str, *, at: datetime | None = None) -> str:
        return self.feed(EligibilityChangedV1(student_id=person_id, status=status, labs_passed=6, labs_open=0,
                                              threshold=6, changed_at=at or datetime.now(UTC)),
                         subject=person_id, source="review")

    def set_dates(self, *, selection: datetime = FUTURE, labs_end: datetime = FUTURE) -> str:
        """The course calendar publishes new dates (a higher revision each time)."""
        self._dates_revision += 1
        dates = [DatedRule(key="selection", kind="deadline", label="Project selection", at=selection),
                 DatedRule(key="labs-end", kind="deadline", label="End of the labs", at=labs_end)]
        return self.feed(TermDatesChangedV1(revision=self._dates_revision, time_zone="Europe/Copenhagen",
                                            changed_at=datetime.now(UTC), changed_by="t1", dates=dates),
                         subject=COURSE, source="scheduling")

    def client(self, **overrides) -> TestClient:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        client = TestClient(create_app(settings))
        client.__enter__()
        self._clients.append(client)
        return client

    def auth(self, sub: str, *roles: str) -> dict[str, str]:
        token = mint_dev_token(sub=sub, roles=roles or ("student",), secret=self.settings.jwt_secret)
        return {"Authorization": f"Bearer {token}"}

    def outbox(self, event_type: str | None = None) -> list[Envelope]:
        with Session(self.engine) as session:
            stmt = select(OutboxEvent).order_by(OutboxEvent.seq)
            if event_type:
                stmt = stmt.where(OutboxEvent.event_type == event_type)
            return [Envelope.from_bytes(row.payload) for row in session.scalars(stmt)]

    def close(self) -> None:
        for client in self._clients:
            client.__exit__(None, None, None)
        self.engine.dispose()


@contextmanager
def make_stack(url: str, **overrides) -> Iterator[ProjectsStack]:
    migrate(url)
    settings = settings_for(url, **overrides)
    engine = make_engine(settings)
    runner = ConsumerRunner(consumer_spec(settings), engine=engine, bootstrap=NO_BROKER)
    built = ProjectsStack(url=url, settings=settings, engine=engine, runner=runner)
    try:
        yield built
    finally:
        built.close()
