"""Supervision: a supervisor's projects and groups, comments on synopses, staff links of people to
projects. Students get 403 on the supervisor endpoints; a group the caller does not supervise is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from peerlab.chassis.auth import CurrentPrincipal, Principal, Role, StaffPrincipal
from peerlab.chassis.clock import NowDep
from peerlab.chassis.db import SessionDep
from peerlab.projects import repository as repo
from peerlab.projects.models import SupervisionRow, SupervisorCommentRow
from peerlab.projects.routers.deps import PolicyDep
from peerlab.projects.schemas import (
    CommentCreate,
    CommentPublic,
    MemberPublic,
    SupervisedGroup,
    SupervisedProject,
    SupervisorLinkPublic,
)
from peerlab.projects.service import supervision

router = APIRouter(prefix="/v1", tags=["supervision"])


def _group_view(session: Session, rows: list[SupervisionRow], course_id: str) -> list[SupervisedGroup]:
    members = repo.members_by_group(session, [r.group_id for r in rows])
    projects = {r.project_id: repo.get_project(session, r.project_id) for r in rows if r.project_id}
    out = []
    for row in rows:
        group = repo.get_group(session, row.group_id)
        assignment = repo.get_assignment(session, row.group_id)
        people = repo.people(session, course_id, members[row.group_id])
        project = projects.get(row.project_id)
        out.append(
            SupervisedGroup(
                group_id=row.group_id,
                name=group.name if group else "",
                state=group.state if group else "dissolved",
                project_id=row.project_id,
                project_title=project.title if project else None,
                subproject=assignment.subproject if assignment else None,
                members=[
                    MemberPublic(
                        person_id=m,
                        programme=people[m].programme if m in people else None,
                        eligibility=people[m].eligibility if m in people else None,
                        presents_poster=not (m in people and people[m].programme == "phd"),
                    )
                    for m in members[row.group_id]
                ],
                supervisor_ids=list(row.supervisor_ids),
            )
        )
    return out


def _comment(row: SupervisorCommentRow) -> CommentPublic:
    return CommentPublic.model_validate(row, from_attributes=True)


@router.get("/supervision/groups", response_model=list[SupervisedGroup])
def my_groups(
    session: SessionDep,
    policy: PolicyDep,
    principal: CurrentPrincipal,
    supervisor_id: Annotated[str | None, Query(max_length=64, description="Staff only")] = None,
) -> list[SupervisedGroup]:
    """The groups the caller supervises, with members (staff: all, or ``supervisor_id``'s)."""
    rows = supervision.supervised_groups(
        session, course_id=policy.course_id, principal=principal, supervisor_id=supervisor_id
    )
    return _group_view(session, rows, policy.course_id)


@router.get("/supervision/groups/{group_id}", response_model=SupervisedGroup)
def my_group(group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> SupervisedGroup:
    row = supervision.require_supervised(session, course_id=policy.course_id, group_id=group_id, principal=principal)
    return _group_view(session, [row], policy.course_id)[0]


@router.get("/supervision/projects", response_model=list[SupervisedProject])
def my_projects(session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> list[SupervisedProject]:
    """The projects the caller supervises (catalogue e-mail or a staff link), with their groups."""
    supervision.require_supervisor_role(principal)
    ids = supervision.supervised_project_ids(session, course_id=policy.course_id, person_id=principal.sub)
    groups = supervision.supervised_groups(session, course_id=policy.course_id, principal=_self(principal))
    out = []
    for project_id in ids:
        project = repo.get_project(session, project_id)
        if project is not None:
            out.append(
                SupervisedProject(
                    project_id=project_id,
                    year=project.year,
                    number=project.number,
                    title=project.title,
                    group_ids=[g.group_id for g in groups if g.project_id == project_id],
                )
            )
    return out


def _self(principal: Principal) -> Principal:
    """The caller seen only as a supervisor (staff otherwise see every group)."""
    return Principal(sub=principal.sub, roles=frozenset({Role.SUPERVISOR}))


@router.post("/supervision/groups/{group_id}/comments", response_model=CommentPublic, status_code=201)
def add_comment(
    group_id: str, body: CommentCreate, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal, now: NowDep
) -> CommentPublic:
    """A supervisor of the group (or a teacher) approves its synopsis or asks for changes."""
    row = supervision.add_comment(
        session,
        course_id=policy.course_id,
        group_id=group_id,
        principal=principal,
        decision=body.decision,
        text=body.text,
        submission_id=body.submission_id,
        version=body.version,
        now=now,
    )
    return _comment(row)


@router.get("/groups/{group_id}/comments", response_model=list[CommentPublic])
def comments(group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> list[CommentPublic]:
    """The supervisors' comments, oldest first: for the group's members, its supervisors and staff."""
    return [
        _comment(r)
        for r in supervision.comments_for(session, course_id=policy.course_id, group_id=group_id, principal=principal)
    ]


@router.get("/supervisor-links", response_model=list[SupervisorLinkPublic])
def list_links(session: SessionDep, policy: PolicyDep, _: StaffPrincipal) -> list[SupervisorLinkPublic]:
    return [
        SupervisorLinkPublic.model_validate(r, from_attributes=True)
        for r in supervision.links(session, course_id=policy.course_id)
    ]


@router.put(
    "/supervisor-links/{person_id}/{project_id}",
    response_model=SupervisorLinkPublic,
    responses={201: {"model": SupervisorLinkPublic, "description": "Created"}},
)
def put_link(
    person_id: str,
    project_id: str,
    response: Response,
    session: SessionDep,
    policy: PolicyDep,
    principal: StaffPrincipal,
    now: NowDep,
) -> SupervisorLinkPublic:
    """Staff: the roster person ``person_id`` supervises ``project_id`` (idempotent), e.g. a
    supervisor the catalogue lists without an e-mail or under another address."""
    row, created = supervision.put_link(
        session, course_id=policy.course_id, person_id=person_id, project_id=project_id, principal=principal, now=now
    )
    if created:
        response.status_code = 201
    return SupervisorLinkPublic.model_validate(row, from_attributes=True)


@router.delete("/supervisor-links/{person_id}/{project_id}", status_code=204)
def delete_link(
    person_id: str, project_id: str, session: SessionDep, policy: PolicyDep, _: StaffPrincipal, now: NowDep
) -> None:
    supervision.delete_link(session, course_id=policy.course_id, person_id=person_id, project_id=project_id, now=now)
