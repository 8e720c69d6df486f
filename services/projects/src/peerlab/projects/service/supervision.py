"""Supervision: who supervises which group, what they see, and their comments on synopses.

A group's supervisors are derived, never typed in per group: the project assigned to the group,
that project's catalogue supervisors matched (case-insensitive e-mail) to enrolled roster people
who are not only students, plus the people staff linked to the project. The result is kept in
``projects_supervision`` and published as ``group.supervisors_changed.v1`` (the full list) only
when it changes; every input change (assignment, catalogue edit, link, roster e-mail or roles)
calls :func:`refresh`, so submissions' projection follows.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis import clock
from peerlab.chassis.auth import Principal, Role
from peerlab.chassis.errors import ProblemError, forbidden, not_found
from peerlab.projects import repository as repo
from peerlab.projects.events import publish
from peerlab.projects.models import (
    AssignmentRow,
    PersonRow,
    ProjectRow,
    SupervisionRow,
    SupervisorCommentRow,
    SupervisorLinkRow,
    SupervisorRow,
)

SUPERVISING_ROLES = frozenset({"supervisor", "teacher", "ta", "admin"})


def may_supervise(person: PersonRow) -> bool:
    """Enrolled, with a role that may supervise (a student never becomes a supervisor by e-mail)."""
    return person.enrolled and bool(SUPERVISING_ROLES.intersection(person.roles or []))


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def supervisors_of_project(session: Session, *, course_id: str, project_id: str) -> list[str]:
    """Person ids supervising ``project_id``: catalogue e-mails matched to people, and links.
    Read afresh (``populate_existing``): another transaction may have committed since this one
    first loaded a row."""
    fresh = {"populate_existing": True}
    emails = {
        normalise_email(e)
        for e in session.scalars(select(SupervisorRow.email).where(SupervisorRow.project_id == project_id))
    } - {None}
    found: set[str] = set()
    if emails:
        stmt = select(PersonRow).where(PersonRow.course_id == course_id, PersonRow.email.in_(emails))
        found |= {p.person_id for p in session.scalars(stmt.execution_options(**fresh)) if may_supervise(p)}
    linked = list(
        session.scalars(
            select(SupervisorLinkRow.person_id).where(
                SupervisorLinkRow.course_id == course_id, SupervisorLinkRow.project_id == project_id
            )
        )
    )
    if linked:
        stmt = select(PersonRow).where(
            PersonRow.course_id == course_id, PersonRow.person_id.in_(linked), PersonRow.enrolled.is_(True)
        )
        found |= {p.person_id for p in session.scalars(stmt.execution_options(**fresh))}
    return sorted(found)


def refresh(session: Session, *, course_id: str, group_ids: list[str] | None = None, now: datetime) -> list[str]:
    """Recompute the supervisors of ``group_ids`` (None: every group of the course with an
    assignment or a published supervision); publish each change. Returns the groups changed.

    Every caller changed an input first; the assigned projects' rows are then locked (in id order)
    before anything is read, so of two concurrent changes the later one waits and computes from
    both, and its event (stamped after the lock) is the newer one in submissions' projection.
    """
    assigned = select(AssignmentRow.project_id).where(AssignmentRow.course_id == course_id)
    if group_ids is not None:
        assigned = assigned.where(AssignmentRow.group_id.in_(list(group_ids)))
    project_ids = sorted(set(session.scalars(assigned)))
    if project_ids:
        session.execute(
            select(ProjectRow.project_id)
            .where(ProjectRow.project_id.in_(project_ids))
            .order_by(ProjectRow.project_id)
            .with_for_update()
        )
    stamp = max(now, clock.now())
    fresh = {"populate_existing": True}
    assignments = {
        a.group_id: a
        for a in session.scalars(
            select(AssignmentRow).where(AssignmentRow.course_id == course_id).execution_options(**fresh)
        )
    }
    known = {
        s.group_id: s
        for s in session.scalars(
            select(SupervisionRow).where(SupervisionRow.course_id == course_id).execution_options(**fresh)
        )
    }
    wanted = sorted(set(assignments) | set(known)) if group_ids is None else sorted(set(group_ids))
    by_project: dict[str, list[str]] = {}
    changed = []
    for group_id in wanted:
        assignment: AssignmentRow | None = assignments.get(group_id)
        project_id = assignment.project_id if assignment else None
        if project_id is not None and project_id not in by_project:
            by_project[project_id] = supervisors_of_project(session, course_id=course_id, project_id=project_id)
        ids = by_project.get(project_id, []) if project_id else []
        row = known.get(group_id)
        if row is None and not ids and project_id is None:
            continue
        if row is not None and row.supervisor_ids == ids and row.project_id == project_id:
            continue
        if row is None:
            row = SupervisionRow(
                group_id=group_id, course_id=course_id, project_id=project_id, supervisor_ids=ids, changed_at=stamp
            )
        else:
            row.project_id, row.supervisor_ids, row.changed_at = project_id, ids, stamp
        session.add(row)
        publish.group_supervisors_changed(
            session, course_id=course_id, group_id=group_id, project_id=project_id, supervisor_ids=ids, at=stamp
        )
        changed.append(group_id)
    return changed


def refresh_projects(session: Session, *, course_id: str, project_ids: list[str], now: datetime) -> list[str]:
    groups = [a.group_id for a in repo.assignments(session, course_id) if a.project_id in set(project_ids)]
    return refresh(session, course_id=course_id, group_ids=groups, now=now) if groups else []


# --- links ----------------------------------------------------------------------------------------
def put_link(
    session: Session, *, course_id: str, person_id: str, project_id: str, principal: Principal, now: datetime
) -> tuple[SupervisorLinkRow, bool]:
    """Staff: ``person_id`` supervises ``project_id`` (idempotent). The person must be on the
    roster with a supervising role; students are refused (422 ``not_a_supervisor``)."""
    if repo.get_project(session, project_id) is None:
        raise not_found("Project")
    person = repo.get_person(session, course_id, person_id)
    if person is None or not person.enrolled:
        raise ProblemError(422, "not_on_roster", f"{person_id} is not enrolled in the course.")
    if not may_supervise(person):
        raise ProblemError(422, "not_a_supervisor", f"{person_id} has no supervisor, TA or teacher role.")
    row = session.get(SupervisorLinkRow, (course_id, person_id, project_id))
    if row is not None:
        return row, False
    row = SupervisorLinkRow(
        course_id=course_id, person_id=person_id, project_id=project_id, created_by=principal.sub, created_at=now
    )
    session.add(row)
    session.flush()
    refresh_projects(session, course_id=course_id, project_ids=[project_id], now=now)
    return row, True


def delete_link(session: Session, *, course_id: str, person_id: str, project_id: str, now: datetime) -> None:
    row = session.get(SupervisorLinkRow, (course_id, person_id, project_id))
    if row is None:
        raise not_found("Link")
    session.delete(row)
    session.flush()
    refresh_projects(session, course_id=course_id, project_ids=[project_id], now=now)


def links(session: Session, *, course_id: str) -> list[SupervisorLinkRow]:
    stmt = (
        select(SupervisorLinkRow)
        .where(SupervisorLinkRow.course_id == course_id)
        .order_by(SupervisorLinkRow.project_id, SupervisorLinkRow.person_id)
    )
    return list(session.scalars(stmt))


# --- what a supervisor sees -----------------------------------------------------------------------
def require_supervisor_role(principal: Principal) -> None:
    if not (principal.has(Role.SUPERVISOR) or principal.is_staff):
        raise forbidden("Only supervisors and staff use the supervision endpoints.")


def supervised_groups(
    session: Session, *, course_id: str, principal: Principal, supervisor_id: str | None = None
) -> list[SupervisionRow]:
    """The caller's groups (staff: every supervised group, or ``supervisor_id``'s)."""
    require_supervisor_role(principal)
    who = supervisor_id if principal.is_staff else principal.sub
    rows = session.scalars(
        select(SupervisionRow).where(SupervisionRow.course_id == course_id).order_by(SupervisionRow.group_id)
    )
    return [r for r in rows if r.project_id and (who is None or who in r.supervisor_ids)]


def supervised_project_ids(session: Session, *, course_id: str, person_id: str) -> list[str]:
    """Projects ``person_id`` supervises, whether or not a group has been assigned to them yet."""
    person = repo.get_person(session, course_id, person_id)
    found: set[str] = set()
    email = normalise_email(person.email) if person else None
    if person is not None and email and may_supervise(person):
        found |= {
            pid
            for pid, mail in session.execute(select(SupervisorRow.project_id, SupervisorRow.email))
            if normalise_email(mail) == email
        }
    found |= set(
        session.scalars(
            select(SupervisorLinkRow.project_id).where(
                SupervisorLinkRow.course_id == course_id, SupervisorLinkRow.person_id == person_id
            )
        )
    )
    return sorted(found)


def supervision_of(session: Session, *, course_id: str, group_id: str) -> SupervisionRow | None:
    row = session.get(SupervisionRow, group_id)
    return row if row is not None and row.course_id == course_id else None


def require_supervised(session: Session, *, course_id: str, group_id: str, principal: Principal) -> SupervisionRow:
    """The group if the caller supervises it (or is staff); 404 otherwise, not revealing it."""
    require_supervisor_role(principal)
    row = supervision_of(session, course_id=course_id, group_id=group_id)
    group = repo.get_group(session, group_id)
    if group is None or group.course_id != course_id:
        raise not_found("Group")
    if principal.is_staff:
        return row or SupervisionRow(
            group_id=group_id, course_id=course_id, supervisor_ids=[], changed_at=group.created_at
        )
    if row is None or principal.sub not in row.supervisor_ids:
        raise not_found("Group")
    return row


# --- comments -------------------------------------------------------------------------------------
def add_comment(
    session: Session,
    *,
    course_id: str,
    group_id: str,
    principal: Principal,
    decision: str,
    text: str,
    submission_id: str | None,
    version: int | None,
    now: datetime,
) -> SupervisorCommentRow:
    """A supervisor of the group (or a teacher) approves the synopsis or asks for changes; the
    verdict is published (``synopsis.commented.v1``) in the same transaction."""
    row = require_supervised(session, course_id=course_id, group_id=group_id, principal=principal)
    if principal.sub not in row.supervisor_ids and not principal.is_teacher:
        raise forbidden("Only the group's supervisors and teachers comment on its synopsis.")
    row = SupervisorCommentRow(
        id=str(uuid.uuid4()),
        course_id=course_id,
        group_id=group_id,
        author_id=principal.sub,
        decision=decision,
        text=text,
        submission_id=submission_id,
        version=version,
        created_at=now,
    )
    session.add(row)
    publish.synopsis_commented(session, comment=row)
    return row


def comments_for(
    session: Session, *, course_id: str, group_id: str, principal: Principal
) -> list[SupervisorCommentRow]:
    """Members, the group's supervisors and staff read them; anyone else gets 404."""
    group = repo.get_group(session, group_id)
    if group is None or group.course_id != course_id:
        raise not_found("Group")
    member = repo.membership(session, course_id, principal.sub)
    supervision = supervision_of(session, course_id=course_id, group_id=group_id)
    allowed = (
        principal.is_staff
        or (member is not None and member.group_id == group_id)
        or (principal.has(Role.SUPERVISOR) and supervision is not None and principal.sub in supervision.supervisor_ids)
    )
    if not allowed:
        raise not_found("Group")
    stmt = (
        select(SupervisorCommentRow)
        .where(SupervisorCommentRow.group_id == group_id)
        .order_by(SupervisorCommentRow.created_at, SupervisorCommentRow.id)
    )
    return list(session.scalars(stmt))
