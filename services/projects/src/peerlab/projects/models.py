"""The projects service's tables (all prefixed ``projects_``).

What it owns: the project catalogue per year (projects, supervisors, sub-projects), groups and
their members, the groups' ranked selections and the project assignments. What it keeps of
others: people from the roster (programme, enrolment) and their eligibility from review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from peerlab.chassis.clock import UTCDateTime

TZ = UTCDateTime()


# --- the catalogue ------------------------------------------------------------------------------
class ProjectRow(SQLModel, table=True):
    """A project of one year's catalogue; ``project_id`` is ``p-<year>-<number:02>``."""

    __tablename__ = "projects_project"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_projects_project_year_number"),)

    project_id: str = Field(primary_key=True, max_length=32)
    year: int = Field(index=True)
    number: int
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    requirements: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    slack_channel: str | None = Field(default=None, max_length=100)
    links: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    capacity: int | None = Field(default=None, description="Most groups; None: the default capacity.")
    own_project: bool = Field(default=False)
    revision: int = Field(default=1)
    updated_at: datetime = Field(sa_type=TZ)


class SupervisorRow(SQLModel, table=True):
    __tablename__ = "projects_supervisor"

    project_id: str = Field(primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    organisation: str | None = Field(default=None, max_length=200)
    internal: bool | None = Field(default=None, description="DTU staff (True) or external (False); None: unknown.")


class SubprojectRow(SQLModel, table=True):
    __tablename__ = "projects_subproject"

    project_id: str = Field(primary_key=True, max_length=32)
    letter: str = Field(primary_key=True, max_length=1)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))


# --- projections ----------------------------------------------------------------------------------
class PersonRow(SQLModel, table=True):
    """A person from ``roster.*`` events, with the eligibility ``eligibility.changed.v1`` reports."""

    __tablename__ = "projects_person"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    roles: list[str] = Field(sa_column=Column(JSON, nullable=False))
    programme: str | None = Field(default=None, max_length=20)
    email: str | None = Field(
        default=None,
        max_length=320,
        index=True,
        description="Lower-cased; matched against catalogue supervisors' e-mails.",
    )
    enrolled: bool = Field(default=True)
    eligibility: str | None = Field(default=None, max_length=20)
    eligibility_at: datetime | None = Field(default=None, sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


# --- groups, selections, assignments ------------------------------------------------------------
class GroupRow(SQLModel, table=True):
    """A project group. ``state``: forming (too small, no exemption), formed, dissolved (empty).

    ``member_count`` changes only through a conditional UPDATE, so concurrent joins cannot pass
    the maximum size.
    """

    __tablename__ = "projects_group"

    group_id: str = Field(primary_key=True, max_length=32)
    course_id: str = Field(max_length=64, index=True)
    name: str = Field(default="", max_length=120)
    join_code: str = Field(max_length=16, unique=True)
    state: str = Field(default="forming", max_length=20)
    member_count: int = Field(default=0)
    exempt: bool = Field(default=False, description="Staff allow it below the minimum size (e.g. one student).")
    exemption_reason: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=TZ)
    formed_at: datetime | None = Field(default=None, sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)


class MembershipRow(SQLModel, table=True):
    """A student's group in a course; the primary key is the one-group-per-student rule."""

    __tablename__ = "projects_membership"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(max_length=32, index=True)
    joined_at: datetime = Field(sa_type=TZ)


class SelectionRow(SQLModel, table=True):
    """A group's ranked project choices: ``[{project_id, subproject}]``, best first."""

    __tablename__ = "projects_selection"

    group_id: str = Field(primary_key=True, max_length=32)
    course_id: str = Field(max_length=64, index=True)
    choices: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    submitted_by: str = Field(max_length=64)
    submitted_at: datetime = Field(sa_type=TZ)


class AssignmentRow(SQLModel, table=True):
    """The project a group works on; ``rank`` is its place in the group's choices (1 = first)."""

    __tablename__ = "projects_assignment"

    group_id: str = Field(primary_key=True, max_length=32)
    course_id: str = Field(max_length=64, index=True)
    project_id: str = Field(max_length=32, index=True)
    subproject: str | None = Field(default=None, max_length=1)
    rank: int | None = Field(default=None)
    method: str = Field(max_length=20, description="allocation or manual")
    assigned_by: str = Field(max_length=64)
    assigned_at: datetime = Field(sa_type=TZ)


class AuditEntryRow(SQLModel, table=True):
    """A staff decision that bends a group rule (e.g. a student put in a group past the eligibility
    gate): who, what, for whom, when and why. Written with the change; never edited."""

    __tablename__ = "projects_audit_entry"
    __table_args__ = (Index("ix_projects_audit_entry_course_person", "course_id", "person_id"),)

    id: str = Field(primary_key=True, max_length=36)
    course_id: str = Field(max_length=64)
    action: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    person_id: str = Field(max_length=64)
    group_id: str | None = Field(default=None, max_length=32)
    rule: str = Field(max_length=40, description="The problem code the override bypassed, e.g. not_eligible.")
    reason: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TZ)


class CourseDateRow(SQLModel, table=True):
    """Projection of the course calendar's ``term.dates_changed.v1``: a dated rule by key (``selection``,
    ``labs-end`` are the ones read here), as of the revision that set it."""

    __tablename__ = "projects_course_date"

    course_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=80)
    at: datetime = Field(sa_column=Column(TZ, nullable=False))
    revision: int


# --- supervision ----------------------------------------------------------------------------------
class SupervisorLinkRow(SQLModel, table=True):
    """Staff's explicit statement that a roster person supervises a project (for a supervisor
    the catalogue names without an e-mail, or under another address)."""

    __tablename__ = "projects_supervisor_link"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(primary_key=True, max_length=32, index=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=TZ)


class SupervisionRow(SQLModel, table=True):
    """Who supervises a group, as last published in ``group.supervisors_changed.v1``: the
    assigned project's catalogue supervisors matched by e-mail to enrolled non-student people,
    plus the linked people. Recomputed whenever an input changes; published only on a change."""

    __tablename__ = "projects_supervision"

    group_id: str = Field(primary_key=True, max_length=32)
    course_id: str = Field(max_length=64, index=True)
    project_id: str | None = Field(default=None, max_length=32)
    supervisor_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(sa_type=TZ)


class SupervisorCommentRow(SQLModel, table=True):
    """A supervisor's comment on a group's synopsis: approve, or ask for changes, with text."""

    __tablename__ = "projects_supervisor_comment"
    __table_args__ = (Index("ix_projects_supervisor_comment_group", "group_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    course_id: str = Field(max_length=64)
    group_id: str = Field(max_length=32)
    author_id: str = Field(max_length=64)
    decision: str = Field(max_length=20, description="approved, changes_requested or comment")
    text: str = Field(sa_type=Text)
    submission_id: str | None = Field(default=None, max_length=64, description="The synopsis hand-in it is about.")
    version: int | None = Field(default=None)
    created_at: datetime = Field(sa_type=TZ)
