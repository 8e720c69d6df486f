"""The root Query, shaped by role: ``me`` (a student's own), ``supervising`` (supervisors),
``examining`` (examiners), ``course`` (everyone; staff-only fields say so) and the staff views."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.graphql.errors import from_backend
from peerlab.gateway.graphql.identity import Person, load_person
from peerlab.gateway.graphql.loaders import _call
from peerlab.gateway.graphql.me import Me, resolve_me
from peerlab.gateway.graphql.course_loaders import call, course_loaders
from peerlab.gateway.graphql.pagination import Connection, paginate_list
from peerlab.gateway.graphql.projects import (
    AllocationObjective,
    AllocationResult,
    Group,
    GroupState,
    Project,
    ProjectOrigin,
    SelectionWindow,
    Supervising,
    load_group,
    load_project,
    search_projects,
)
from peerlab.gateway.graphql.review import ReviewRound
from peerlab.gateway.graphql.scalars import JSON, AssignmentKind
from peerlab.gateway.graphql.scheduling import (
    Calendar,
    ExamDay,
    Examiner,
    Examining,
    Grade,
    PrintQuota,
    PrintRequest,
    exam_days,
    print_quota,
)
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
    async def assignments(
        self, info: Info, kind: AssignmentKind | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Assignment]:
        rows = await _call(info.context.submissions.assignments())
        items = [Assignment.from_api(r) for r in rows if kind is None or r.kind == kind.value]
        return paginate_list(items, first=first, after=after)

    @strawberry.field
    async def review_rounds(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReviewRound]:
        """Staff: every round with its settings (students see a lab's round on the assignment)."""
        info.context.staff()
        rows = await _call(info.context.review.rounds())
        return paginate_list([ReviewRound.from_api(r) for r in rows], first=first, after=after)

    # --- projects ---------------------------------------------------------------------------
    @strawberry.field(description="The project catalogue (default: this year's), searched and filtered.")
    async def projects(
        self,
        info: Info,
        search: str | None = None,
        year: int | None = None,
        origin: ProjectOrigin | None = None,
        with_free_places: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Project]:
        items = await search_projects(info, year=year, search=search, origin=origin, with_free_places=with_free_places)
        return paginate_list(items, first=first, after=after)

    @strawberry.field(description="One project, with its sub-projects and supervisors.")
    async def project(self, info: Info, id: strawberry.ID) -> Project | None:
        return await load_project(info, str(id))

    @strawberry.field(description="Group sizes, the number of choices and the selection deadline.")
    async def selection_window(self, info: Info) -> SelectionWindow:
        return SelectionWindow.from_api(await call(info.context.projects.selection_window()))

    @strawberry.field(description="Staff: the groups, with members, choices, project and booking.")
    async def groups(
        self, info: Info, state: GroupState | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Group]:
        info.context.staff()
        rows = await course_loaders(info.context).groups(state.value if state else None)
        return paginate_list([Group.from_api(r) for r in rows], first=first, after=after)

    @strawberry.field(description="Staff: a group.")
    async def group(self, info: Info, id: strawberry.ID) -> Group | None:
        info.context.staff()
        return await load_group(info, str(id))

    @strawberry.field(
        description="Teachers: what an allocation would give now (profile, unassigned groups "
        "with reasons); nothing is saved."
    )
    async def allocation_preview(
        self, info: Info, objective: AllocationObjective = AllocationObjective.RANK_MAXIMAL
    ) -> AllocationResult:
        info.context.teacher()
        return AllocationResult.from_api(
            await call(info.context.projects.allocate(dry_run=True, objective=objective.value))
        )

    # --- scheduling -------------------------------------------------------------------------
    @strawberry.field(description="Weeks and sessions, rooms, deadlines.")
    def calendar(self, info: Info) -> Calendar:
        info.context.user()
        return Calendar()

    @strawberry.field(description="Poster-exam days, with their slots and free places.")
    async def exam_days(self, info: Info) -> list[ExamDay]:
        return await exam_days(info)

    @strawberry.field
    async def print_quota(self, info: Info) -> PrintQuota:
        return await print_quota(info)

    @strawberry.field(description="Staff: the queue of poster-print requests.")
    async def print_requests(self, info: Info) -> list[PrintRequest]:
        info.context.staff()
        return [PrintRequest.from_api(r) for r in await call(info.context.scheduling.print_requests())]

    @strawberry.field(description="Staff: examiners and their availability.")
    async def examiners(self, info: Info) -> list[Examiner]:
        info.context.staff()
        return [Examiner.from_api(r) for r in await call(info.context.scheduling.examiners())]

    @strawberry.field(description="Staff: the final grades.")
    async def grades(self, info: Info) -> list[Grade]:
        info.context.staff()
        return [Grade.from_api(r) for r in await call(info.context.scheduling.grades())]


@strawberry.type
class Query:
    @strawberry.field(description="The caller.")
    def me(self, info: Info) -> Me:
        return resolve_me(info)

    @strawberry.field(description="Supervisors: your projects and groups, their hand-ins and comments.")
    def supervising(self, info: Info) -> Supervising:
        info.context.user()
        return Supervising()

    @strawberry.field(description="Examiners: your itinerary, the exam days, the grades you give.")
    def examining(self, info: Info) -> Examining:
        return Examining(person_id=info.context.user().sub)

    @strawberry.field
    def course(self, info: Info) -> Course:
        info.context.user()
        return Course(
            id=strawberry.ID(info.context.settings.course_id), time_zone=info.context.settings.course_timezone
        )

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
        if not info.context.is_self_or_staff(row.owner_id) and row.owner_type == "student":
            return None
        return Submission.from_api(row)

    @strawberry.field(description="Staff: a person on the roster.")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        info.context.staff()
        return await load_person(info, str(id))

    @strawberry.field(description="Staff: the enrolled students (or another role), paginated.")
    async def students(
        self, info: Info, first: int | None = None, after: str | None = None, role: str = "student"
    ) -> Connection[Person]:
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
