"""Consumers of other services' events. Each handler runs in the consumer's unit of work, which
also writes the inbox key, so a redelivered event has no second effect."""

from __future__ import annotations

from functools import partial

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.chassis import clock
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.contracts.events.submissions import (
    AssignmentClosedV1,
    AssignmentUpsertedV1,
    SubmissionReceivedV1,
    SubmissionWithdrawnV1,
)
from peerlab.review import repository as repo
from peerlab.review.service import allocating, eligibility, projection, rounds
from peerlab.review.settings import ReviewSettings, get_settings

CONSUMER_NAME = "review"


def on_assignment_upserted(
    session: Session, envelope: Envelope, data: AssignmentUpsertedV1, *, settings: ReviewSettings
) -> None:
    projection.record_assignment(session, data=data, settings=settings, now=clock.now())


def on_submission_received(
    session: Session, envelope: Envelope, data: SubmissionReceivedV1, *, settings: ReviewSettings
) -> None:
    now = clock.now()
    row = projection.record_submission(session, data=data, now=now)
    if row.owner_type == "student" and row.assignment_kind in ("lab", "resubmission"):
        eligibility.refresh(
            session, student_ids=[row.owner_id], settings=settings, course_id=envelope.course_id, now=now
        )


def on_submission_withdrawn(
    session: Session, envelope: Envelope, data: SubmissionWithdrawnV1, *, settings: ReviewSettings
) -> None:
    projection.record_withdrawal(session, data=data, now=clock.now())


def on_assignment_closed(
    session: Session, envelope: Envelope, data: AssignmentClosedV1, *, settings: ReviewSettings
) -> None:
    """Record the final hand-ins; for a lab, allocate its round (exactly once) and refresh
    eligibility (labs not handed in are now decided)."""
    now = clock.now()
    assignment = projection.record_close(session, data=data, now=now)
    if assignment.kind != "lab":
        return
    round_row = rounds.ensure_round(session, assignment=assignment, settings=settings, now=now)
    rounds.follow_deadline(session, round_row=round_row, deadline=assignment.deadline)
    allocating.allocate_on_close(
        session, round_row=round_row, event_id=envelope.id, course_id=envelope.course_id, now=now
    )
    eligibility.refresh(
        session, student_ids=repo.student_ids(session), settings=settings, course_id=envelope.course_id, now=now
    )


def on_person_enrolled(
    session: Session, envelope: Envelope, data: PersonEnrolledV1, *, settings: ReviewSettings
) -> None:
    projection.record_person(session, data=data, now=clock.now())


def on_person_unenrolled(
    session: Session, envelope: Envelope, data: PersonUnenrolledV1, *, settings: ReviewSettings
) -> None:
    projection.record_unenrolment(session, data=data)


def consumer_spec(settings: ReviewSettings | None = None) -> ConsumerSpec:
    settings = settings or get_settings()
    handlers = {
        AssignmentUpsertedV1.TYPE: on_assignment_upserted,
        SubmissionReceivedV1.TYPE: on_submission_received,
        SubmissionWithdrawnV1.TYPE: on_submission_withdrawn,
        AssignmentClosedV1.TYPE: on_assignment_closed,
        PersonEnrolledV1.TYPE: on_person_enrolled,
        PersonUnenrolledV1.TYPE: on_person_unenrolled,
    }
    return ConsumerSpec(
        name=CONSUMER_NAME,
        topics=[topics.SUBMISSIONS, topics.ROSTER],
        handlers={t: partial(h, settings=settings) for t, h in handlers.items()},
    )
