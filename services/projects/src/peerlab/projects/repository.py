"""Queries of the projects service. A group's size changes only through conditional UPDATEs."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from peerlab.projects.models import (
    AssignmentRow,
    AuditEntryRow,
    GroupRow,
    MembershipRow,
    PersonRow,
    ProjectRow,
    SelectionRow,
    SubprojectRow,
    SupervisorRow,
)


def project_id(year: int, number: int) -> str:
    return f"p-{year}-{number:02d}"


# --- catalogue ----------------------------------------------------------------------------------
def get_project(session: Session, project_id_: str) -> ProjectRow | None:
    return session.get(ProjectRow, project_id_)


def list_projects(session: Session, year: int) -> list[ProjectRow]:
    return list(session.scalars(select(ProjectRow).where(ProjectRow.year == year).order_by(ProjectRow.number)))


def catalogue_years(session: Session) -> list[tuple[int, int]]:
    rows = session.execute(select(ProjectRow.year, func.count()).group_by(ProjectRow.year).order_by(ProjectRow.year))
    return [(int(y), int(n)) for y, n in rows]


def supervisors_of(session: Session, project_ids: list[str]) -> dict[str, list[SupervisorRow]]:
    out: dict[str, list[SupervisorRow]] = {p: [] for p in project_ids}
    if project_ids:
        stmt = select(SupervisorRow).where(SupervisorRow.project_id.in_(project_ids)).order_by(SupervisorRow.position)
        for row in session.scalars(stmt):
            out[row.project_id].append(row)
    return out


def subprojects_of(session: Session, project_ids: list[str]) -> dict[str, list[SubprojectRow]]:
    out: dict[str, list[SubprojectRow]] = {p: [] for p in project_ids}
    if project_ids:
        stmt = select(SubprojectRow).where(SubprojectRow.project_id.in_(project_ids)).order_by(SubprojectRow.letter)
        for row in session.scalars(stmt):
            out[row.project_id].append(row)
    return out


def replace_children(
    session: Session, project_id_: str, supervisors: list[SupervisorRow], subprojects: list[SubprojectRow]
) -> None:
    session.execute(delete(SupervisorRow).where(SupervisorRow.project_id == project_id_))
    session.execute(delete(SubprojectRow).where(SubprojectRow.project_id == project_id_))
    session.add_all([*supervisors, *subprojects])


def project_in_use(session: Session, project_id_: str) -> bool:
    assigned = session.scalar(
        select(func.count()).select_from(AssignmentRow).where(AssignmentRow.project_id == project_id_)
    )
    if assigned:
        return True
    return any(c.get("project_id") == project_id_ for s in session.scalars(select(SelectionRow)) for c in s.choices)


# --- people -------------------------------------------------------------------------------------
def get_person(session: Session, course_id: str, person_id: str) -> PersonRow | None:
    return session.get(PersonRow, (course_id, person_id))


def people(session: Session, course_id: str, person_ids: list[str]) -> dict[str, PersonRow]:
    if not person_ids:
        return {}
    stmt = select(PersonRow).where(PersonRow.course_id == course_id, PersonRow.person_id.in_(person_ids))
    return {p.person_id: p for p in session.scalars(stmt)}


# --- groups -------------------------------------------------------------------------------------
def get_group(session: Session, group_id: str, *, for_update: bool = False) -> GroupRow | None:
    stmt = select(GroupRow).where(GroupRow.group_id == group_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def group_by_code(session: Session, course_id: str, join_code: str) -> GroupRow | None:
    return session.scalars(
        select(GroupRow).where(GroupRow.course_id == course_id, GroupRow.join_code == join_code)
    ).first()


def list_groups(session: Session, course_id: str, *, state: str | None = None) -> list[GroupRow]:
    stmt = select(GroupRow).where(GroupRow.course_id == course_id)
    if state:
        stmt = stmt.where(GroupRow.state == state)
    return list(session.scalars(stmt.order_by(GroupRow.group_id)))


def membership(session: Session, course_id: str, person_id: str) -> MembershipRow | None:
    return session.get(MembershipRow, (course_id, person_id))


def member_ids(session: Session, group_id: str) -> list[str]:
    stmt = select(MembershipRow.person_id).where(MembershipRow.group_id == group_id).order_by(MembershipRow.person_id)
    return list(session.scalars(stmt))


def members_by_group(session: Session, group_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {g: [] for g in group_ids}
    if group_ids:
        stmt = (
            select(MembershipRow.group_id, MembershipRow.person_id)
            .where(MembershipRow.group_id.in_(group_ids))
            .order_by(MembershipRow.person_id)
        )
        for group_id, person_id in session.execute(stmt):
            out[group_id].append(person_id)
    return out


def take_seat(session: Session, group_id: str, max_size: int) -> bool:
    """Raise the group's member count unless it is full; False when full."""
    result = session.execute(
        update(GroupRow)
        .where(GroupRow.group_id == group_id, GroupRow.member_count < max_size)
        .values(member_count=GroupRow.member_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def free_seat(session: Session, group_id: str) -> None:
    session.execute(
        update(GroupRow)
        .where(GroupRow.group_id == group_id, GroupRow.member_count > 0)
        .values(member_count=GroupRow.member_count - 1)
        .execution_options(synchronize_session=False)
    )


# --- selections and assignments -----------------------------------------------------------------
def get_selection(session: Session, group_id: str) -> SelectionRow | None:
    return session.get(SelectionRow, group_id)


def selections(session: Session, course_id: str) -> dict[str, SelectionRow]:
    return {s.group_id: s for s in session.scalars(select(SelectionRow).where(SelectionRow.course_id == course_id))}


def get_assignment(session: Session, group_id: str) -> AssignmentRow | None:
    return session.get(AssignmentRow, group_id)


def assignments(session: Session, course_id: str) -> list[AssignmentRow]:
    return list(
        session.scalars(
            select(AssignmentRow).where(AssignmentRow.course_id == course_id).order_by(AssignmentRow.group_id)
        )
    )


def assigned_counts(session: Session, course_id: str) -> dict[str, int]:
    stmt = (
        select(AssignmentRow.project_id, func.count())
        .where(AssignmentRow.course_id == course_id)
        .group_by(AssignmentRow.project_id)
    )
    return {p: int(n) for p, n in session.execute(stmt)}


def audit_entries(session: Session, course_id: str, person_id: str | None = None) -> list[AuditEntryRow]:
    query = select(AuditEntryRow).where(AuditEntryRow.course_id == course_id)
    if person_id is not None:
        query = query.where(AuditEntryRow.person_id == person_id)
    return list(session.execute(query.order_by(AuditEntryRow.created_at, AuditEntryRow.id)).scalars())
