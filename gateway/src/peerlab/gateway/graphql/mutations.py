"""Mutations. Each returns a payload with ``errors: [<Domain>Error]`` for expected failures (the
service's problem code from the domain's enum, the field, a message), made by ``guarded``;
unexpected failures are masked. The root ``Mutation`` merges these (submissions and review) with
the projects' and scheduling's."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from strawberry.tools import merge_types

from peerlab.gateway.graphql.errors import ReviewError, SubmissionsError, forbidden, guarded
from peerlab.gateway.graphql.projects import ProjectsMutation
from peerlab.gateway.graphql.scheduling import SchedulingMutation
from peerlab.gateway.graphql.review import (
    AnswerInput,
    FlagReceipt,
    Reaction,
    ReviewTask,
    ScoreInput,
    Verdict,
    VerdictValue,
)
from peerlab.gateway.graphql.submissions import (
    Receipt,
    Submission,
    SubmissionVersion,
    UploadTicket,
    ValidationWarning,
    warnings_of,
)


@strawberry.input
class StartHandInInput:
    assignment_id: strawberry.ID
    file_name: str
    size: int
    sha256: str = strawberry.field(description="Hex SHA-256 of the file; checked when confirming.")
    idempotency_key: str | None = None


@strawberry.type
class StartHandInPayload:
    upload: UploadTicket | None = None
    errors: list[SubmissionsError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmHandInInput:
    upload_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class HandInPayload:
    submission: Submission | None = None
    version: SubmissionVersion | None = None
    receipt: Receipt | None = None
    warnings: list[ValidationWarning] = strawberry.field(default_factory=list)
    errors: list[SubmissionsError] = strawberry.field(default_factory=list)


@strawberry.type
class WithdrawPayload:
    submission: Submission | None = None
    withdrawn_version: int | None = None
    errors: list[SubmissionsError] = strawberry.field(default_factory=list)


@strawberry.input
class ReviewInput:
    task_token: strawberry.ID
    scores: list[ScoreInput] = strawberry.field(default_factory=list)
    answers: list[AnswerInput] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewPayload:
    task: ReviewTask | None = None
    errors: list[ReviewError] = strawberry.field(default_factory=list)


@strawberry.input
class ReactInput:
    review_id: strawberry.ID
    helpfulness: int
    comment: str = ""


@strawberry.type
class ReactPayload:
    reaction: Reaction | None = None
    errors: list[ReviewError] = strawberry.field(default_factory=list)


@strawberry.enum
class SubmissionFlagReason(Enum):
    EMPTY = "empty"
    WRONG_LAB = "wrong_lab"
    UNREADABLE = "unreadable"
    OTHER = "other"


@strawberry.enum
class ReviewFlagReason(Enum):
    INAPPROPRIATE = "inappropriate"
    OFFENSIVE = "offensive"
    NOT_A_REVIEW = "not_a_review"
    OTHER = "other"


@strawberry.input
class FlagSubmissionInput:
    task_token: strawberry.ID
    reason: SubmissionFlagReason
    comment: str = ""


@strawberry.input
class FlagReviewInput:
    review_id: strawberry.ID
    reason: ReviewFlagReason
    comment: str = ""


@strawberry.type
class FlagPayload:
    flag: FlagReceipt | None = None
    errors: list[ReviewError] = strawberry.field(default_factory=list)


@strawberry.input
class SetVerdictInput:
    student_id: strawberry.ID
    lab_number: int
    verdict: VerdictValue
    comment: str = ""


@strawberry.type
class VerdictPayload:
    verdict: Verdict | None = None
    errors: list[ReviewError] = strawberry.field(default_factory=list)


def _review_body(data: ReviewInput) -> tuple[dict, dict]:
    return {s.key: s.value for s in data.scores}, {a.key: a.text for a in data.answers}


def _enum_value(value: object) -> str:
    return str(getattr(value, "value", value))


@strawberry.type
class CoreMutation:
    @strawberry.mutation(description="Get a presigned upload for a hand-in; PUT the file there, then confirm.")
    @guarded
    async def start_hand_in(self, info: Info, input: StartHandInInput) -> StartHandInPayload:
        row = await info.context.submissions.start_upload(
            assignment_id=str(input.assignment_id),
            file_name=input.file_name,
            size=input.size,
            sha256=input.sha256,
            idempotency_key=input.idempotency_key,
        )
        return StartHandInPayload(upload=UploadTicket.from_api(row))

    @strawberry.mutation(description="Confirm an uploaded hand-in: checked, validated, accepted with a receipt.")
    @guarded
    async def confirm_hand_in(self, info: Info, input: ConfirmHandInInput) -> HandInPayload:
        row = await info.context.submissions.confirm_upload(
            upload_id=str(input.upload_id), idempotency_key=input.idempotency_key
        )
        return HandInPayload(
            submission=Submission.from_api(row.submission),
            version=SubmissionVersion.from_api(row.version, submission_id=row.submission.id),
            receipt=Receipt.from_api(row.receipt),
            warnings=warnings_of(row.warnings),
        )

    @strawberry.mutation(description="Withdraw a hand-in before the deadline.")
    @guarded
    async def withdraw_hand_in(self, info: Info, submission_id: strawberry.ID) -> WithdrawPayload:
        row = await info.context.submissions.withdraw(submission_id=str(submission_id))
        return WithdrawPayload(submission=Submission.from_api(row.submission), withdrawn_version=row.withdrawn_version)

    @strawberry.mutation(description="Save a draft of a review.")
    @guarded
    async def save_review(self, info: Info, input: ReviewInput) -> ReviewPayload:
        scores, answers = _review_body(input)
        row = await info.context.review.save_review(task_token=str(input.task_token), scores=scores, answers=answers)
        return ReviewPayload(task=ReviewTask.from_api(row))

    @strawberry.mutation(description="Submit a review (within the review window).")
    @guarded
    async def submit_review(self, info: Info, input: ReviewInput) -> ReviewPayload:
        scores, answers = _review_body(input)
        row = await info.context.review.submit_review(task_token=str(input.task_token), scores=scores, answers=answers)
        return ReviewPayload(task=ReviewTask.from_api(row))

    @strawberry.mutation(description="Rate the helpfulness of a review of your hand-in.")
    @guarded
    async def react_to_review(self, info: Info, input: ReactInput) -> ReactPayload:
        row = await info.context.review.react(
            review_id=str(input.review_id), helpfulness=input.helpfulness, comment=input.comment
        )
        return ReactPayload(reaction=Reaction.from_api(row))

    @strawberry.mutation(description="Flag the submission of one of your review tasks (empty, wrong lab, ...).")
    @guarded
    async def flag_submission(self, info: Info, input: FlagSubmissionInput) -> FlagPayload:
        row = await info.context.review.flag_submission(
            task_token=str(input.task_token), reason=_enum_value(input.reason), comment=input.comment
        )
        return FlagPayload(flag=FlagReceipt.from_api(row))

    @strawberry.mutation(description="Flag a review of your hand-in as inappropriate; teachers are told.")
    @guarded
    async def flag_review(self, info: Info, input: FlagReviewInput) -> FlagPayload:
        row = await info.context.review.flag_review(
            review_id=str(input.review_id), reason=_enum_value(input.reason), comment=input.comment
        )
        return FlagPayload(flag=FlagReceipt.from_api(row))

    @strawberry.mutation(description="Teachers: pass or fail a student's lab, with a comment.")
    @guarded
    async def set_verdict(self, info: Info, input: SetVerdictInput) -> VerdictPayload:
        if not info.context.user().is_staff:
            raise forbidden("Only teachers may set verdicts.")
        row = await info.context.review.set_verdict(
            student_id=str(input.student_id),
            lab_number=input.lab_number,
            verdict=_enum_value(input.verdict),
            comment=input.comment,
        )
        return VerdictPayload(verdict=Verdict.from_api(row))


Mutation = merge_types("Mutation", (CoreMutation, ProjectsMutation, SchedulingMutation))
