"""Events published by the projects service on ``peerlab.projects``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData


class GroupFormedV1(EventData):
    """A project group was formed."""

    TYPE = "group.formed.v1"
    TOPIC = topics.PROJECTS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"group_id": "g-17", "member_ids": ["s210001", "s210002"], "formed_at": "2021-10-10T12:00:00Z"}
            ]
        }
    )

    group_id: str
    member_ids: list[str]
    formed_at: datetime


class GroupChangedV1(EventData):
    """A group's membership changed (the full member list after the change)."""

    TYPE = "group.changed.v1"
    TOPIC = topics.PROJECTS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"group_id": "g-17", "member_ids": ["s210001"], "changed_at": "2021-10-12T12:00:00Z"}]
        }
    )

    group_id: str
    member_ids: list[str]
    changed_at: datetime


class ProjectAssignedV1(EventData):
    """A group was allocated a project from the catalogue."""

    TYPE = "project.assigned.v1"
    TOPIC = topics.PROJECTS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_id": "g-17",
                    "project_id": "p-2021-05",
                    "assigned_at": "2021-10-16T09:00:00Z",
                    "supervisor_emails": ["supervisor@dtu.dk"],
                }
            ]
        }
    )

    group_id: str
    project_id: str
    assigned_at: datetime
    subproject: str | None = None
    supervisor_emails: list[str] = Field(
        default_factory=list, description="E-mails of the project's supervisors in the catalogue (added in place)."
    )


class GroupSupervisorsChangedV1(EventData):
    """Who supervises a group changed (the full list after the change): its assigned project's
    catalogue supervisors matched to roster people by e-mail, plus staff links of a person to the
    project. ``supervisor_ids`` are person ids; an empty list means nobody (any longer)."""

    TYPE = "group.supervisors_changed.v1"
    TOPIC = topics.PROJECTS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_id": "g-17",
                    "project_id": "p-2021-04",
                    "supervisor_ids": ["blia", "tsal"],
                    "changed_at": "2021-10-16T09:00:00Z",
                }
            ]
        }
    )

    group_id: str
    project_id: str | None = None
    supervisor_ids: list[str]
    changed_at: datetime


class SynopsisCommentedV1(EventData):
    """A supervisor of the group (or a teacher) commented on its synopsis: approved it, asked for
    changes, or just commented. The text stays in projects (members read it there); a subscriber
    (e.g. an LMS webhook) tells the group that there is a new comment and what the verdict is."""

    TYPE = "synopsis.commented.v1"
    TOPIC = topics.PROJECTS
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "comment_id": "8d0f8c2e-1b7a-4a57-9f7e-2f1f0a1d9c11",
                    "group_id": "g-17",
                    "submission_id": "sub-41",
                    "version": 2,
                    "verdict": "changes_requested",
                    "commenter_id": "blia",
                    "commented_at": "2021-11-09T10:00:00Z",
                }
            ]
        }
    )

    comment_id: str
    group_id: str
    submission_id: str | None = Field(default=None, description="The synopsis hand-in it is about, if named.")
    version: int | None = None
    verdict: Literal["approved", "changes_requested", "comment"]
    commenter_id: str
    commented_at: datetime
