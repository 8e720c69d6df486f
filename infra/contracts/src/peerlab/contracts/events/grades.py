"""Grade events, published by the scheduling service (which owns examiners and grades) on
``peerlab.scheduling``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict

from peerlab.contracts import topics
from peerlab.contracts.envelope import EventData

Grade = Literal["-3", "00", "02", "4", "7", "10", "12"]


class GradeFinalisedV1(EventData):
    """A student's grade on the 7-step scale became final: two examiners agreed, or a teacher
    settled it. Not yet visible to the student (see ``grades.released.v1``)."""

    TYPE = "grade.finalised.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "student_id": "s210001",
                    "group_id": "g-17",
                    "grade": "10",
                    "how": "agreed",
                    "decided_by": ["t1", "t2"],
                    "finalised_at": "2022-01-20T12:00:00Z",
                }
            ]
        }
    )

    student_id: str
    group_id: str
    grade: Grade
    how: Literal["agreed", "settled"]
    decided_by: list[str]
    finalised_at: datetime


class GradesReleasedV1(EventData):
    """The teacher released the course's final grades to the students."""

    TYPE = "grades.released.v1"
    TOPIC = topics.SCHEDULING
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"final_grades": 118, "released_at": "2022-01-25T09:00:00Z"}]}
    )

    final_grades: int
    released_at: datetime
