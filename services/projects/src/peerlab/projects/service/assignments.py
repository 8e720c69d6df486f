"""Project assignments: the teachers' allocation run and manual assignments.

An allocation run places the formed groups that have choices and no project yet; projects keep
the places earlier assignments took, so running it again assigns only groups formed since.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.projects import allocation
from peerlab.projects import repository as repo
from peerlab.projects.events import publish
from peerlab.projects.models import AssignmentRow
from peerlab.projects.schemas import (
    AllocationProfile,
    AllocationResult,
    AssignmentPublic,
    AssignmentPut,
    UnassignedGroup,
)
from peerlab.projects.service.catalogue import effective_capacity
from peerlab.projects.service import supervision
from peerlab.projects.service.groups import GroupPolicy, require_visible


def remaining_capacity(session: Session, *, course_id: str, year: int, default: int) -> dict[str, int | None]:
    taken = repo.assigned_counts(session, course_id)
    out: dict[str, int | None] = {}
    for project in repo.list_projects(session, year):
        cap = effective_capacity(project, default)
        out[project.project_id] = None if cap is None else max(0, cap - taken.get(project.project_id, 0))
    return out


def run_allocation(
    session: Session,
    *,
    course_id: str,
    year: int,
    default_capacity: int,
    dry_run: bool,
    principal: Principal,
    now: datetime,
    objective: allocation.Objective = "rank_maximal",
) -> AllocationResult:
    formed = [g.group_id for g in repo.list_groups(session, course_id, state="formed")]
    already = {a.group_id for a in repo.assignments(session, course_id)}
    chosen = repo.selections(session, course_id)
    candidates = [g for g in formed if g not in already and g in chosen]
    capacity = remaining_capacity(session, course_id=course_id, year=year, default=default_capacity)
    solved = allocation.solve(
        [allocation.GroupChoices(g, tuple(c["project_id"] for c in chosen[g].choices)) for g in candidates],
        capacity,
        objective=objective,
    )
    placements = solved.placements
    assigned, rows = [], []
    for placement in placements:
        subproject = chosen[placement.group_id].choices[placement.rank - 1].get("subproject")
        row = AssignmentRow(
            group_id=placement.group_id,
            course_id=course_id,
            project_id=placement.project_id,
            subproject=subproject,
            rank=placement.rank,
            method="allocation",
            assigned_by=principal.sub,
            assigned_at=now,
        )
        rows.append(row)
        assigned.append(to_public(row))
    if not dry_run and rows:
        try:
            with session.begin_nested():
                session.add_all(rows)
        except IntegrityError as exc:
            raise conflict("allocation_conflict", "Another allocation ran at the same moment; run it again.") from exc
        for row in rows:
            publish.project_assigned(session, assignment=row)
        session.flush()
        supervision.refresh(session, course_id=course_id, group_ids=[r.group_id for r in rows], now=now)
    return AllocationResult(
        dry_run=dry_run,
        objective=objective,
        assigned=assigned,
        unassigned=[u.group_id for u in solved.unplaced],
        unassigned_reasons=[UnassignedGroup(group_id=u.group_id, reason=u.reason) for u in solved.unplaced],
        without_choices=[g for g in formed if g not in already and g not in chosen],
        rank_counts=dict(sorted(Counter(p.rank for p in placements).items())),
        profile=AllocationProfile(by_rank=list(solved.profile), unassigned=len(solved.unplaced)),
    )


def assign_manually(
    session: Session,
    *,
    group_id: str,
    body: AssignmentPut,
    policy: GroupPolicy,
    year: int,
    default_capacity: int,
    principal: Principal,
    now: datetime,
) -> tuple[AssignmentRow, bool]:
    """A teacher assigns a project directly (within its capacity); returns (assignment, changed)."""
    group = repo.get_group(session, group_id)
    if group is None or group.course_id != policy.course_id:
        raise not_found("Group")
    if group.state == "dissolved":
        raise conflict("group_dissolved", "The group was dissolved.")
    project = repo.get_project(session, body.project_id)
    if project is None or project.year != year:
        raise ProblemError(422, "unknown_project", f"{body.project_id} is not in the {year} catalogue.")
    if body.subproject is not None and body.subproject not in {
        s.letter for s in repo.subprojects_of(session, [project.project_id])[project.project_id]
    }:
        raise ProblemError(422, "unknown_subproject", f"{body.project_id} has no sub-project {body.subproject}).")
    row = repo.get_assignment(session, group_id)
    if row is not None and (row.project_id, row.subproject) == (body.project_id, body.subproject):
        return row, False
    if row is None or row.project_id != body.project_id:
        left = remaining_capacity(session, course_id=policy.course_id, year=year, default=default_capacity)[
            body.project_id
        ]
        if left is not None and left < 1:
            raise conflict("project_full", f"{body.project_id} has no place left; raise its capacity first.")
    selection = repo.get_selection(session, group_id)
    ranks = [i + 1 for i, c in enumerate(selection.choices if selection else []) if c["project_id"] == body.project_id]
    if row is None:
        row = AssignmentRow(
            group_id=group_id,
            course_id=policy.course_id,
            project_id=body.project_id,
            subproject=body.subproject,
            rank=ranks[0] if ranks else None,
            method="manual",
            assigned_by=principal.sub,
            assigned_at=now,
        )
    else:
        row.project_id, row.subproject, row.rank = body.project_id, body.subproject, ranks[0] if ranks else None
        row.method, row.assigned_by, row.assigned_at = "manual", principal.sub, now
    session.add(row)
    publish.project_assigned(session, assignment=row)
    session.flush()
    supervision.refresh(session, course_id=policy.course_id, group_ids=[group_id], now=now)
    return row, True


def get_assignment(session: Session, *, group_id: str, principal: Principal, policy: GroupPolicy) -> AssignmentRow:
    require_visible(session, group_id=group_id, principal=principal, policy=policy)
    row = repo.get_assignment(session, group_id)
    if row is None:
        raise not_found("Assignment")
    return row


def to_public(row: AssignmentRow) -> AssignmentPublic:
    return AssignmentPublic.model_validate(row, from_attributes=True)
