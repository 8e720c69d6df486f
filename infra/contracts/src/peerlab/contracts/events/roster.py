"""Events published by the gateway (identity and roster) on ``peerlab.roster``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData

Role = Literal["student", "ta", "teacher", "supervisor", "examiner", "admin", "integration"]


class PersonEnrolledV1(EventData):
    """A person was added to a course's roster or their roles, programme, name or e-mail changed.

    ``name`` and ``email`` (optional, added within v1) let a consumer recognise the person in
    free text: submissions masks them in reviewers' anonymised copies."""

    TYPE = "roster.person_enrolled.v1"
    TOPIC = topics.ROSTER
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "person_id": "s210001",
                    "name": "Yolanda Smith",
                    "email": "s210001@student.dtu.dk",
                    "roles": ["student"],
                    "programme": "msc",
                    "enrolled_at": "2021-08-30T08:00:00Z",
                },
                {
                    "person_id": "blia",
                    "roles": ["supervisor"],
                    "enrolled_at": "2021-08-30T08:00:00Z",
                    "email": "blia@dtu.dk",
                },
            ]
        }
    )

    person_id: str
    roles: list[Role]
    programme: Literal["msc", "phd", "other"] | None = None
    enrolled_at: datetime
    name: str | None = None
    email: str | None = None


class PersonUnenrolledV1(EventData):
    """A person left a course's roster."""

    TYPE = "roster.person_unenrolled.v1"
    TOPIC = topics.ROSTER
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"person_id": "s210001", "unenrolled_at": "2021-09-20T08:00:00Z"}]}
    )

    person_id: str
    unenrolled_at: datetime
