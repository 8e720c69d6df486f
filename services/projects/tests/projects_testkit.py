"""Helpers of the projects service's tests: a migrated database, roster and eligibility events
through the real ConsumerRunner, tokens, and a small catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from peerlab.chassis.migrations import upgrade
from peerlab.contracts.events.review import EligibilityChangedV1
from peerlab.contracts.events.term import DatedRule, TermDatesChangedV1
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.local.testing import NO_BROKER, ServiceStack, in_process_values
from peerlab.projects.events.handlers import consumer_spec
from peerlab.projects.main import create_app
from peerlab.projects.settings import ProjectsSettings

COURSE = "02456-2021"
FUTURE = datetime.now(UTC) + timedelta(days=30)
PAST = datetime.now(UTC) - timedelta(days=1)
PACKAGE = "peerlab.projects"


def migrate(url: str) -> None:
    upgrade(package=PACKAGE, database_url=url)


def settings_for(url: str, **overrides) -> ProjectsSettings:
    """Deadlines in the future unless a test says otherwise (the rules compare with the real clock)."""
    values = {**in_process_values(url, course_id=COURSE), **overrides}
    return ProjectsSettings(**values)


def project_body(title: str, *, capacity: int | None = None, letters: str = "", own: bool = False) -> dict:
    return {
        "title": title,
        "description": f"About {title}.",
        "capacity": capacity,
        "own_project": own,
        "supervisors": [{"name": "Ada Lovelace", "email": "ada@dtu.dk", "organisation": "DTU", "internal": True}],
        "subprojects": [{"letter": c, "title": f"{title} {c})"} for c in letters],
    }


class ProjectsStack(ServiceStack):
    """The projects service over its database: roster, eligibility and calendar events in,
    TestClients, the outbox."""

    source = "gateway"
    _dates_revision = 0

    def enrol(
        self,
        *person_ids: str,
        programme: str = "msc",
        roles: tuple[str, ...] = ("student",),
        eligibility: str | None = "eligible",
    ) -> None:
        for person_id in person_ids:
            self.feed(
                PersonEnrolledV1(
                    person_id=person_id, roles=list(roles), programme=programme, enrolled_at=datetime.now(UTC)
                ),
                subject=person_id,
            )
            if eligibility:
                self.set_eligibility(person_id, eligibility)

    def unenrol(self, person_id: str) -> str:
        return self.feed(PersonUnenrolledV1(person_id=person_id, unenrolled_at=datetime.now(UTC)), subject=person_id)

    def set_eligibility(self, person_id: str, status: str, *, at: datetime | None = None) -> str:
        return self.feed(
            EligibilityChangedV1(
                student_id=person_id,
                status=status,
                labs_passed=6,
                labs_open=0,
                threshold=6,
                changed_at=at or datetime.now(UTC),
            ),
            subject=person_id,
            source="review",
        )

    def set_dates(self, *, selection: datetime = FUTURE, labs_end: datetime = FUTURE) -> str:
        """The course calendar publishes new dates (a higher revision each time)."""
        self._dates_revision += 1
        dates = [
            DatedRule(key="selection", kind="deadline", label="Project selection", at=selection),
            DatedRule(key="labs-end", kind="deadline", label="End of the labs", at=labs_end),
        ]
        return self.feed(
            TermDatesChangedV1(
                revision=self._dates_revision,
                time_zone="Europe/Copenhagen",
                changed_at=datetime.now(UTC),
                changed_by="t1",
                dates=dates,
            ),
            subject=COURSE,
            source="scheduling",
        )


@contextmanager
def make_stack(url: str, *, migrated: bool = False, **overrides) -> Iterator[ProjectsStack]:
    """The stack over ``url``, migrated first unless ``migrated`` (a copy of the session's template)."""
    if not migrated:
        migrate(url)
    settings = settings_for(url, **overrides)
    with ProjectsStack(
        settings, create_app=create_app, consumer_spec=consumer_spec(settings), bootstrap=NO_BROKER
    ) as built:
        yield built
