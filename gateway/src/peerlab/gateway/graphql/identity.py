"""People, their roles and programme, and the course; a person's labs and hand-ins are visible
to the person themself and to staff only."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from peerlab.gateway.graphql.errors import forbidden
from peerlab.gateway.graphql.review import Eligibility, LabStatus
from peerlab.gateway.graphql.submissions import Submission
from peerlab.gateway.models import Enrolment
from peerlab.gateway.models import Person as PersonRow


@strawberry.enum
class Programme(Enum):
    MSC = "msc"
    PHD = "phd"
    OTHER = "other"


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    programme: Programme | None
    roles: list[str]
    enrolled: bool
    _email: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, person: PersonRow, enrolment: Enrolment | None) -> Person:
        active = bool(enrolment and enrolment.active)
        return cls(
            id=strawberry.ID(person.id),
            name=person.name,
            programme=Programme(person.programme) if person.programme else None,
            roles=enrolment.roles.split(",") if active else [],
            enrolled=active,
            _email=person.email,
        )

    def _guard(self, info: Info) -> None:
        if not info.context.is_self_or_staff(str(self.id)):
            raise forbidden("Only the person themself and staff may see this.")

    @strawberry.field(description="The person themself and staff only; null for others.")
    def email(self, info: Info) -> str | None:
        return self._email if info.context.is_self_or_staff(str(self.id)) else None

    @strawberry.field(description="The 8 labs at a glance (the person themself and staff).")
    async def labs(self, info: Info) -> list[LabStatus]:
        self._guard(info)
        labs = await info.context.loaders.lab_status.load(str(self.id))
        return [LabStatus.from_api(lab) for lab in labs]

    @strawberry.field(description="Project eligibility (the person themself and staff).")
    async def eligibility(self, info: Info) -> Eligibility | None:
        self._guard(info)
        row = await info.context.loaders.eligibility.load(str(self.id))
        return Eligibility.from_api(row) if row else None

    @strawberry.field(description="Hand-ins owned by the person (the person themself and staff).")
    async def hand_ins(self, info: Info) -> list[Submission]:
        self._guard(info)
        rows = await info.context.loaders.submissions_of_owner.load(str(self.id))
        return [Submission.from_api(r) for r in rows]


async def load_person(info: Info, person_id: str) -> Person | None:
    found = await info.context.loaders.person.load(person_id)
    return Person.from_row(*found) if found else None
