"""What the service knows of a person: roster data, eligibility and group (self or staff)."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal, ensure_self_or_staff
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.projects import repository as repo
from peerlab.projects.routers.deps import PolicyDep
from peerlab.projects.schemas import PersonPublic

router = APIRouter(prefix="/v1/people", tags=["people"])


@router.get("/{person_id}", response_model=PersonPublic)
def get_person(person_id: str, session: SessionDep, policy: PolicyDep, principal: CurrentPrincipal) -> PersonPublic:
    ensure_self_or_staff(principal, person_id)
    person = repo.get_person(session, policy.course_id, person_id)
    if person is None:
        raise not_found("Person")
    membership = repo.membership(session, policy.course_id, person_id)
    return PersonPublic(
        person_id=person.person_id,
        roles=person.roles,
        programme=person.programme,
        enrolled=person.enrolled,
        eligibility=person.eligibility,
        group_id=membership.group_id if membership else None,
    )
