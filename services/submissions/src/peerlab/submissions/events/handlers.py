"""Consumers: lab verdicts (who may resubmit), review allocations and their cancellations (who may
read an anonymised copy), groups (who hands in for which group), their supervisors (who reads
a group's synopsis and report) and their projects (where a synopsis
goes), people's programme (who presents a poster), each kept as a local projection; and the course
calendar's dates, which the assignments linked to them follow; and the roster's names and e-mails
(what an anonymised copy masks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlmodel import Session

from peerlab.chassis.clock import now as server_now
from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.projects import (
    GroupChangedV1,
    GroupFormedV1,
    GroupSupervisorsChangedV1,
    ProjectAssignedV1,
)
from peerlab.contracts.events.review import LabVerdictSetV1, ReviewAllocatedV1, ReviewAllocationCancelledV1
from peerlab.contracts.events.roster import PersonEnrolledV1, PersonUnenrolledV1
from peerlab.contracts.events.term import TermDatesChangedV1
from peerlab.submissions.service import calendar_dates, projections

CONSUMER = "submissions"


def on_lab_verdict_set(session: Session, envelope: Envelope, data: LabVerdictSetV1) -> None:
    projections.apply_verdict(
        session,
        student_id=data.student_id,
        assignment_id=data.assignment_id,
        verdict=data.verdict,
        origin=data.origin,
        set_at=data.set_at,
    )


def on_review_allocated(session: Session, envelope: Envelope, data: ReviewAllocatedV1) -> None:
    projections.apply_allocation(
        session,
        allocation_id=data.allocation_id,
        submission_id=data.submission_id,
        reviewer_id=data.reviewer_id,
        assignment_id=data.assignment_id,
        round_id=data.round_id,
        task_token=data.task_token,
        due_at=data.due_at,
    )


def on_review_allocation_cancelled(session: Session, envelope: Envelope, data: ReviewAllocationCancelledV1) -> None:
    projections.revoke_allocation(session, allocation_id=data.allocation_id)


def on_group_formed(session: Session, envelope: Envelope, data: GroupFormedV1) -> None:
    projections.replace_group(session, group_id=data.group_id, member_ids=data.member_ids, at=data.formed_at)


def on_group_changed(session: Session, envelope: Envelope, data: GroupChangedV1) -> None:
    projections.replace_group(session, group_id=data.group_id, member_ids=data.member_ids, at=data.changed_at)


def on_group_supervisors_changed(session: Session, envelope: Envelope, data: GroupSupervisorsChangedV1) -> None:
    projections.replace_supervisors(
        session, group_id=data.group_id, supervisor_ids=data.supervisor_ids, at=data.changed_at
    )


def on_project_assigned(session: Session, envelope: Envelope, data: ProjectAssignedV1) -> None:
    projections.assign_project(session, group_id=data.group_id, project_id=data.project_id, at=data.assigned_at)


def on_person_enrolled(session: Session, envelope: Envelope, data: PersonEnrolledV1) -> None:
    projections.record_person(
        session, person_id=data.person_id, programme=data.programme, enrolled=True, at=data.enrolled_at
    )
    projections.record_aliases(
        session, person_id=data.person_id, names=[data.name, data.email], source="roster", at=data.enrolled_at
    )


def on_person_unenrolled(session: Session, envelope: Envelope, data: PersonUnenrolledV1) -> None:
    projections.record_person(session, person_id=data.person_id, programme=None, enrolled=False, at=data.unenrolled_at)


def on_term_dates_changed(
    session: Session, envelope: Envelope, data: TermDatesChangedV1, *, clock: Callable[[], datetime]
) -> None:
    calendar_dates.apply_dates(
        session,
        course_id=envelope.course_id,
        revision=data.revision,
        dates=data.dates,
        changed_by=data.changed_by,
        now=clock(),
    )


def consumer_spec(*, clock: Callable[[], datetime] = server_now) -> ConsumerSpec:
    """``clock`` decides which deadlines have passed (tests inject one instead of sleeping)."""
    return ConsumerSpec(
        name=CONSUMER,
        topics=[topics.REVIEW, topics.PROJECTS, topics.SCHEDULING, topics.ROSTER],
        handlers={
            LabVerdictSetV1.TYPE: on_lab_verdict_set,
            ReviewAllocatedV1.TYPE: on_review_allocated,
            ReviewAllocationCancelledV1.TYPE: on_review_allocation_cancelled,
            GroupFormedV1.TYPE: on_group_formed,
            GroupChangedV1.TYPE: on_group_changed,
            ProjectAssignedV1.TYPE: on_project_assigned,
            PersonEnrolledV1.TYPE: on_person_enrolled,
            PersonUnenrolledV1.TYPE: on_person_unenrolled,
            TermDatesChangedV1.TYPE: partial(on_term_dates_changed, clock=clock),
            GroupSupervisorsChangedV1.TYPE: on_group_supervisors_changed,
        },
    )
