"""Consumers: lab verdicts (who may resubmit), review allocations and their cancellations (who may
read an anonymised copy), groups (who hands in for which group) and their supervisors (who reads
a group's synopsis and report), each kept as a local projection."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.projects import GroupChangedV1, GroupFormedV1, GroupSupervisorsChangedV1
from peerlab.contracts.events.review import LabVerdictSetV1, ReviewAllocatedV1, ReviewAllocationCancelledV1
from peerlab.submissions.service import projections

CONSUMER = "submissions"


def on_lab_verdict_set(session: Session, envelope: Envelope, data: LabVerdictSetV1) -> None:
    projections.apply_verdict(session, student_id=data.student_id, assignment_id=data.assignment_id,
                              verdict=data.verdict, origin=data.origin, set_at=data.set_at)


def on_review_allocated(session: Session, envelope: Envelope, data: ReviewAllocatedV1) -> None:
    projections.apply_allocation(session, allocation_id=data.allocation_id, submission_id=data.submission_id,
                                 reviewer_id=data.reviewer_id, assignment_id=data.assignment_id,
                                 round_id=data.round_id, task_token=data.task_token, due_at=data.due_at)


def on_review_allocation_cancelled(session: Session, envelope: Envelope, data: ReviewAllocationCancelledV1) -> None:
    projections.revoke_allocation(session, allocation_id=data.allocation_id)


def on_group_formed(session: Session, envelope: Envelope, data: GroupFormedV1) -> None:
    projections.replace_group(session, group_id=data.group_id, member_ids=data.member_ids, at=data.formed_at)


def on_group_changed(session: Session, envelope: Envelope, data: GroupChangedV1) -> None:
    projections.replace_group(session, group_id=data.group_id, member_ids=data.member_ids, at=data.changed_at)


def on_group_supervisors_changed(session: Session, envelope: Envelope, data: GroupSupervisorsChangedV1) -> None:
    projections.replace_supervisors(session, group_id=data.group_id, supervisor_ids=data.supervisor_ids,
                                    at=data.changed_at)


def consumer_spec() -> ConsumerSpec:
    return ConsumerSpec(
        name=CONSUMER,
        topics=[topics.REVIEW, topics.PROJECTS],
        handlers={
            LabVerdictSetV1.TYPE: on_lab_verdict_set,
            ReviewAllocatedV1.TYPE: on_review_allocated,
            ReviewAllocationCancelledV1.TYPE: on_review_allocation_cancelled,
            GroupFormedV1.TYPE: on_group_formed,
            GroupChangedV1.TYPE: on_group_changed,
            GroupSupervisorsChangedV1.TYPE: on_group_supervisors_changed,
        },
    )
