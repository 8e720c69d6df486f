"""Local projections of other services' events (applied by the consumer, idempotently)."""

from __future__ import annotations

from datetime import datetime

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import Session

from peerlab.submissions import repository
from peerlab.submissions.models import (
    Allocation,
    GroupMember,
    GroupProject,
    GroupSupervision,
    GroupSupervisor,
    LabVerdict,
    Person,
)


def apply_verdict(
    session: Session, *, student_id: str, assignment_id: str, verdict: str, origin: str, set_at: datetime
) -> None:
    """Keep the latest verdict per (student, lab); an older event arriving late changes nothing."""
    row = repository.latest_verdict(session, student_id=student_id, assignment_id=assignment_id)
    if row is None:
        session.add(
            LabVerdict(
                student_id=student_id, assignment_id=assignment_id, verdict=verdict, origin=origin, set_at=set_at
            )
        )
    elif row.set_at <= set_at:
        row.verdict, row.origin, row.set_at = verdict, origin, set_at
        session.add(row)
    session.flush()


def apply_allocation(
    session: Session,
    *,
    allocation_id: str,
    submission_id: str,
    reviewer_id: str,
    assignment_id: str,
    round_id: str,
    task_token: str,
    due_at: datetime,
) -> None:
    if session.get(Allocation, allocation_id) is None:
        session.add(
            Allocation(
                allocation_id=allocation_id,
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                assignment_id=assignment_id,
                round_id=round_id,
                task_token=task_token,
                due_at=due_at,
            )
        )
        session.flush()


def revoke_allocation(session: Session, *, allocation_id: str) -> None:
    """The task was cancelled: its reviewer may no longer read the anonymised copy.

    The row goes, so every read of the projection treats the token as never allocated. Both
    events of an allocation are keyed by its id, so they arrive in order: a rerun that later
    reinstates the task sends ``review.allocated`` again and the row comes back.
    """
    session.execute(delete(Allocation).where(Allocation.allocation_id == allocation_id))
    session.flush()


def replace_group(session: Session, *, group_id: str, member_ids: list[str], at: datetime) -> None:
    """A group's full member list after a change (events carry the whole list)."""
    current = repository.group_members(session, group_id)
    if current and max(m.changed_at for m in current) > at:
        return  # a newer change was applied already
    session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    for member in sorted(set(member_ids)):
        session.add(GroupMember(group_id=group_id, member_id=member, changed_at=at))
    session.flush()


def assign_project(session: Session, *, group_id: str, project_id: str, at: datetime) -> None:
    """The group's project (the latest assignment wins; an older event arriving late changes nothing)."""
    row = session.get(GroupProject, group_id)
    if row is None:
        session.add(GroupProject(group_id=group_id, project_id=project_id, assigned_at=at))
    elif row.assigned_at <= at:
        row.project_id, row.assigned_at = project_id, at
        session.add(row)
    session.flush()


def record_person(session: Session, *, person_id: str, programme: str | None, enrolled: bool, at: datetime) -> None:
    """A person's programme and enrolment as of the newest roster event."""
    row = session.get(Person, person_id)
    if row is None:
        session.add(Person(person_id=person_id, programme=programme, enrolled=enrolled, changed_at=at))
    elif row.changed_at <= at:
        row.enrolled, row.changed_at = enrolled, at
        if enrolled:
            row.programme = programme
        session.add(row)


TOKEN_IDENTITY_CLAIMS = ("name", "given_name", "family_name", "email", "preferred_username")


def record_aliases(session: Session, *, person_id: str, names: Iterable[str | None], source: str, at: datetime) -> None:
    """Remember what names a person (roster name and e-mail, a token's identity claims), so an
    anonymised copy can mask it; blank values are ignored, nothing is ever removed."""
    aliases = [n.strip()[:320] for n in names if isinstance(n, str) and n.strip()]
    repository.add_aliases(session, person_id=person_id, aliases=aliases, source=source, at=at)


def replace_supervisors(session: Session, *, group_id: str, supervisor_ids: list[str], at: datetime) -> None:
    """A group's full supervisor list (``group.supervisors_changed.v1``); an older event arriving
    after a newer one changes nothing, and applying the same list twice leaves the same rows."""
    marker = session.get(GroupSupervision, group_id)
    if marker is not None and marker.changed_at > at:
        return
    if marker is None:
        session.add(GroupSupervision(group_id=group_id, changed_at=at))
    else:
        marker.changed_at = at
        session.add(marker)
    session.execute(delete(GroupSupervisor).where(GroupSupervisor.group_id == group_id))
    for supervisor_id in sorted(set(supervisor_ids)):
        session.add(GroupSupervisor(group_id=group_id, supervisor_id=supervisor_id))
    session.flush()
