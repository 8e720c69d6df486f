"""Tables of the examiners' visit plan and the grades (prefixed ``scheduling_``).

Owned here: examiners with their availability, staff-recorded supervisor links, visit plans (a
draft and the published one per exam day) with their visits, reports marked graded, examiners'
grade proposals, final grades and the course's grade release. Kept from others: people (name,
e-mail, programme from ``roster.person_enrolled.v1``) and each group's project and supervisor
e-mails (``project.assigned.v1``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from peerlab.scheduling.models import TZ


class Examiner(SQLModel, table=True):
    """A teacher acting as examiner; ``availability`` is ``[{exam_day_id, starts_at, ends_at}]`` (UTC)."""

    __tablename__ = "scheduling_examiner"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    availability: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=TZ)


class PersonRow(SQLModel, table=True):
    """A person on the roster as the gateway last described them."""

    __tablename__ = "scheduling_person"

    course_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    programme: str | None = Field(default=None, max_length=20)
    changed_at: datetime = Field(sa_type=TZ)


class GroupSupervision(SQLModel, table=True):
    """Who supervises a group: e-mails from the project's catalogue entry (``project.assigned.v1``)
    and person ids that staff recorded by hand. An examiner matching either never visits the group."""

    __tablename__ = "scheduling_group_supervision"

    course_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = Field(default=None, max_length=64)
    supervisor_emails: list[str] = Field(sa_column=Column(JSON, nullable=False))
    supervisor_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    assigned_at: datetime | None = Field(default=None, sa_type=TZ)


class VisitPlan(SQLModel, table=True):
    """A visit plan of one exam day; ``state`` is ``draft`` or ``published`` (at most one of each).
    ``stale_since`` is set when the day's bookings or an examiner's availability changed after the
    plan was made (``stale_reasons`` lists what changed); a new plan starts fresh."""

    __tablename__ = "scheduling_visit_plan"

    course_id: str = Field(primary_key=True, max_length=64)
    exam_day_id: str = Field(primary_key=True, max_length=64)
    state: str = Field(primary_key=True, max_length=10)
    revision: int = Field(default=1)
    k: int
    gap_minutes: int
    question_minutes: int
    optimal: bool
    spread: int
    solve_ms: int
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=TZ)
    published_at: datetime | None = Field(default=None, sa_type=TZ)
    stale_since: datetime | None = Field(default=None, sa_type=TZ)
    stale_reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class PlannedVisit(SQLModel, table=True):
    """One examiner's visit to one group's poster."""

    __tablename__ = "scheduling_planned_visit"
    __table_args__ = (Index("ix_scheduling_planned_visit_examiner", "course_id", "examiner_id"),)

    course_id: str = Field(primary_key=True, max_length=64)
    exam_day_id: str = Field(primary_key=True, max_length=64)
    state: str = Field(primary_key=True, max_length=10)
    group_id: str = Field(primary_key=True, max_length=64)
    examiner_id: str = Field(primary_key=True, max_length=64)
    slot_id: str = Field(max_length=80)
    starts_at: datetime = Field(sa_type=TZ)
    ends_at: datetime = Field(sa_type=TZ)


class ReportAssessment(SQLModel, table=True):
    """A group's final report marked as graded by staff, naming the examiners who read it (they
    are the assigned examiners of a group that did not present, e.g. an all-PhD group)."""

    __tablename__ = "scheduling_report_assessment"

    course_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(primary_key=True, max_length=64)
    examiner_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_type=TZ)


class GradeProposal(SQLModel, table=True):
    """One examiner's grade for one student (may be changed until the grade is final)."""

    __tablename__ = "scheduling_grade_proposal"

    course_id: str = Field(primary_key=True, max_length=64)
    student_id: str = Field(primary_key=True, max_length=64)
    examiner_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(max_length=64)
    grade: str = Field(max_length=2)
    recorded_at: datetime = Field(sa_type=TZ)


class FinalGrade(SQLModel, table=True):
    """A student's final grade: two examiners agreed (``agreed``) or a teacher settled it (``settled``)."""

    __tablename__ = "scheduling_final_grade"

    course_id: str = Field(primary_key=True, max_length=64)
    student_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(max_length=64)
    grade: str = Field(max_length=2)
    how: str = Field(max_length=10)
    decided_by: list[str] = Field(sa_column=Column(JSON, nullable=False))
    finalised_at: datetime = Field(sa_type=TZ)


class GradeRelease(SQLModel, table=True):
    """The teacher released the final grades of the whole course to the students."""

    __tablename__ = "scheduling_grade_release"

    course_id: str = Field(primary_key=True, max_length=64)
    released_by: str = Field(max_length=64)
    released_at: datetime = Field(sa_type=TZ)
