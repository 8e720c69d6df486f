"""Events published by the submissions service on ``peerlab.submissions``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData

AssignmentKind = Literal["lab", "resubmission", "synopsis", "report", "poster"]
OwnerType = Literal["student", "group"]


class AssignmentUpsertedV1(EventData):
    """An assignment was created or changed (deadline, title, ...)."""

    TYPE = "assignment.upserted.v1"
    TOPIC = topics.SUBMISSIONS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assignment_id": "a-lab-1",
                    "kind": "lab",
                    "lab_number": 1,
                    "title": "Lab 1: feed-forward networks, pen and paper",
                    "owner_type": "student",
                    "opens_at": "2021-08-30T11:00:00Z",
                    "deadline": "2021-09-06T21:59:00Z",
                }
            ]
        }
    )

    assignment_id: str
    kind: AssignmentKind
    lab_number: int | None = None
    title: str
    owner_type: OwnerType = "student"
    opens_at: datetime
    deadline: datetime
    resubmits_assignment_id: str | None = None  # kind resubmission: the lab it re-submits


class SubmissionReceivedV1(EventData):
    """A hand-in was accepted and is now the owner's current version."""

    TYPE = "submission.received.v1"
    TOPIC = topics.SUBMISSIONS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "submission_id": "s-0001",
                    "assignment_id": "a-lab-1",
                    "assignment_kind": "lab",
                    "lab_number": 1,
                    "owner_type": "student",
                    "owner_id": "s210001",
                    "submitted_by": "s210001",
                    "version": 1,
                    "file_name": "week1-EXE.ipynb",
                    "size": 18234,
                    "sha256": "9f2c1e0d" * 8,
                    "received_at": "2021-09-06T21:58:59Z",
                    "on_time": True,
                }
            ]
        }
    )

    submission_id: str
    assignment_id: str
    assignment_kind: AssignmentKind
    lab_number: int | None = None
    owner_type: OwnerType = "student"
    owner_id: str
    submitted_by: str
    version: int
    file_name: str
    size: int
    sha256: str
    received_at: datetime
    on_time: bool = True
    resubmits_assignment_id: str | None = None  # kind resubmission: the lab it re-submits


class SubmissionWithdrawnV1(EventData):
    """The owner withdrew their hand-in before the deadline; no version is current."""

    TYPE = "submission.withdrawn.v1"
    TOPIC = topics.SUBMISSIONS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "submission_id": "s-0001",
                    "assignment_id": "a-lab-1",
                    "owner_id": "s210001",
                    "withdrawn_by": "s210001",
                    "withdrawn_at": "2021-09-06T20:00:00Z",
                }
            ]
        }
    )

    submission_id: str
    assignment_id: str
    owner_id: str
    withdrawn_by: str
    withdrawn_at: datetime
    version: int | None = None  # the version that was current until the withdrawal


class FinalSubmission(BaseModel):
    owner_id: str
    submission_id: str
    version: int
    sha256: str


class AssignmentClosedV1(EventData):
    """The deadline passed; emitted exactly once per assignment with each owner's final version."""

    TYPE = "assignment.closed.v1"
    TOPIC = topics.SUBMISSIONS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assignment_id": "a-lab-1",
                    "kind": "lab",
                    "lab_number": 1,
                    "deadline": "2021-09-06T21:59:00Z",
                    "closed_at": "2021-09-06T21:59:00.120Z",
                    "final_submissions": [
                        {
                            "owner_id": "s210001",
                            "submission_id": "s-0001",
                            "version": 2,
                            "sha256": "9f2c1e0d" * 8,
                        }
                    ],
                }
            ]
        }
    )

    assignment_id: str
    kind: AssignmentKind
    lab_number: int | None = None
    deadline: datetime
    closed_at: datetime
    final_submissions: list[FinalSubmission]


class SynopsisReceivedV1(EventData):
    """A group handed in its project synopsis (a new current version): for the project's supervisors.

    ``project_id`` is the project the group was assigned (``project.assigned.v1``), null if none yet;
    ``warnings`` are the codes of the checks that did not pass (missing sections, ...)."""

    TYPE = "synopsis.received.v1"
    TOPIC = topics.SUBMISSIONS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_id": "g-17",
                    "project_id": "p-2021-05",
                    "assignment_id": "synopsis",
                    "submission_id": "s-0042",
                    "version": 1,
                    "file_name": "synopsis.pdf",
                    "received_at": "2021-11-08T20:00:00Z",
                    "warnings": ["synopsis_section_missing"],
                }
            ]
        }
    )

    group_id: str
    project_id: str | None = None
    assignment_id: str
    submission_id: str
    version: int
    file_name: str
    received_at: datetime
    warnings: list[str] = []
