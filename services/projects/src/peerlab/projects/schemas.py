"""Request and response bodies of the projects API (``/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LETTER = r"^[a-z]$"


class SupervisorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    organisation: str | None = Field(default=None, max_length=200)
    internal: bool | None = Field(default=None, description="DTU staff (true) or external (false); null: unknown.")


class SubprojectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    letter: str = Field(pattern=LETTER)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=300)
    url: str = Field(max_length=2000, pattern=r"^https?://\S+$")


class ProjectPut(BaseModel):
    """A project of a catalogue; ``PUT`` by (year, number) is an idempotent create-or-replace."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=50_000)
    requirements: str | None = Field(default=None, max_length=5_000)
    slack_channel: str | None = Field(default=None, pattern=r"^#[\w-]{1,80}$")
    supervisors: list[SupervisorIn] = Field(default_factory=list, max_length=20)
    subprojects: list[SubprojectIn] = Field(default_factory=list, max_length=26)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)
    capacity: int | None = Field(default=None, ge=1, le=1000, description="Most groups; null: the default.")
    own_project: bool = Field(default=False, description="'Come with your own project' (project 1 every year).")


class ProjectPublic(ProjectPut):
    project_id: str
    year: int
    number: int
    effective_capacity: int | None = Field(description="capacity, or the default; null: unlimited (own project).")
    revision: int
    updated_at: datetime


class CatalogueSummary(BaseModel):
    year: int
    projects: int


class ImportResult(BaseModel):
    year: int
    created: list[int]
    updated: list[int]
    unchanged: list[int]


class GroupCreate(BaseModel):
    """A student creates a group with themself as its first member; staff may name all members."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=120)
    member_ids: list[str] | None = Field(default=None, max_length=20, description="Staff only.")
    exempt: bool = Field(default=False, description="Staff only: allow fewer members than the minimum.")
    exemption_reason: str | None = Field(default=None, max_length=500)
    override_eligibility: bool = Field(
        default=False, description="Staff only: put members in past the eligibility gate (audited; needs a reason)."
    )
    override_reason: str | None = Field(default=None, max_length=2000, description="Required with the override.")


class MemberAdd(BaseModel):
    """Optional body of a staff member addition: the audited eligibility override."""

    model_config = ConfigDict(extra="forbid")

    override_eligibility: bool = False
    override_reason: str | None = Field(default=None, max_length=2000)


class AuditEntryPublic(BaseModel):
    """A staff decision that bent a group rule (staff only)."""

    id: str
    action: Literal["eligibility_override"]
    actor: str
    person_id: str
    group_id: str | None
    rule: str = Field(description="The refusal the override bypassed: not_eligible or eligibility_undecided.")
    reason: str
    created_at: datetime


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    join_code: str = Field(min_length=4, max_length=16)


class ExemptionPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exempt: bool
    reason: str | None = Field(default=None, max_length=500)


class MemberPublic(BaseModel):
    person_id: str
    programme: str | None
    eligibility: str | None
    presents_poster: bool = Field(description="PhD students do not present a poster.")


class GroupPublic(BaseModel):
    group_id: str
    course_id: str
    name: str
    state: Literal["forming", "formed", "dissolved"]
    members: list[MemberPublic]
    exempt: bool
    exemption_reason: str | None
    join_code: str | None = Field(description="Shown to the group's members and to staff.")
    created_at: datetime
    formed_at: datetime | None


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(max_length=32)
    subproject: str | None = Field(default=None, pattern=LETTER)


class SelectionPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: list[Choice] = Field(min_length=1, max_length=50, description="Best first.")


class SelectionPublic(BaseModel):
    group_id: str
    choices: list[Choice]
    submitted_by: str
    submitted_at: datetime


class SelectionWindow(BaseModel):
    catalogue_year: int
    deadline: datetime | None = Field(
        description="The course calendar's selection deadline; null until it is published (the selection is open)."
    )
    open: bool
    max_choices: int
    min_group_size: int
    max_group_size: int


class AssignmentPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(max_length=32)
    subproject: str | None = Field(default=None, pattern=LETTER)


class AssignmentPublic(BaseModel):
    group_id: str
    project_id: str
    subproject: str | None
    rank: int | None
    method: Literal["allocation", "manual"]
    assigned_by: str
    assigned_at: datetime


class AllocationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False
    objective: Literal["rank_maximal", "min_sum"] = Field(
        default="rank_maximal",
        description="rank_maximal: the most first choices, then the most second choices, ...; "
        "min_sum: the most groups placed, then the least sum of ranks.",
    )


class AllocationProfile(BaseModel):
    by_rank: list[int] = Field(description="Groups placed at their 1st, 2nd, ... choice (index 0 = 1st).")
    unassigned: int = Field(description="Groups with choices left without a project.")


class UnassignedGroup(BaseModel):
    group_id: str
    reason: Literal["no_feasible_choice", "choices_taken"] = Field(
        description="no_feasible_choice: every chosen project is full or not in the catalogue; "
        "choices_taken: the objective gave its projects' places to other groups."
    )


class AllocationResult(BaseModel):
    dry_run: bool
    objective: Literal["rank_maximal", "min_sum"] = "rank_maximal"
    assigned: list[AssignmentPublic]
    unassigned: list[str] = Field(description="Formed groups with choices that no project could take.")
    unassigned_reasons: list[UnassignedGroup] = Field(default_factory=list, description="Why, per unassigned group.")
    without_choices: list[str] = Field(description="Formed groups that have not chosen.")
    rank_counts: dict[int, int] = Field(description="How many groups got their 1st, 2nd, ... choice.")
    profile: AllocationProfile = Field(description="The allocation's profile (what rank_maximal maximises).")


class PersonPublic(BaseModel):
    person_id: str
    roles: list[str]
    programme: str | None
    enrolled: bool
    eligibility: str | None
    group_id: str | None


# --- supervision ----------------------------------------------------------------------------------
class SupervisorLinkPublic(BaseModel):
    """Staff's link of a roster person to a project they supervise."""

    person_id: str
    project_id: str
    created_by: str
    created_at: datetime


class SupervisedGroup(BaseModel):
    """A group as its supervisor sees it: project, members and who supervises it."""

    group_id: str
    name: str
    state: Literal["forming", "formed", "dissolved"]
    project_id: str | None
    project_title: str | None
    subproject: str | None
    members: list[MemberPublic]
    supervisor_ids: list[str]


class SupervisedProject(BaseModel):
    project_id: str
    year: int
    number: int
    title: str
    group_ids: list[str] = Field(description="The groups assigned to it whose supervisors include the caller.")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "changes_requested", "comment"] = Field(
        description="approved: the synopsis is accepted; changes_requested: the group must revise it."
    )
    text: str = Field(min_length=1, max_length=20_000)
    submission_id: str | None = Field(default=None, max_length=64, description="The synopsis hand-in (submissions).")
    version: int | None = Field(default=None, ge=1)


class CommentPublic(BaseModel):
    id: str
    group_id: str
    author_id: str
    decision: Literal["approved", "changes_requested", "comment"]
    text: str
    submission_id: str | None
    version: int | None
    created_at: datetime
