"""Projects: the catalogue (search and filters), groups, ranked selection, allocation, "my
project", and supervision (supervisors' groups, their hand-ins, comments on synopses).

Types are built from the models generated from the projects service's ``openapi.json``; the
service enforces who may read what (a student reads their own group only, its join code included;
supervisors their groups), and staff lists come from ``course_loaders`` in one call each.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.models import projects as pm
from peerlab.gateway.graphql.course_loaders import call, course_loaders, or_none, project_year
from peerlab.gateway.graphql.errors import ProjectsError, forbidden, guarded
from peerlab.gateway.graphql.identity import Person, load_person

if TYPE_CHECKING:
    from peerlab.gateway.graphql.scheduling import Booking, PrintRequest, Visit
    from peerlab.gateway.graphql.submissions import Submission

SCHEDULING = "peerlab.gateway.graphql.scheduling"


def _root(value: Any) -> Any:
    """A constrained field the generator made a root model of (e.g. ``requirements``)."""
    return getattr(value, "root", value)


# --- catalogue ---------------------------------------------------------------------------------


@strawberry.type
class Supervisor:
    name: str
    email: str | None
    organisation: str | None
    internal: bool | None = strawberry.field(description="DTU staff (true) or external (false); null: unknown.")


@strawberry.type
class Subproject:
    letter: str
    title: str
    description: str


@strawberry.type
class ProjectLink:
    label: str
    url: str


@strawberry.type
class Project:
    id: strawberry.ID
    year: int
    number: int
    title: str
    description: str
    requirements: str | None
    capacity: int | None = strawberry.field(description="Most groups (the default when unset); null: unlimited.")
    own_project: bool
    slack_channel: str | None
    subprojects: list[Subproject]
    supervisors: list[Supervisor]
    links: list[ProjectLink]

    @classmethod
    def from_api(cls, row: pm.ProjectPublic) -> Project:
        return cls(
            id=strawberry.ID(row.project_id),
            year=row.year,
            number=row.number,
            title=row.title,
            description=row.description or "",
            requirements=_root(row.requirements),
            capacity=row.effective_capacity,
            own_project=bool(row.own_project),
            slack_channel=_root(row.slack_channel),
            subprojects=[
                Subproject(letter=_root(s.letter), title=s.title, description=s.description or "")
                for s in row.subprojects or []
            ],
            supervisors=[
                Supervisor(name=s.name, email=_root(s.email), organisation=_root(s.organisation), internal=s.internal)
                for s in row.supervisors or []
            ],
            links=[ProjectLink(label=link.label, url=link.url) for link in row.links or []],
        )

    @property
    def external(self) -> bool:
        return any(s.internal is False for s in self.supervisors)

    def matches(self, words: list[str]) -> bool:
        text = " ".join(
            [
                self.title,
                self.description,
                self.requirements or "",
                *(s.name for s in self.supervisors),
                *(s.organisation or "" for s in self.supervisors),
            ]
        )
        text = text.casefold()
        return all(word in text for word in words)

    @strawberry.field(
        description="Staff: places left (capacity minus groups assigned); null for others or when unlimited."
    )
    async def free_places(self, info: Info) -> int | None:
        if self.capacity is None or not info.context.user().is_staff:
            return None
        counts = await course_loaders(info.context).assigned_counts()
        return max(0, self.capacity - counts.get(str(self.id), 0))


@strawberry.enum
class ProjectOrigin(Enum):
    INTERNAL = "internal"
    EXTERNAL = "external"


async def search_projects(
    info: Info, *, year: int | None, search: str | None, origin: ProjectOrigin | None, with_free_places: bool | None
) -> list[Project]:
    """The catalogue of ``year`` (default: the selection window's), filtered: every word of ``search``
    in the title, description, requirements or a supervisor's name; internal/external by the
    supervisors; with free places (staff: the assignments are theirs to see)."""
    loaders = course_loaders(info.context)
    if year is None:
        year = (await call(info.context.projects.selection_window())).catalogue_year
    projects = [Project.from_api(r) for r in await loaders.catalogue(year)]
    words = [w.casefold() for w in re.findall(r"\w+", search or "")]
    if words:
        projects = [p for p in projects if p.matches(words)]
    if origin is not None:
        projects = [p for p in projects if p.external == (origin == ProjectOrigin.EXTERNAL)]
    if with_free_places is not None:
        if not info.context.user().is_staff:
            raise forbidden("Only staff may filter by free places (the assignments are theirs to see).")
        counts = await loaders.assigned_counts()
        projects = [
            p for p in projects if (p.capacity is None or p.capacity > counts.get(str(p.id), 0)) == with_free_places
        ]
    return projects


async def load_project(info: Info, project_id: str | None) -> Project | None:
    if not project_id or project_year(project_id) is None:
        return None
    row = await course_loaders(info.context).project.load(project_id)
    return Project.from_api(row) if row else None


# --- groups ------------------------------------------------------------------------------------


@strawberry.enum
class GroupState(Enum):
    FORMING = "forming"
    FORMED = "formed"
    DISSOLVED = "dissolved"


@strawberry.type
class GroupMember:
    person_id: strawberry.ID
    programme: str | None
    eligibility: str | None
    presents_poster: bool = strawberry.field(description="PhD students do not present a poster.")

    @classmethod
    def from_api(cls, row: pm.MemberPublic) -> GroupMember:
        return cls(
            person_id=strawberry.ID(row.person_id),
            programme=row.programme,
            eligibility=row.eligibility,
            presents_poster=row.presents_poster,
        )

    @strawberry.field(description="The member's roster entry (e-mail for themself and staff only).")
    async def person(self, info: Info) -> Person | None:
        return await load_person(info, str(self.person_id))


@strawberry.type
class Choice:
    rank: int
    project_id: strawberry.ID
    subproject: str | None

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_project(info, str(self.project_id))


@strawberry.type
class Selection:
    group_id: strawberry.ID
    choices: list[Choice] = strawberry.field(description="Best first.")
    submitted_at: datetime
    submitted_by: strawberry.ID

    @classmethod
    def from_api(cls, row: pm.SelectionPublic) -> Selection:
        return cls(
            group_id=strawberry.ID(row.group_id),
            submitted_at=row.submitted_at,
            submitted_by=strawberry.ID(row.submitted_by),
            choices=[
                Choice(rank=i + 1, project_id=strawberry.ID(c.project_id), subproject=_root(c.subproject))
                for i, c in enumerate(row.choices)
            ],
        )


@strawberry.enum
class AssignmentMethod(Enum):
    ALLOCATION = "allocation"
    MANUAL = "manual"


@strawberry.type
class ProjectAssignment:
    group_id: strawberry.ID
    project_id: strawberry.ID
    subproject: str | None
    rank: int | None = strawberry.field(description="The rank of the choice it met; null when assigned by hand.")
    method: AssignmentMethod
    assigned_at: datetime

    @classmethod
    def from_api(cls, row: pm.AssignmentPublic) -> ProjectAssignment:
        return cls(
            group_id=strawberry.ID(row.group_id),
            project_id=strawberry.ID(row.project_id),
            subproject=row.subproject,
            rank=row.rank,
            method=AssignmentMethod(row.method),
            assigned_at=row.assigned_at,
        )

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_project(info, str(self.project_id))


@strawberry.type
class Group:
    id: strawberry.ID
    name: str
    state: GroupState
    exempt: bool
    exemption_reason: str | None
    formed_at: datetime | None
    join_code: str | None = strawberry.field(description="Members and staff only (null for others).")
    members: list[GroupMember]

    @classmethod
    def from_api(cls, row: pm.GroupPublic) -> Group:
        return cls(
            id=strawberry.ID(row.group_id),
            name=row.name,
            state=GroupState(row.state),
            exempt=row.exempt,
            exemption_reason=row.exemption_reason,
            formed_at=row.formed_at,
            join_code=row.join_code,
            members=[GroupMember.from_api(m) for m in row.members],
        )

    @strawberry.field(description="The ranked choices (members and staff).")
    async def selection(self, info: Info) -> Selection | None:
        row = await course_loaders(info.context).selection.load(str(self.id))
        return Selection.from_api(row) if row else None

    @strawberry.field(description="The project the group was given, if any.")
    async def assignment(self, info: Info) -> ProjectAssignment | None:
        row = await course_loaders(info.context).assignment.load(str(self.id))
        return ProjectAssignment.from_api(row) if row else None

    @strawberry.field(description="The assigned project itself.")
    async def project(self, info: Info) -> Project | None:
        row = await course_loaders(info.context).assignment.load(str(self.id))
        return await load_project(info, row.project_id) if row else None

    @strawberry.field(description="The group's poster-exam booking.")
    async def booking(self, info: Info) -> Annotated[Booking, strawberry.lazy(SCHEDULING)] | None:
        from peerlab.gateway.graphql.scheduling import Booking

        row = await course_loaders(info.context).booking.load(str(self.id))
        return Booking.from_api(row) if row else None

    @strawberry.field(description="The group's request for its free poster print.")
    async def print_request(self, info: Info) -> Annotated[PrintRequest, strawberry.lazy(SCHEDULING)] | None:
        from peerlab.gateway.graphql.scheduling import PrintRequest

        row = await course_loaders(info.context).print_request.load(str(self.id))
        return PrintRequest.from_api(row) if row else None

    @strawberry.field(description="Published examiner visits (members see when; staff also who).")
    async def visits(self, info: Info) -> list[Annotated[Visit, strawberry.lazy(SCHEDULING)]]:
        from peerlab.gateway.graphql.scheduling import Visit

        rows = await or_none(info.context.scheduling.group_visits(group_id=str(self.id)))
        return [Visit.from_api(r) for r in rows or []]

    @strawberry.field(description="The supervisors' comments on the synopsis, oldest first.")
    async def comments(self, info: Info) -> list[SupervisorComment]:
        rows = await or_none(info.context.projects.comments(group_id=str(self.id)))
        return [SupervisorComment.from_api(r) for r in rows or []]


async def load_group(info: Info, group_id: str) -> Group | None:
    row = await course_loaders(info.context).group.load(group_id)
    return Group.from_api(row) if row else None


async def my_group(info: Info) -> Group | None:
    row = await course_loaders(info.context).my_group()
    return Group.from_api(row) if row else None


# --- selection window and allocation ------------------------------------------------------------


@strawberry.type
class SelectionWindow:
    catalogue_year: int
    deadline: datetime | None = strawberry.field(description="From the course calendar; null until published.")
    open: bool
    max_choices: int
    min_group_size: int
    max_group_size: int

    @classmethod
    def from_api(cls, row: pm.SelectionWindow) -> SelectionWindow:
        return cls(
            catalogue_year=row.catalogue_year,
            deadline=row.deadline,
            open=row.open,
            max_choices=row.max_choices,
            min_group_size=row.min_group_size,
            max_group_size=row.max_group_size,
        )


@strawberry.enum
class AllocationObjective(Enum):
    RANK_MAXIMAL = "rank_maximal"
    MIN_SUM = "min_sum"


@strawberry.enum
class UnassignedReason(Enum):
    NO_FEASIBLE_CHOICE = "no_feasible_choice"
    CHOICES_TAKEN = "choices_taken"


@strawberry.type
class UnassignedGroup:
    group_id: strawberry.ID
    reason: UnassignedReason

    @strawberry.field
    async def group(self, info: Info) -> Group | None:
        return await load_group(info, str(self.group_id))


@strawberry.type
class RankCount:
    rank: int
    groups: int


@strawberry.type
class AllocationResult:
    dry_run: bool
    objective: AllocationObjective | None
    by_rank: list[RankCount] = strawberry.field(description="The profile: groups placed at their 1st, 2nd, ... choice.")
    unassigned_count: int
    assigned: list[ProjectAssignment]
    unassigned: list[UnassignedGroup] = strawberry.field(description="Groups with choices left out, with why.")
    without_choices: list[strawberry.ID]

    @classmethod
    def from_api(cls, row: pm.AllocationResult) -> AllocationResult:
        return cls(
            dry_run=row.dry_run,
            objective=AllocationObjective(row.objective) if row.objective else None,
            by_rank=[RankCount(rank=i + 1, groups=n) for i, n in enumerate(row.profile.by_rank)],
            unassigned_count=row.profile.unassigned,
            assigned=[ProjectAssignment.from_api(a) for a in row.assigned],
            unassigned=[
                UnassignedGroup(group_id=strawberry.ID(u.group_id), reason=UnassignedReason(u.reason))
                for u in row.unassigned_reasons or []
            ],
            without_choices=[strawberry.ID(g) for g in row.without_choices],
        )


# --- supervision -------------------------------------------------------------------------------


@strawberry.enum
class CommentDecision(Enum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    COMMENT = "comment"


@strawberry.type
class SupervisorComment:
    id: strawberry.ID
    group_id: strawberry.ID
    author_id: strawberry.ID
    decision: CommentDecision
    text: str
    submission_id: strawberry.ID | None
    version: int | None
    created_at: datetime

    @classmethod
    def from_api(cls, row: pm.CommentPublic) -> SupervisorComment:
        return cls(
            id=strawberry.ID(row.id),
            group_id=strawberry.ID(row.group_id),
            author_id=strawberry.ID(row.author_id),
            decision=CommentDecision(row.decision),
            text=row.text,
            submission_id=strawberry.ID(row.submission_id) if row.submission_id else None,
            version=row.version,
            created_at=row.created_at,
        )


@strawberry.type
class SupervisedGroup:
    id: strawberry.ID
    name: str
    state: GroupState
    project_id: strawberry.ID | None
    subproject: str | None
    members: list[GroupMember]
    supervisor_ids: list[strawberry.ID]

    @classmethod
    def from_api(cls, row: pm.SupervisedGroup) -> SupervisedGroup:
        return cls(
            id=strawberry.ID(row.group_id),
            name=row.name,
            state=GroupState(row.state),
            project_id=strawberry.ID(row.project_id) if row.project_id else None,
            subproject=row.subproject,
            members=[GroupMember.from_api(m) for m in row.members],
            supervisor_ids=[strawberry.ID(s) for s in row.supervisor_ids],
        )

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_project(info, str(self.project_id) if self.project_id else None)

    @strawberry.field(description="The group's hand-ins the supervisor may read (synopsis, report).")
    async def hand_ins(
        self, info: Info
    ) -> list[Annotated[Submission, strawberry.lazy("peerlab.gateway.graphql.submissions")]]:
        from peerlab.gateway.graphql.submissions import Submission

        rows = await info.context.loaders.submissions_of_owner.load(str(self.id))
        return [Submission.from_api(r) for r in rows]

    @strawberry.field(description="Comments on the synopsis (yours and co-supervisors').")
    async def comments(self, info: Info) -> list[SupervisorComment]:
        rows = await or_none(info.context.projects.comments(group_id=str(self.id)))
        return [SupervisorComment.from_api(r) for r in rows or []]


@strawberry.type
class SupervisedProject:
    project_id: strawberry.ID
    title: str
    year: int
    number: int
    group_ids: list[strawberry.ID]

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await load_project(info, str(self.project_id))


@strawberry.type(description="What the caller supervises (supervisors; staff see every supervised group).")
class Supervising:
    @strawberry.field
    async def projects(self, info: Info) -> list[SupervisedProject]:
        rows = await call(info.context.projects.supervised_projects())
        return [
            SupervisedProject(
                project_id=strawberry.ID(r.project_id),
                title=r.title,
                year=r.year,
                number=r.number,
                group_ids=[strawberry.ID(g) for g in r.group_ids],
            )
            for r in rows
        ]

    @strawberry.field
    async def groups(self, info: Info) -> list[SupervisedGroup]:
        return [SupervisedGroup.from_api(r) for r in await call(info.context.projects.supervised_groups())]


# --- mutations ---------------------------------------------------------------------------------


@strawberry.type
class GroupPayload:
    group: Group | None = None
    errors: list[ProjectsError] = strawberry.field(default_factory=list)


@strawberry.input
class ChoiceInput:
    project_id: strawberry.ID
    subproject: str | None = None


@strawberry.type
class SelectionPayload:
    selection: Selection | None = None
    errors: list[ProjectsError] = strawberry.field(default_factory=list)


@strawberry.type
class AllocationPayload:
    result: AllocationResult | None = None
    errors: list[ProjectsError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignmentPayload:
    assignment: ProjectAssignment | None = None
    errors: list[ProjectsError] = strawberry.field(default_factory=list)


@strawberry.type
class CommentPayload:
    comment: SupervisorComment | None = None
    errors: list[ProjectsError] = strawberry.field(default_factory=list)


def _group_payload(row: pm.GroupPublic) -> GroupPayload:
    return GroupPayload(group=Group.from_api(row))


@strawberry.type
class ProjectsMutation:
    @strawberry.mutation(description="Found a group (you are its first member); share its join code.")
    @guarded
    async def found_group(self, info: Info, name: str = "") -> GroupPayload:
        return _group_payload(await info.context.projects.found_group(body={"name": name}))

    @strawberry.mutation(description="Join a group by its join code (before the selection deadline).")
    @guarded
    async def join_group(self, info: Info, join_code: str) -> GroupPayload:
        return _group_payload(await info.context.projects.join_group(join_code=join_code))

    @strawberry.mutation(description="Leave your group (before the selection deadline).")
    @guarded
    async def leave_group(self, info: Info, group_id: strawberry.ID) -> GroupPayload:
        return _group_payload(await info.context.projects.leave_group(group_id=str(group_id)))

    @strawberry.mutation(
        description="Staff: put a student in a group (a reason lets them past the eligibility gate, audited)."
    )
    @guarded
    async def add_group_member(
        self, info: Info, group_id: strawberry.ID, person_id: strawberry.ID, override_reason: str | None = None
    ) -> GroupPayload:
        return _group_payload(
            await info.context.projects.add_member(
                group_id=str(group_id), person_id=str(person_id), override_reason=override_reason
            )
        )

    @strawberry.mutation(description="Staff: take a student out of a group.")
    @guarded
    async def remove_group_member(self, info: Info, group_id: strawberry.ID, person_id: strawberry.ID) -> GroupPayload:
        return _group_payload(
            await info.context.projects.remove_member(group_id=str(group_id), person_id=str(person_id))
        )

    @strawberry.mutation(description="Teachers: allow (or withdraw) a group below the minimum size.")
    @guarded
    async def set_group_exemption(
        self, info: Info, group_id: strawberry.ID, exempt: bool, reason: str | None = None
    ) -> GroupPayload:
        return _group_payload(
            await info.context.projects.set_exemption(group_id=str(group_id), exempt=exempt, reason=reason)
        )

    @strawberry.mutation(description="Replace your group's ranked project choices (best first) until the deadline.")
    @guarded
    async def rank_projects(self, info: Info, group_id: strawberry.ID, choices: list[ChoiceInput]) -> SelectionPayload:
        row = await info.context.projects.put_selection(
            group_id=str(group_id),
            choices=[{"project_id": str(c.project_id), "subproject": c.subproject} for c in choices],
        )
        return SelectionPayload(selection=Selection.from_api(row))

    @strawberry.mutation(
        description="Teachers: allocate projects to the groups by their choices (dryRun: only show the result)."
    )
    @guarded
    async def allocate_projects(
        self, info: Info, dry_run: bool = True, objective: AllocationObjective = AllocationObjective.RANK_MAXIMAL
    ) -> AllocationPayload:
        row = await info.context.projects.allocate(dry_run=dry_run, objective=objective.value)
        return AllocationPayload(result=AllocationResult.from_api(row))

    @strawberry.mutation(description="Teachers: give a group a project by hand.")
    @guarded
    async def assign_project(
        self, info: Info, group_id: strawberry.ID, project_id: strawberry.ID, subproject: str | None = None
    ) -> AssignmentPayload:
        row = await info.context.projects.assign(
            group_id=str(group_id), project_id=str(project_id), subproject=subproject
        )
        return AssignmentPayload(assignment=ProjectAssignment.from_api(row))

    @strawberry.mutation(description="Supervisors: approve a group's synopsis, ask for changes, or comment.")
    @guarded
    async def comment_on_synopsis(
        self,
        info: Info,
        group_id: strawberry.ID,
        decision: CommentDecision,
        text: str,
        submission_id: strawberry.ID | None = None,
        version: int | None = None,
    ) -> CommentPayload:
        row = await info.context.projects.add_comment(
            group_id=str(group_id),
            decision=decision.value,
            text=text,
            submission_id=str(submission_id) if submission_id else None,
            version=version,
        )
        return CommentPayload(comment=SupervisorComment.from_api(row))
