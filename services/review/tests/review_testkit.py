"""Helpers of the review service's tests: a migrated database, events through the real
ConsumerRunner, tokens, and builders of the submissions events the service consumes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import upgrade
from peerlab.contracts.events.roster import PersonEnrolledV1
from peerlab.contracts.events.submissions import (
    AssignmentClosedV1,
    AssignmentUpsertedV1,
    FinalSubmission,
    SubmissionReceivedV1,
    SubmissionWithdrawnV1,
)
from peerlab.local.testing import ServiceStack, in_process_values
from peerlab.review.events.handlers import consumer_spec
from peerlab.review.main import create_app
from peerlab.review.settings import ReviewSettings

COURSE = "02456-2021"
PACKAGE = "peerlab.review"


def migrate(url: str) -> None:
    upgrade(package=PACKAGE, database_url=url)


def settings_for(url: str, **overrides) -> ReviewSettings:
    values = {**in_process_values(url, course_id=COURSE), **overrides}
    return ReviewSettings(**values)


def token(sub: str, *roles: str, settings: ReviewSettings) -> dict[str, str]:
    return {
        "Authorization": "Bearer " + mint_dev_token(sub=sub, roles=roles or ("student",), secret=settings.jwt_secret)
    }


class ReviewStack(ServiceStack):
    """The review service over its database: events in from submissions, TestClients, the outbox."""

    source = "submissions"


@contextmanager
def make_stack(url: str, *, migrated: bool = False, **overrides) -> Iterator[ReviewStack]:
    """The stack over ``url``, migrated first unless ``migrated`` (a copy of the session's template)."""
    if not migrated:
        migrate(url)
    settings = settings_for(url, **overrides)
    with ReviewStack(settings, create_app=create_app, consumer_spec=consumer_spec(settings)) as built:
        yield built


# --- builders of the consumed events --------------------------------------------------------------
def now() -> datetime:
    return datetime.now(UTC)


def lab_assignment(n: int, *, deadline: datetime, assignment_id: str | None = None) -> AssignmentUpsertedV1:
    return AssignmentUpsertedV1(
        assignment_id=assignment_id or f"a-lab-{n}",
        kind="lab",
        lab_number=n,
        title=f"Lab {n}",
        owner_type="student",
        opens_at=deadline - timedelta(days=7),
        deadline=deadline,
    )


def resubmission_assignment(n: int, *, deadline: datetime) -> AssignmentUpsertedV1:
    return AssignmentUpsertedV1(
        assignment_id=f"a-resub-{n}",
        kind="resubmission",
        lab_number=n,
        title=f"Lab {n} resubmission",
        owner_type="student",
        opens_at=deadline - timedelta(days=30),
        deadline=deadline,
    )


def hand_in(
    student: str,
    n: int,
    *,
    at: datetime,
    on_time: bool = True,
    version: int = 1,
    kind: str = "lab",
    assignment_id: str | None = None,
    submission_id: str | None = None,
) -> SubmissionReceivedV1:
    prefix = "s" if kind == "lab" else "r"
    return SubmissionReceivedV1(
        submission_id=submission_id or f"{prefix}-{n}-{student}",
        assignment_id=assignment_id or (f"a-lab-{n}" if kind == "lab" else f"a-resub-{n}"),
        assignment_kind=kind,
        lab_number=n,
        owner_type="student",
        owner_id=student,
        submitted_by=student,
        version=version,
        file_name=f"week{n}-EXE.ipynb",
        size=1000,
        sha256="ab" * 32,
        received_at=at,
        on_time=on_time,
    )


def withdrawal(student: str, n: int, *, at: datetime) -> SubmissionWithdrawnV1:
    return SubmissionWithdrawnV1(
        submission_id=f"s-{n}-{student}",
        assignment_id=f"a-lab-{n}",
        owner_id=student,
        withdrawn_by=student,
        withdrawn_at=at,
    )


def closed(
    n: int,
    students: list[str],
    *,
    deadline: datetime,
    versions: dict[str, int] | None = None,
    assignment_id: str | None = None,
) -> AssignmentClosedV1:
    versions = versions or {}
    return AssignmentClosedV1(
        assignment_id=assignment_id or f"a-lab-{n}",
        kind="lab",
        lab_number=n,
        deadline=deadline,
        closed_at=deadline + timedelta(milliseconds=120),
        final_submissions=[
            FinalSubmission(owner_id=s, submission_id=f"s-{n}-{s}", version=versions.get(s, 1), sha256="ab" * 32)
            for s in students
        ],
    )


def enrolled(student: str) -> PersonEnrolledV1:
    return PersonEnrolledV1(person_id=student, roles=["student"], programme="msc", enrolled_at=now())


def students(n: int, prefix: str = "s21") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def run_lab(stack: ReviewStack, n: int, handers: list[str], *, deadline: datetime, late: list[str] = ()) -> None:
    """Announce lab n, hand in for ``handers`` (on time) and ``late`` (late), and close it."""
    assert stack.feed(lab_assignment(n, deadline=deadline), subject=f"a-lab-{n}") == "handled"
    for s in handers:
        assert stack.feed(hand_in(s, n, at=deadline - timedelta(hours=1)), subject=f"s-{n}-{s}") == "handled"
    for s in late:
        assert (
            stack.feed(hand_in(s, n, at=deadline + timedelta(hours=1), on_time=False), subject=f"s-{n}-{s}")
            == "handled"
        )
    assert stack.feed(closed(n, list(handers), deadline=deadline), subject=f"a-lab-{n}") == "handled"


def new_event_id() -> str:
    return str(uuid.uuid4())
