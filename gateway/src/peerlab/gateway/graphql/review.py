"""Peer review as students and staff see it: rounds, anonymised tasks, reviews, reactions,
verdicts, lab status and eligibility. No student-facing type has a field for the other side's
identity: a task is named by its token, a received review by its own id."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.models import review as rm
from peerlab.gateway.graphql.values import DownloadLink, download_link


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
    def from_api(cls, row: rm.RubricPublic) -> Rubric:
        """Optional fields arrive with the contract's defaults filled in by the model."""
        return cls(
            version=row.version,
            criteria=[
                RubricCriterion(
                    key=c.key,
                    title=c.title,
                    description=c.description,
                    min_score=c.min_score,
                    max_score=c.max_score,
                )
                for c in row.criteria or ()
            ],
            questions=[
                RubricQuestion(key=q.key, prompt=q.prompt, required=q.required, max_length=q.max_length)
                for q in row.questions or ()
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


def _id_or_none(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


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
    def from_api(cls, row: rm.ReactionPublic | None) -> Reaction | None:
        if row is None:
            return None
        return cls(helpfulness=row.helpfulness, comment=row.comment, updated_at=row.updated_at)


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
    def from_api(cls, row: rm.TaskPublic) -> ReviewTask:
        review = row.review
        return cls(
            task_token=strawberry.ID(row.task_token),
            lab_number=row.lab_number,
            assignment_id=strawberry.ID(row.assignment_id),
            state=TaskState(row.state),
            due_at=row.due_at,
            window_open=row.window_open,
            rubric=Rubric.from_api(row.rubric),
            scores=scores_of(review.scores if review else None),
            answers=answers_of(review.answers if review else None),
            submitted_at=row.submitted_at,
            reaction=Reaction.from_api(row.reaction),
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
    def from_api(cls, row: rm.ReceivedReviewPublic) -> Review:
        return cls(
            id=strawberry.ID(row.review_id),
            lab_number=row.lab_number,
            assignment_id=strawberry.ID(row.assignment_id),
            rubric=Rubric.from_api(row.rubric),
            scores=scores_of(row.scores),
            answers=answers_of(row.answers),
            submitted_at=row.submitted_at,
            my_reaction=Reaction.from_api(row.my_reaction),
            flagged_by_me=row.flagged_by_me,
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
    def from_api(cls, row: rm.LabStatusPublic) -> LabStatus:
        return cls(
            lab_number=row.lab_number,
            assignment_id=_id_or_none(row.assignment_id),
            status=LabState(row.status),
            deadline=row.deadline,
            handed_in_at=row.handed_in_at,
            late=row.late,
            verdict=VerdictValue(row.verdict) if row.verdict else None,
            verdict_origin=row.verdict_origin,
            reviews_received=row.reviews_received,
            reviews_assigned=row.reviews_assigned,
            reviews_given=row.reviews_given,
            student_id=row.student_id,
            _comment=row.verdict_comment,
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
    def from_api(cls, row: rm.EligibilityPublic) -> Eligibility:
        return cls(
            status=EligibilityState(row.status),
            labs_passed=row.labs_passed,
            labs_open=row.labs_open,
            threshold=row.threshold,
            total_labs=row.total_labs,
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
    def from_api(cls, row: rm.VerdictPublic) -> Verdict:
        return cls(
            lab_number=row.lab_number,
            assignment_id=_id_or_none(row.assignment_id),
            verdict=VerdictValue(row.verdict),
            origin=row.origin,
            comment=row.comment,
            set_at=row.set_at,
            set_by=row.set_by,
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
    def from_api(cls, row: rm.RoundPublic | rm.StudentRoundPublic) -> ReviewRound:
        """Staff read a round (``id``), students a lab's round (``round_id``)."""
        return cls(
            id=strawberry.ID(row.id if isinstance(row, rm.RoundPublic) else row.round_id),
            assignment_id=strawberry.ID(row.assignment_id),
            lab_number=row.lab_number,
            reviews_per_person=row.reviews_per_person,
            review_closes_at=row.review_closes_at,
            status=row.status,
            rubric=Rubric.from_api(row.rubric),
        )


@strawberry.type
class FlagReceipt:
    recorded: bool
    replacement_task_token: strawberry.ID | None

    @classmethod
    def from_api(cls, row: rm.FlagReceipt) -> FlagReceipt:
        return cls(recorded=row.recorded, replacement_task_token=_id_or_none(row.replacement_task_token))
