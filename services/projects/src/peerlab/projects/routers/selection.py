"""Ranked project choices per group, the selection window, and project assignments."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.projects import repository as repo
from peerlab.chassis.clock import NowDep
from peerlab.projects.routers.deps import PolicyDep, SettingsDep
from peerlab.projects.schemas import (
    AllocationRequest,
    AllocationResult,
    AssignmentPublic,
    AssignmentPut,
    SelectionPublic,
    SelectionPut,
    SelectionWindow,
)
from peerlab.projects.service import assignments, selection

router = APIRouter(prefix="/v1", tags=["selection"])


@router.get("/selection-window", response_model=SelectionWindow)
def selection_window(settings: SettingsDep, policy: PolicyDep, _: CurrentPrincipal, now: NowDep) -> SelectionWindow:
    return SelectionWindow(
        catalogue_year=settings.catalogue_year,
        deadline=policy.selection_deadline,
        open=policy.selection_open(now),
        max_choices=settings.max_choices,
        min_group_size=settings.min_group_size,
        max_group_size=settings.max_group_size,
    )


@router.put(
    "/groups/{group_id}/selection",
    response_model=SelectionPublic,
    responses={201: {"model": SelectionPublic, "description": "Created"}},
)
def put_selection(
    group_id: str,
    body: SelectionPut,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: CurrentPrincipal,
    now: NowDep,
) -> SelectionPublic:
    """Replace the group's ranked choices (best first); students until the deadline (409 ``selection_closed``)."""
    row, created = selection.put_selection(
        session,
        group_id=group_id,
        body=body,
        principal=principal,
        policy=policy,
        year=settings.catalogue_year,
        max_choices=settings.max_choices,
        now=now,
    )
    if created:
        response.status_code = 201
    return selection.to_public(row)


@router.get("/groups/{group_id}/selection", response_model=SelectionPublic)
def get_selection(
    group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal
) -> SelectionPublic:
    return selection.to_public(selection.get_selection(session, group_id=group_id, principal=principal, policy=policy))


@router.get("/selections", response_model=list[SelectionPublic])
def list_selections(session: SessionDep, policy: PolicyDep, _: StaffPrincipal) -> list[SelectionPublic]:
    rows = repo.selections(session, policy.course_id)
    return [selection.to_public(rows[g]) for g in sorted(rows)]


@router.post("/allocations", response_model=AllocationResult)
def allocate(
    body: AllocationRequest,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: TeacherPrincipal,
    now: NowDep,
) -> AllocationResult:
    """Assign projects to the formed groups that chose and have none yet, by ranked choice within
    capacities: ``objective`` ``rank_maximal`` (default: the most first choices, then second, ...)
    or ``min_sum``; the result reports the profile. ``dry_run`` shows it without saving it."""
    return assignments.run_allocation(
        session,
        course_id=policy.course_id,
        year=settings.catalogue_year,
        default_capacity=settings.default_project_capacity,
        dry_run=body.dry_run,
        principal=principal,
        now=now,
        objective=body.objective,
    )


@router.get("/assignments", response_model=list[AssignmentPublic])
def list_assignments(session: SessionDep, policy: PolicyDep, _: StaffPrincipal) -> list[AssignmentPublic]:
    return [assignments.to_public(a) for a in repo.assignments(session, policy.course_id)]


@router.put("/groups/{group_id}/assignment", response_model=AssignmentPublic)
def assign(
    group_id: str,
    body: AssignmentPut,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    principal: TeacherPrincipal,
    now: NowDep,
) -> AssignmentPublic:
    row, _changed = assignments.assign_manually(
        session,
        group_id=group_id,
        body=body,
        policy=policy,
        year=settings.catalogue_year,
        default_capacity=settings.default_project_capacity,
        principal=principal,
        now=now,
    )
    return assignments.to_public(row)


@router.get("/groups/{group_id}/assignment", response_model=AssignmentPublic)
def get_assignment(
    group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal
) -> AssignmentPublic:
    return assignments.to_public(
        assignments.get_assignment(session, group_id=group_id, principal=principal, policy=policy)
    )
