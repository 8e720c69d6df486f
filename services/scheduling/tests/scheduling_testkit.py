"""Helpers of the scheduling service's tests: a migrated database, group events through the real
ConsumerRunner, tokens, and the 02456 fall-2021 term."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from peerlab.chassis.migrations import upgrade
from peerlab.contracts.events.projects import GroupChangedV1, GroupFormedV1
from peerlab.local.testing import NO_BROKER, ServiceStack, in_process_values
from peerlab.scheduling.events.handlers import consumer_spec
from peerlab.scheduling.main import create_app
from peerlab.scheduling.settings import SchedulingSettings

COURSE = "02456-2021"
PACKAGE = "peerlab.scheduling"

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
    "kind": "poster",
    "title": "Poster session",
    "day": "2021-12-08",
    "start": "09:00",
    "end": "17:00",
    "time_zone": "Europe/Copenhagen",
    "location": "SkyLab",
    "slot_minutes": 30,
    "slot_capacity": 2,
}

FUTURE_DAY = date.today() + timedelta(days=40)  # the slot rules compare with the real clock


def future_poster_day(**overrides) -> dict:
    return {**POSTER_DAY, "day": FUTURE_DAY.isoformat(), **overrides}


def slot_of(exam_day_id: str, hhmm: str, day: date = FUTURE_DAY) -> str:
    return f"{exam_day_id}.{day:%Y%m%d}T{hhmm}"


def migrate(url: str) -> None:
    upgrade(package=PACKAGE, database_url=url)


def settings_for(url: str, **overrides) -> SchedulingSettings:
    values = {**in_process_values(url, course_id=COURSE), **overrides}
    return SchedulingSettings(**values)


class SchedulingStack(ServiceStack):
    """The scheduling service over its database: group events in, TestClients (with a clock of the
    test's choosing), the outbox."""

    source = "projects"

    def feed_group(
        self,
        group_id: str,
        members: list[str],
        *,
        at: datetime | None = None,
        formed: bool = True,
        event_id: str | None = None,
    ) -> str:
        at = at or datetime.now(UTC)
        data = (
            GroupFormedV1(group_id=group_id, member_ids=members, formed_at=at)
            if formed
            else GroupChangedV1(group_id=group_id, member_ids=members, changed_at=at)
        )
        return self.feed(data, subject=group_id, event_id=event_id)

    def client(self, clock: Callable[[], datetime] | None = None, **overrides) -> TestClient:
        return super().client({"clock": clock}, **overrides)


@contextmanager
def make_stack(url: str, *, migrated: bool = False, **overrides) -> Iterator[SchedulingStack]:
    """The stack over ``url``, migrated first unless ``migrated`` (a copy of the session's template)."""
    if not migrated:
        migrate(url)
    settings = settings_for(url, **overrides)
    with SchedulingStack(settings, create_app=create_app, consumer_spec=consumer_spec(), bootstrap=NO_BROKER) as built:
        yield built
