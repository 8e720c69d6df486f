"""Events this service publishes, written to the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts import Envelope
from peerlab.contracts.events.submissions import (
    AssignmentClosedV1,
    AssignmentUpsertedV1,
    FinalSubmission,
    SubmissionReceivedV1,
    SubmissionWithdrawnV1,
    SynopsisReceivedV1,
)
from peerlab.submissions.models import Assignment, Submission, Version

SOURCE = "submissions"


def assignment_upserted(session: Session, assignment: Assignment) -> Envelope:
    event = AssignmentUpsertedV1(
        assignment_id=assignment.id,
        kind=assignment.kind,
        lab_number=assignment.lab_number,
        title=assignment.title,
        owner_type=assignment.owner_type,
        opens_at=assignment.opens_at,
        deadline=assignment.deadline,
        resubmits_assignment_id=assignment.resubmits_assignment_id,
    )
    return enqueue(session, event, source=SOURCE, subject=assignment.id, course_id=assignment.course_id)


def submission_received(
    session: Session, *, assignment: Assignment, submission: Submission, version: Version
) -> Envelope:
    event = SubmissionReceivedV1(
        submission_id=submission.id,
        assignment_id=assignment.id,
        assignment_kind=assignment.kind,
        lab_number=assignment.lab_number,
        owner_type=submission.owner_type,
        owner_id=submission.owner_id,
        submitted_by=version.submitted_by,
        version=version.version,
        file_name=version.file_name,
        size=version.size,
        sha256=version.sha256,
        received_at=version.received_at,
        on_time=True,
        resubmits_assignment_id=assignment.resubmits_assignment_id,
    )
    return enqueue(session, event, source=SOURCE, subject=submission.id, course_id=assignment.course_id)


def submission_withdrawn(
    session: Session,
    *,
    assignment: Assignment,
    submission: Submission,
    withdrawn_by: str,
    at: datetime,
    version: int,
) -> Envelope:
    event = SubmissionWithdrawnV1(
        submission_id=submission.id,
        assignment_id=assignment.id,
        owner_id=submission.owner_id,
        withdrawn_by=withdrawn_by,
        withdrawn_at=at,
        version=version,
    )
    return enqueue(session, event, source=SOURCE, subject=submission.id, course_id=assignment.course_id)


def assignment_closed(
    session: Session,
    *,
    assignment: Assignment,
    closed_at: datetime,
    finals: list[tuple[Submission, Version]],
) -> Envelope:
    event = AssignmentClosedV1(
        assignment_id=assignment.id,
        kind=assignment.kind,
        lab_number=assignment.lab_number,
        deadline=assignment.deadline,
        closed_at=closed_at,
        final_submissions=[
            FinalSubmission(owner_id=s.owner_id, submission_id=s.id, version=v.version, sha256=v.sha256)
            for s, v in finals
        ],
    )
    return enqueue(session, event, source=SOURCE, subject=assignment.id, course_id=assignment.course_id)


def synopsis_received(
    session: Session, *, assignment: Assignment, submission: Submission, version: Version, project_id: str | None
) -> Envelope:
    """For the group's supervisors (a webhook subscriber mails them); keyed by the group."""
    event = SynopsisReceivedV1(
        group_id=submission.owner_id,
        project_id=project_id,
        assignment_id=assignment.id,
        submission_id=submission.id,
        version=version.version,
        file_name=version.file_name,
        received_at=version.received_at,
        warnings=[w.get("code", "") for w in version.warnings or []],
    )
    return enqueue(session, event, source=SOURCE, subject=submission.owner_id, course_id=assignment.course_id)
