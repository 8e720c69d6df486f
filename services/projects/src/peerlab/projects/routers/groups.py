"""Groups: students found, join and leave before the selection deadline; staff manage members."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.projects import repository as repo
from peerlab.chassis.clock import NowDep
from peerlab.projects.routers.deps import PolicyDep
from peerlab.projects.schemas import ExemptionPut, GroupCreate, GroupPublic, JoinRequest, MemberAdd
from peerlab.projects.service import groups

router = APIRouter(prefix="/v1/groups", tags=["groups"])


@router.get("", response_model=list[GroupPublic])
def list_groups(
    session: SessionDep,
    policy: PolicyDep,
    principal: StaffPrincipal,
    state: Annotated[Literal["forming", "formed", "dissolved"] | None, Query()] = None,
) -> list[GroupPublic]:
    rows = repo.list_groups(session, policy.course_id, state=state)
    members = repo.members_by_group(session, [g.group_id for g in rows])
    return [groups.to_public(session, g, principal=principal, members=members[g.group_id]) for g in rows]


@router.post("", response_model=GroupPublic, status_code=201)
def create_group(
    body: GroupCreate, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal, now: NowDep
) -> GroupPublic:
    """A student founds a group (its join code lets others join); staff may name all members,
    override the eligibility gate with a reason (audited) and, teachers, grant the exemption for a
    group below the minimum size."""
    group = groups.create_group(session, body=body, principal=principal, policy=policy, now=now)
    return groups.to_public(session, group, principal=principal)


@router.get("/mine", response_model=GroupPublic)
def my_group(session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> GroupPublic:
    row = repo.membership(session, policy.course_id, principal.sub)
    if row is None:
        raise not_found("Group")
    return groups.to_public(session, repo.get_group(session, row.group_id), principal=principal)


@router.post("/join", response_model=GroupPublic)
def join_group(
    body: JoinRequest, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal, now: NowDep
) -> GroupPublic:
    group = groups.join_group(session, join_code=body.join_code, principal=principal, policy=policy, now=now)
    return groups.to_public(session, group, principal=principal)


@router.get("/{group_id}", response_model=GroupPublic)
def get_group(group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> GroupPublic:
    group = groups.require_visible(session, group_id=group_id, principal=principal, policy=policy)
    return groups.to_public(session, group, principal=principal)


@router.post("/{group_id}/leave", response_model=GroupPublic)
def leave_group(
    group_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal, now: NowDep
) -> GroupPublic:
    group = groups.leave_group(session, group_id=group_id, principal=principal, policy=policy, now=now)
    return groups.to_public(session, group, principal=principal)


@router.put("/{group_id}/members/{person_id}", response_model=GroupPublic)
def add_member(
    group_id: str,
    person_id: str,
    session: SessionDep,
    policy: PolicyDep,
    principal: StaffPrincipal,
    now: NowDep,
    body: MemberAdd | None = None,
) -> GroupPublic:
    """Put a student in the group; ``override_eligibility`` with an ``override_reason`` lets a
    student past the eligibility gate (audited)."""
    body = body or MemberAdd()
    override = groups.eligibility_override(principal, requested=body.override_eligibility, reason=body.override_reason)
    group = groups.add_member(
        session, group_id=group_id, person_id=person_id, policy=policy, now=now, override=override
    )
    return groups.to_public(session, group, principal=principal)


@router.delete("/{group_id}/members/{person_id}", response_model=GroupPublic)
def remove_member(
    group_id: str, person_id: str, session: SessionDep, policy: PolicyDep, principal: StaffPrincipal, now: NowDep
) -> GroupPublic:
    group = groups.remove_member(session, group_id=group_id, person_id=person_id, policy=policy, now=now)
    return groups.to_public(session, group, principal=principal)


@router.put("/{group_id}/exemption", response_model=GroupPublic)
def set_exemption(
    group_id: str, body: ExemptionPut, session: SessionDep, policy: PolicyDep, principal: TeacherPrincipal, now: NowDep
) -> GroupPublic:
    """Allow (or withdraw) a group below the minimum size, e.g. a one-student group."""
    group = groups.set_exemption(
        session, group_id=group_id, exempt=body.exempt, reason=body.reason, policy=policy, now=now
    )
    return groups.to_public(session, group, principal=principal)
