"""Consumers of the roster (gateway), eligibility (review) and course calendar (scheduling) events. Each handler runs in the
consumer's unit of work, which also writes the inbox key, so a redelivered event has no second
effect."""

from __future__ import annotations

from functools import partial

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.review import EligibilityChangedV1
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.contracts.events.term import TermDatesChangedV1
from peerlab.chassis.clock import now
from peerlab.projects.service import calendar, groups, people, supervision
from peerlab.projects.service.groups import GroupPolicy
from peerlab.projects.settings import ProjectsSettings, get_settings

CONSUMER_NAME = "projects"


def on_person_enrolled(
    session: Session, envelope: Envelope, data: PersonEnrolledV1, *, settings: ProjectsSettings
) -> None:
    before = people.supervision_key(session, course_id=envelope.course_id, person_id=data.person_id)
    people.record_enrolment(
        session,
        course_id=envelope.course_id,
        person_id=data.person_id,
        roles=list(data.roles),
        programme=data.programme,
        email=data.email,
        now=now(),
    )
    _refresh_supervision(session, envelope, data.person_id, before)


def _refresh_supervision(session: Session, envelope: Envelope, person_id: str, before: tuple | None) -> None:
    """A change of a (possible) supervisor's e-mail, roles or enrolment may change who supervises
    which group; students' changes never do."""
    after = people.supervision_key(session, course_id=envelope.course_id, person_id=person_id)
    if before != after and (before is not None and before[0] or after is not None and after[0]):
        supervision.refresh(session, course_id=envelope.course_id, now=now())


def on_person_unenrolled(
    session: Session, envelope: Envelope, data: PersonUnenrolledV1, *, settings: ProjectsSettings
) -> None:
    """The student leaves the course, and with it their group (the group's change is published)."""
    before = people.supervision_key(session, course_id=envelope.course_id, person_id=data.person_id)
    people.record_unenrolment(session, course_id=envelope.course_id, person_id=data.person_id, now=now())
    _refresh_supervision(session, envelope, data.person_id, before)
    if envelope.course_id == settings.course_id:
        groups.remove_from_any_group(
            session, person_id=data.person_id, policy=GroupPolicy.of(settings, session), now=now()
        )


def on_eligibility_changed(
    session: Session, envelope: Envelope, data: EligibilityChangedV1, *, settings: ProjectsSettings
) -> None:
    people.record_eligibility(
        session,
        course_id=envelope.course_id,
        person_id=data.student_id,
        status=data.status,
        at=data.changed_at,
        now=now(),
    )


def on_term_dates_changed(
    session: Session, envelope: Envelope, data: TermDatesChangedV1, *, settings: ProjectsSettings
) -> None:
    """The selection deadline and the end of the labs, as the course calendar publishes them."""
    calendar.apply_dates(session, course_id=envelope.course_id, revision=data.revision, dates=data.dates)


def consumer_spec(settings: ProjectsSettings | None = None) -> ConsumerSpec:
    settings = settings or get_settings()
    handlers = {
        PersonEnrolledV1.TYPE: on_person_enrolled,
        PersonUnenrolledV1.TYPE: on_person_unenrolled,
        EligibilityChangedV1.TYPE: on_eligibility_changed,
        TermDatesChangedV1.TYPE: on_term_dates_changed,
    }
    return ConsumerSpec(
        name=CONSUMER_NAME,
        topics=[topics.ROSTER, topics.REVIEW, topics.SCHEDULING],
        handlers={t: partial(h, settings=settings) for t, h in handlers.items()},
    )
