"""Events the projects service publishes on ``peerlab.projects`` (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.projects import (
    GroupChangedV1,
    GroupFormedV1,
    GroupSupervisorsChangedV1,
    ProjectAssignedV1,
    SynopsisCommentedV1,
)
from peerlab.projects import repository as repo
from peerlab.projects.models import AssignmentRow, SupervisorCommentRow

SOURCE = "projects"


def group_formed(session: Session, *, course_id: str, group_id: str, member_ids: list[str], at: datetime) -> None:
    enqueue(
        session,
        GroupFormedV1(group_id=group_id, member_ids=member_ids, formed_at=at),
        source=SOURCE,
        subject=group_id,
        course_id=course_id,
    )


def group_changed(session: Session, *, course_id: str, group_id: str, member_ids: list[str], at: datetime) -> None:
    enqueue(
        session,
        GroupChangedV1(group_id=group_id, member_ids=member_ids, changed_at=at),
        source=SOURCE,
        subject=group_id,
        course_id=course_id,
    )


def project_assigned(session: Session, *, assignment: AssignmentRow) -> None:
    supervisors = repo.supervisors_of(session, [assignment.project_id])[assignment.project_id]
    event = ProjectAssignedV1(
        group_id=assignment.group_id,
        project_id=assignment.project_id,
        subproject=assignment.subproject,
        assigned_at=assignment.assigned_at,
        supervisor_emails=[s.email for s in supervisors if s.email],
    )
    enqueue(session, event, source=SOURCE, subject=assignment.group_id, course_id=assignment.course_id)


def group_supervisors_changed(
    session: Session, *, course_id: str, group_id: str, project_id: str | None, supervisor_ids: list[str], at: datetime
) -> None:
    event = GroupSupervisorsChangedV1(
        group_id=group_id, project_id=project_id, supervisor_ids=supervisor_ids, changed_at=at
    )
    enqueue(session, event, source=SOURCE, subject=group_id, course_id=course_id)


def synopsis_commented(session: Session, *, comment: SupervisorCommentRow) -> None:
    """The verdict and who gave it, keyed by group; the comment's text stays here."""
    event = SynopsisCommentedV1(
        comment_id=comment.id,
        group_id=comment.group_id,
        submission_id=comment.submission_id,
        version=comment.version,
        verdict=comment.decision,
        commenter_id=comment.author_id,
        commented_at=comment.created_at,
    )
    enqueue(session, event, source=SOURCE, subject=comment.group_id, course_id=comment.course_id)
