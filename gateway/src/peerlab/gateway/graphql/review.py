"""Peer review as students and staff see it: rounds, anonymised tasks, reviews, reactions,
verdicts, lab status and eligibility. No student-facing type has a field for the other side's
identity: a task is named by its token, a received review by its own id."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from peerlab.gateway.graphql.values import DownloadLink, _dt, download_link


@strawberry.type
class RubricCriterion:
    key: str
    title: str
    description: str
    min_score: int
    max_score: int


@strawberry.type
class RubricQuestion:
    key: str
    prompt: str
    required: bool
    max_length: int


@strawberry.type
class Rubric:
    version: int
    criteria: list[RubricCriterion]
    questions: list[RubricQuestion]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Rubric:
        return cls(
            version=row.get("version", 1),
            criteria=[
                RubricCriterion(
                    key=c["key"],
                    title=c["title"],
                    description=c.get("description", ""),
                    min_score=c["min_score"],
                    max_score=c["max_score"],
                )
                for c in row.get("criteria", [])
            ],
            questions=[
                RubricQuestion(
                    key=q["key"],
                    prompt=q["prompt"],
                    required=q.get("required", True),
                    max_length=q.get("max_length", 5000),
                )
                for q in row.get("questions", [])
            ],
        )


@strawberry.type
class Score:
    key: str
    value: int


@strawberry.type
class Answer:
    key: str
    text: str


@strawberry.input
class ScoreInput:
    key: str
    value: int


@strawberry.input
class AnswerInput:
    key: str
    text: str


def scores_of(mapping: dict[str, int] | None) -> list[Score]:
    return [Score(key=k, value=v) for k, v in sorted((mapping or {}).items())]


def answers_of(mapping: dict[str, str] | None) -> list[Answer]:
    return [Answer(key=k, text=v) for k, v in sorted((mapping or {}).items())]


@strawberry.type
class Reaction:
    helpfulness: int
    comment: str
    updated_at: datetime

    @classmethod
    def from_api(cls, row: dict[str, Any] | None) -> Reaction | None:
        if not row:
            return None
        return cls(helpfulness=row["helpfulness"], comment=row.get("comment", ""), updated_at=_dt(row["updated_at"]))


@strawberry.enum
class TaskState(Enum):
    TODO = "todo"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FLAGGED = "flagged"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="A review task as its reviewer sees it: anonymous, named by its token.")
class ReviewTask:
    task_token: strawberry.ID
    lab_number: int | None
    assignment_id: strawberry.ID
    state: TaskState
    due_at: datetime | None
    window_open: bool
    rubric: Rubric
    scores: list[Score]
    answers: list[Answer]
    submitted_at: datetime | None
    reaction: Reaction | None = strawberry.field(description="The author's rating of this review.")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ReviewTask:
        review = row.get("review") or {}
        return cls(
            task_token=strawberry.ID(row["task_token"]),
            lab_number=row.get("lab_number"),
            assignment_id=strawberry.ID(row["assignment_id"]),
            state=TaskState(row["state"]),
            due_at=_dt(row.get("due_at")),
            window_open=bool(row.get("window_open")),
            rubric=Rubric.from_api(row["rubric"]),
            scores=scores_of(review.get("scores")),
            answers=answers_of(review.get("answers")),
            submitted_at=_dt(row.get("submitted_at")),
            reaction=Reaction.from_api(row.get("reaction")),
        )

    @strawberry.field(
        description="The anonymised notebook to review, named EXE_<token>.ipynb: a presigned "
        "GET that expires in minutes (fetched only when selected; ask again for a "
        "fresh one). Null when there is nothing to read (a cancelled task, a "
        "withdrawn hand-in)."
    )
    async def notebook(self, info: Info) -> DownloadLink | None:
        return await download_link(info.context.submissions.review_copy(task_token=str(self.task_token)))


@strawberry.type(description="A submitted review of the caller's hand-in; the reviewer stays anonymous.")
class Review:
    id: strawberry.ID
    lab_number: int | None
    assignment_id: strawberry.ID
    rubric: Rubric
    scores: list[Score]
    answers: list[Answer]
    submitted_at: datetime | None
    my_reaction: Reaction | None
    flagged_by_me: bool

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Review:
        return cls(
            id=strawberry.ID(row["review_id"]),
            lab_number=row.get("lab_number"),
            assignment_id=strawberry.ID(row["assignment_id"]),
            rubric=Rubric.from_api(row["rubric"]),
            scores=scores_of(row.get("scores")),
            answers=answers_of(row.get("answers")),
            submitted_at=_dt(row.get("submitted_at")),
            my_reaction=Reaction.from_api(row.get("my_reaction")),
            flagged_by_me=bool(row.get("flagged_by_me")),
        )


@strawberry.enum
class LabState(Enum):
    NOT_HANDED_IN = "not_handed_in"
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    RESUBMITTED = "resubmitted"


@strawberry.enum
class VerdictValue(Enum):
    PASS = "pass"
    FAIL = "fail"


@strawberry.type(description="One student's state in one lab.")
class LabStatus:
    lab_number: int
    assignment_id: strawberry.ID | None
    status: LabState
    deadline: datetime | None
    handed_in_at: datetime | None
    late: bool
    verdict: VerdictValue | None
    verdict_origin: str | None
    reviews_received: int
    reviews_assigned: int
    reviews_given: int
    student_id: strawberry.Private[str]
    _comment: strawberry.Private[str | None]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> LabStatus:
        return cls(
            lab_number=row["lab_number"],
            assignment_id=row.get("assignment_id"),
            status=LabState(row["status"]),
            deadline=_dt(row.get("deadline")),
            handed_in_at=_dt(row.get("handed_in_at")),
            late=bool(row.get("late")),
            verdict=VerdictValue(row["verdict"]) if row.get("verdict") else None,
            verdict_origin=row.get("verdict_origin"),
            reviews_received=row.get("reviews_received", 0),
            reviews_assigned=row.get("reviews_assigned", 0),
            reviews_given=row.get("reviews_given", 0),
            student_id=row["student_id"],
            _comment=row.get("verdict_comment"),
        )

    @strawberry.field(description="The teacher's comment; the student themself and staff only.")
    def verdict_comment(self, info: Info) -> str | None:
        return self._comment if info.context.is_self_or_staff(self.student_id) else None


@strawberry.enum
class EligibilityState(Enum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDECIDED = "undecided"


@strawberry.type(description="Access to the final project: passed labs against the threshold.")
class Eligibility:
    status: EligibilityState
    labs_passed: int
    labs_open: int
    threshold: int
    total_labs: int

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Eligibility:
        return cls(
            status=EligibilityState(row["status"]),
            labs_passed=row["labs_passed"],
            labs_open=row["labs_open"],
            threshold=row["threshold"],
            total_labs=row.get("total_labs", 8),
        )


@strawberry.type
class Verdict:
    lab_number: int
    assignment_id: strawberry.ID | None
    verdict: VerdictValue
    origin: str
    comment: str
    set_at: datetime
    set_by: str

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Verdict:
        return cls(
            lab_number=row["lab_number"],
            assignment_id=row.get("assignment_id"),
            verdict=VerdictValue(row["verdict"]),
            origin=row.get("origin", "teacher"),
            comment=row.get("comment", ""),
            set_at=_dt(row["set_at"]),
            set_by=row.get("set_by", ""),
        )


@strawberry.type
class ReviewRound:
    id: strawberry.ID
    assignment_id: strawberry.ID
    lab_number: int | None
    reviews_per_person: int
    review_closes_at: datetime | None
    status: str
    rubric: Rubric

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ReviewRound:
        return cls(
            id=strawberry.ID(row.get("id") or row["round_id"]),
            assignment_id=row["assignment_id"],
            lab_number=row.get("lab_number"),
            reviews_per_person=row["reviews_per_person"],
            review_closes_at=_dt(row.get("review_closes_at")),
            status=row["status"],
            rubric=Rubric.from_api(row["rubric"]),
        )


@strawberry.type
class FlagReceipt:
    recorded: bool
    replacement_task_token: strawberry.ID | None
