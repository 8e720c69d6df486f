"""Helpers of the scheduling service's tests: a migrated database, group events through the real
ConsumerRunner, tokens, and the 02456 fall-2021 term."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

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
from peerlab.contracts import Envelope
from peerlab.contracts.events.projects import GroupChangedV1, GroupFormedV1
from peerlab.scheduling.events.handlers import consumer_spec
from peerlab.scheduling.main import create_app
from peerlab.scheduling.settings import SchedulingSettings

COURSE = "02456-2021"
NO_BROKER = "127.0.0.1:9"  # nothing listens: a dead-letter attempt fails the test instead of hiding

TERM_2021 = {
    "title": "02456 Deep learning, fall 2021",
    "first_monday": "2021-08-30",
    "counted_weeks": 13,
    "lab_weeks": 8,
    "time_zone": "Europe/Copenhagen",
    "sessions": [{"weekday": 0, "start": "13:00", "end": "17:00"}],
    "breaks": [{"starts_on": "2021-10-18", "ends_on": "2021-10-22", "label": "Fall break"}],
}
POSTER_DAY = {
    "kind": "poster", "title": "Poster session", "day": "2021-12-08", "start": "09:00", "end": "17:00",
    "time_zone": "Europe/Copenhagen", "location": "SkyLab", "slot_minutes": 30, "slot_capacity": 2,
}

FUTURE_DAY = date.today() + timedelta(days=40)  # the slot rules compare with the real clock


def future_poster_day(**overrides) -> dict:
    return {**POSTER_DAY, "day": FUTURE_DAY.isoformat(), **overrides}


def slot_of(exam_day_id: str, hhmm: str, day: date = FUTURE_DAY) -> str:
    return f"{exam_day_id}.{day:%Y%m%d}T{hhmm}"


def migrate(url: str) -> None:
    command.upgrade(alembic_config(package="peerlab.scheduling", settings=SchedulingSettings(database_url=url)),
                    "head")


def settings_for(url: str, **overrides) -> SchedulingSettings:
    values = dict(database_url=url, kafka_bootstrap=NO_BROKER, relay_in_process=False, environment="test",
                  log_json=False, log_level="WARNING", course_id=COURSE)
    values.update(overrides)
    return SchedulingSettings(**values)


@dataclass
class SchedulingStack:
    url: str
    settings: SchedulingSettings
    engine: Engine
    runner: ConsumerRunner
    _clients: list[TestClient] = field(default_factory=list)

    def feed_group(self, group_id: str, members: list[str], *, at: datetime | None = None, formed: bool = True,
                   event_id: str | None = None) -> str:
        at = at or datetime.now(UTC)
        data = (GroupFormedV1(group_id=group_id, member_ids=members, formed_at=at) if formed
                else GroupChangedV1(group_id=group_id, member_ids=members, changed_at=at))
        raw = Envelope.wrap(data, source="projects", subject=group_id, course_id=COURSE, event_id=event_id).to_bytes()
        return self.runner.handle_message(raw, stop=threading.Event())

    def client(self, clock=None, **overrides) -> TestClient:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        client = TestClient(create_app(settings, clock=clock))
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
def make_stack(url: str, **overrides) -> Iterator[SchedulingStack]:
    migrate(url)
    settings = settings_for(url, **overrides)
    engine = make_engine(settings)
    runner = ConsumerRunner(consumer_spec(), engine=engine, bootstrap=NO_BROKER)
    built = SchedulingStack(url=url, settings=settings, engine=engine, runner=runner)
    try:
        yield built
    finally:
        built.close()
