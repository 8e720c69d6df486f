"""Request and response bodies of the examiner, visit-plan and grade endpoints (``/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerlab.chassis.clock import UTCInput
from peerlab.contracts.events.scheduling import PlanChangeCode
from peerlab.scheduling.schemas import ID_PATTERN

GRADE_SCALE = ("-3", "00", "02", "4", "7", "10", "12")


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exam_day_id: str = Field(pattern=ID_PATTERN)
    starts_at: UTCInput
    ends_at: UTCInput

    @model_validator(mode="after")
    def _ordered(self) -> "AvailabilityIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("a time window ends after it starts")
        return self


class ExaminerPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320, description="Matched against supervisors' e-mails.")
    availability: list[AvailabilityIn] = Field(default_factory=list, max_length=50)


class ExaminerPublic(BaseModel):
    course_id: str
    person_id: str
    name: str
    email: str | None
    availability: list[AvailabilityIn]
    updated_at: datetime


class SupervisorsPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supervisor_ids: list[str] = Field(
        default_factory=list, max_length=20, description="Person ids of the group's supervisors, recorded by staff."
    )


class SupervisionPublic(BaseModel):
    course_id: str
    group_id: str
    project_id: str | None
    supervisor_emails: list[str]
    supervisor_ids: list[str]


class VisitPublic(BaseModel):
    exam_day_id: str
    group_id: str
    examiner_id: str | None = Field(description="Hidden (null) in a student's view.")
    slot_id: str
    starts_at: datetime
    ends_at: datetime


class PlanChangesPublic(BaseModel):
    kept: int
    added: list[VisitPublic]
    dropped: list[VisitPublic]
    kept_all_possible: bool


class StaleReasonPublic(BaseModel):
    code: PlanChangeCode
    group_id: str | None = None
    examiner_id: str | None = None
    at: datetime


class PlanPublic(BaseModel):
    course_id: str
    exam_day_id: str
    state: Literal["draft", "published"]
    revision: int
    k: int
    optimal: bool
    spread: int
    solve_ms: int
    loads: dict[str, int]
    changes: PlanChangesPublic
    created_at: datetime
    published_at: datetime | None
    stale: bool = Field(
        default=False, description="The day's bookings or availability changed after this plan was made: re-plan."
    )
    stale_since: datetime | None = None
    stale_reasons: list[StaleReasonPublic] = Field(
        default_factory=list, description="What changed since this revision was made, oldest first."
    )
    visits: list[VisitPublic]


class ReportAssessmentPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    examiner_ids: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Examiners who read the report; they grade a group that did not present.",
    )


class ReportAssessmentPublic(BaseModel):
    course_id: str
    group_id: str
    examiner_ids: list[str]
    recorded_by: str
    recorded_at: datetime


class GradePut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: str = Field(
        max_length=8, description="One of -3, 00, 02, 4, 7, 10, 12 (anything else: 422 grade_not_on_scale)."
    )


class GradeProposalPublic(BaseModel):
    examiner_id: str
    grade: str
    recorded_at: datetime


class GradePublic(BaseModel):
    course_id: str
    student_id: str
    group_id: str | None
    status: Literal["pending", "disagreement", "final"]
    grade: str | None
    how: Literal["agreed", "settled"] | None = None
    finalised_at: datetime | None = None
    proposals: list[GradeProposalPublic] | None = Field(default=None, description="Staff only.")


class ReleasePublic(BaseModel):
    course_id: str
    released_by: str
    released_at: datetime
    final_grades: int
