"""The root Query: ``me``, the course and its assignments, and the staff views."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.graphql.errors import from_backend
from peerlab.gateway.graphql.identity import Person, load_person
from peerlab.gateway.graphql.loaders import _call
from peerlab.gateway.graphql.me import Me, resolve_me
from peerlab.gateway.graphql.pagination import Connection, paginate_list
from peerlab.gateway.graphql.review import ReviewRound
from peerlab.gateway.graphql.scalars import JSON, AssignmentKind
from peerlab.gateway.graphql.staff import (
    LabOverview,
    StudentRecord,
    resolve_lab_overview,
    resolve_lab_overview_export,
    resolve_student_record,
    roster_page,
)
from peerlab.gateway.graphql.submissions import Assignment, Submission


@strawberry.type
class Course:
    id: strawberry.ID
    time_zone: str

    @strawberry.field
    async def assignments(self, info: Info, kind: AssignmentKind | None = None, first: int | None = None,
                          after: str | None = None) -> Connection[Assignment]:
        rows = await _call(info.context.submissions.assignments())
        items = [Assignment.from_api(r) for r in rows if kind is None or r["kind"] == kind.value]
        return paginate_list(items, first=first, after=after)

    @strawberry.field
    async def review_rounds(self, info: Info, first: int | None = None,
                            after: str | None = None) -> Connection[ReviewRound]:
        """Staff: every round with its settings (students see a lab's round on the assignment)."""
        info.context.staff()
        rows = await _call(info.context.review.rounds())
        return paginate_list([ReviewRound.from_api(r) for r in rows], first=first, after=after)


@strawberry.type
class Query:
    @strawberry.field(description="The caller.")
    def me(self, info: Info) -> Me:
        return resolve_me(info)

    @strawberry.field
    def course(self, info: Info) -> Course:
        info.context.user()
        return Course(id=strawberry.ID(info.context.settings.course_id),
                      time_zone=info.context.settings.course_timezone)

    @strawberry.field
    async def assignment(self, info: Info, id: strawberry.ID) -> Assignment | None:
        info.context.user()
        row = await info.context.loaders.assignment.load(str(id))
        return Assignment.from_api(row) if row else None

    @strawberry.field(description="A hand-in: its owner and staff only.")
    async def submission(self, info: Info, id: strawberry.ID) -> Submission | None:
        info.context.user()
        try:
            row = await info.context.loaders.submission.load(str(id))
        except BackendError as exc:
            raise from_backend(exc) from exc
        if row is None:
            return None
        if not info.context.is_self_or_staff(row["owner_id"]) and row.get("owner_type") == "student":
            return None
        return Submission.from_api(row)

    @strawberry.field(description="Staff: a person on the roster.")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        info.context.staff()
        return await load_person(info, str(id))

    @strawberry.field(description="Staff: the enrolled students (or another role), paginated.")
    async def students(self, info: Info, first: int | None = None, after: str | None = None,
                       role: str = "student") -> Connection[Person]:
        info.context.staff()
        return await roster_page(info, role=role, first=first, after=after)

    @strawberry.field(description="Staff: one lab at a glance.")
    async def lab_overview(self, info: Info, lab_number: int) -> LabOverview:
        return await resolve_lab_overview(info, lab_number)

    @strawberry.field(description="Staff: a lab's overview and every student's status as one JSON value (bulk).")
    async def lab_overview_export(self, info: Info, lab_number: int) -> JSON:
        return await resolve_lab_overview_export(info, lab_number)

    @strawberry.field(description="Staff: a student's record (labs, eligibility, verdicts, hand-ins).")
    async def student_record(self, info: Info, student_id: strawberry.ID) -> StudentRecord:
        return await resolve_student_record(info, str(student_id))
