"""The local projection of assignments, hand-ins and students, fed by other services' events.

Times are stored in UTC (SQLite keeps no offset, so an event's local offset is converted here).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.contracts.events.submissions import (
    AssignmentClosedV1,
    AssignmentUpsertedV1,
    SubmissionReceivedV1,
    SubmissionWithdrawnV1,
)
from peerlab.review import repository as repo
from peerlab.review.models import AssignmentRow, StudentRow, SubmissionRow
from peerlab.review.service import rounds, teacher_queue
from peerlab.review.settings import ReviewSettings


def ensure_student(session: Session, *, student_id: str, now: datetime) -> StudentRow:
    row = session.get(StudentRow, student_id)
    if row is None:
        row = StudentRow(student_id=student_id, enrolled=True, first_seen_at=now)
        session.add(row)
    return row


def record_person(session: Session, *, data: PersonEnrolledV1, now: datetime) -> None:
    if "student" not in data.roles:
        return
    row = ensure_student(session, student_id=data.person_id, now=now)
    row.enrolled = True
    row.programme = data.programme


def record_unenrolment(session: Session, *, data: PersonUnenrolledV1) -> None:
    row = session.get(StudentRow, data.person_id)
    if row is not None:
        row.enrolled = False


def record_assignment(
    session: Session, *, data: AssignmentUpsertedV1, settings: ReviewSettings, now: datetime
) -> AssignmentRow:
    """Upsert the assignment; a lab gets its round (defaults) and the window follows the deadline."""
    row = session.get(AssignmentRow, data.assignment_id)
    if row is None:
        row = AssignmentRow(assignment_id=data.assignment_id, kind=data.kind, updated_at=now)
        session.add(row)
    row.kind, row.lab_number, row.title, row.owner_type = data.kind, data.lab_number, data.title, data.owner_type
    row.opens_at, row.deadline, row.updated_at = data.opens_at, data.deadline, now
    session.flush()
    if row.kind == "lab":
        round_row = rounds.ensure_round(session, assignment=row, settings=settings, now=now)
        rounds.follow_deadline(session, round_row=round_row, deadline=row.deadline)
        round_row.lab_number = row.lab_number
    return row


def record_submission(session: Session, *, data: SubmissionReceivedV1, now: datetime) -> SubmissionRow:
    """Upsert the hand-in (an older version arriving late changes nothing); queue resubmissions."""
    row = session.get(SubmissionRow, data.submission_id)
    if row is not None and row.version > data.version:
        return row
    if row is None:
        row = SubmissionRow(
            submission_id=data.submission_id,
            assignment_id=data.assignment_id,
            assignment_kind=data.assignment_kind,
            owner_id=data.owner_id,
            updated_at=now,
        )
        session.add(row)
    row.assignment_id, row.assignment_kind, row.lab_number = data.assignment_id, data.assignment_kind, data.lab_number
    row.owner_type, row.owner_id, row.submitted_by = data.owner_type, data.owner_id, data.submitted_by
    row.version, row.file_name, row.size, row.sha256 = data.version, data.file_name, data.size, data.sha256
    row.received_at, row.on_time, row.updated_at = data.received_at, data.on_time, now
    row.withdrawn, row.withdrawn_at = False, None
    if data.owner_type == "student":
        ensure_student(session, student_id=data.owner_id, now=now)
    if data.assignment_kind == "resubmission" and data.owner_type == "student":
        # Resubmissions go to the teachers only, never to peers.
        teacher_queue.add_item(
            session,
            kind="resubmission",
            dedupe_key=f"resubmission:{data.submission_id}:{data.version}",
            now=now,
            lab_number=data.lab_number,
            student_id=data.owner_id,
            submission_id=data.submission_id,
            detail=f"Resubmission of lab {data.lab_number} ({data.file_name}, version {data.version}).",
        )
    return row


def record_withdrawal(session: Session, *, data: SubmissionWithdrawnV1, now: datetime) -> None:
    row = session.get(SubmissionRow, data.submission_id)
    if row is None:
        return
    row.withdrawn, row.withdrawn_at, row.updated_at = True, data.withdrawn_at, now


def record_close(session: Session, *, data: AssignmentClosedV1, now: datetime) -> AssignmentRow:
    """Mark the assignment closed and its owners' final versions (the authoritative hand-in list).

    ``assignment.closed`` and ``submission.received`` are keyed differently and may arrive in
    any order, so a final hand-in not seen yet is recorded from the close event itself.
    """
    row = session.get(AssignmentRow, data.assignment_id)
    if row is None:
        row = AssignmentRow(
            assignment_id=data.assignment_id,
            kind=data.kind,
            lab_number=data.lab_number,
            title="",
            deadline=data.deadline,
            updated_at=now,
        )
        session.add(row)
    row.deadline = row.deadline or data.deadline
    if row.closed_at is None:
        row.closed_at = data.closed_at
    row.updated_at = now
    final_ids = {f.submission_id for f in data.final_submissions}
    existing = {s.submission_id: s for s in repo.submissions_of_assignment(session, data.assignment_id)}
    for sub in existing.values():
        sub.final = sub.submission_id in final_ids
    for final in data.final_submissions:
        sub = existing.get(final.submission_id)
        if sub is None:
            sub = SubmissionRow(
                submission_id=final.submission_id,
                assignment_id=data.assignment_id,
                assignment_kind=data.kind,
                lab_number=data.lab_number,
                owner_type=row.owner_type,
                owner_id=final.owner_id,
                submitted_by=final.owner_id,
                version=final.version,
                sha256=final.sha256,
                received_at=data.deadline,
                on_time=True,
                final=True,
                updated_at=now,
            )
            session.add(sub)
            if row.owner_type == "student":
                ensure_student(session, student_id=final.owner_id, now=now)
        elif sub.version < final.version:
            sub.version, sub.sha256 = final.version, final.sha256
        if sub.withdrawn:  # the close lists current versions only; a withdrawal seen earlier was undone
            sub.withdrawn, sub.withdrawn_at = False, None
    session.flush()
    return row
