"""The gateway's events: ``roster.*`` through the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1

SOURCE = "gateway"


def person_enrolled(
    session: Session,
    *,
    course_id: str,
    person_id: str,
    roles: list[str],
    programme: str | None,
    at: datetime,
    name: str | None = None,
    email: str | None = None,
) -> None:
    event = PersonEnrolledV1(
        person_id=person_id, roles=roles, programme=programme, enrolled_at=at, name=name, email=email
    )
    enqueue(session, event, source=SOURCE, subject=person_id, course_id=course_id)


def person_unenrolled(session: Session, *, course_id: str, person_id: str, at: datetime) -> None:
    event = PersonUnenrolledV1(person_id=person_id, unenrolled_at=at)
    enqueue(session, event, source=SOURCE, subject=person_id, course_id=course_id)
