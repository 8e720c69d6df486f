"""``me``: the caller's own hand-ins, review tasks, received reviews, labs and eligibility; their
group (members, choices, booking, ...), "my project" and, once released, their grade."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from peerlab.gateway.graphql.errors import GatewayError
from peerlab.gateway.graphql.identity import Person, load_person
from peerlab.gateway.graphql.loaders import _call
from peerlab.gateway.graphql.course_loaders import or_none
from peerlab.gateway.graphql.pagination import Connection, paginate_list
from peerlab.gateway.graphql.projects import Group, Project, my_group
from peerlab.gateway.graphql.review import Eligibility, LabStatus, Review, ReviewTask
from peerlab.gateway.graphql.scheduling import Grade
from peerlab.gateway.graphql.submissions import Submission


@strawberry.type
class Me:
    id: strawberry.ID
    roles: list[str]

    @strawberry.field(description="The caller's roster entry (null when not on the roster).")
    async def person(self, info: Info) -> Person | None:
        return await load_person(info, str(self.id))

    @strawberry.field
    async def hand_ins(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Submission]:
        rows = await info.context.loaders.submissions_of_owner.load(str(self.id))
        return paginate_list([Submission.from_api(r) for r in rows], first=first, after=after)

    @strawberry.field
    async def review_tasks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReviewTask]:
        rows = await _call(info.context.review.my_tasks())
        return paginate_list([ReviewTask.from_api(r) for r in rows], first=first, after=after)

    @strawberry.field(description="Submitted reviews of the caller's hand-ins.")
    async def received_reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        rows = await _call(info.context.review.my_reviews())
        return paginate_list([Review.from_api(r) for r in rows], first=first, after=after)

    @strawberry.field
    async def labs(self, info: Info) -> list[LabStatus]:
        labs = await info.context.loaders.lab_status.load(str(self.id))
        return [LabStatus.from_api(lab) for lab in labs]

    @strawberry.field
    async def eligibility(self, info: Info) -> Eligibility | None:
        row = await info.context.loaders.eligibility.load(str(self.id))
        return Eligibility.from_api(row) if row else None

    @strawberry.field(description="Your project group (null when you have none).")
    async def group(self, info: Info) -> Group | None:
        return await my_group(info)

    @strawberry.field(description="My project: the one your group was given (null before the allocation).")
    async def project(self, info: Info) -> Project | None:
        group = await my_group(info)
        return await group.project(info) if group else None

    @strawberry.field(description="Your final grade, once the teacher has released the grades (else null).")
    async def grade(self, info: Info) -> Grade | None:
        row = await or_none(info.context.scheduling.grade(student_id=str(self.id)))
        return Grade.from_api(row) if row else None


def resolve_me(info: Info) -> Me:
    principal = info.context.user()
    if not principal.sub:
        raise GatewayError("unauthenticated", "The token has no subject.")
    return Me(id=strawberry.ID(principal.sub), roles=sorted(str(r) for r in principal.roles))
