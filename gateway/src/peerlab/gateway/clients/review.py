"""The review service's REST API as the gateway uses it (routes under /v1), answering the models
generated from its ``openapi.json`` (``clients/models/review.py``)."""

from __future__ import annotations

from functools import cache

from pydantic import TypeAdapter

from peerlab.gateway.clients.base import ServiceClient
from peerlab.gateway.clients.models import review as m
from peerlab.gateway.clients.typed import many, one

MY_TASKS = "/v1/me/tasks"
TASK = "/v1/tasks/{task_token}"
TASK_REVIEW = "/v1/tasks/{task_token}/review"
TASK_SUBMIT = "/v1/tasks/{task_token}/review/submit"
TASK_FLAG = "/v1/tasks/{task_token}/flag"
MY_REVIEWS = "/v1/me/reviews"
REACTION = "/v1/reviews/{review_id}/reaction"
REVIEW_FLAG = "/v1/reviews/{review_id}/flag"
LAB_STATUS = "/v1/lab-status"
ELIGIBILITY = "/v1/eligibility"
VERDICT = "/v1/students/{student_id}/labs/{lab_number}/verdict"
LAB_OVERVIEW = "/v1/teacher/labs/{lab_number}"
STUDENT_OVERVIEW = "/v1/teacher/students/{student_id}"
ROUNDS = "/v1/rounds"
LAB_ROUND = "/v1/labs/{lab_number}/round"


@cache
def _labs_by_student() -> TypeAdapter[dict[str, list[m.LabStatusPublic]]]:
    return TypeAdapter(dict[str, list[m.LabStatusPublic]])


def _content(scores: dict[str, int], answers: dict[str, str]) -> dict[str, dict]:
    return {"scores": scores, "answers": answers}


class ReviewClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def my_tasks(self) -> list[m.TaskPublic]:
        return many(m.TaskPublic, await self.client.get(MY_TASKS))

    async def my_reviews(self) -> list[m.ReceivedReviewPublic]:
        return many(m.ReceivedReviewPublic, await self.client.get(MY_REVIEWS))

    async def lab_status(self, student_ids: list[str]) -> dict[str, list[m.LabStatusPublic]]:
        """Student id -> their labs, in one call."""
        answer = await self.client.get(LAB_STATUS, params={"student_ids": ",".join(student_ids)})
        return _labs_by_student().validate_python(answer)

    async def eligibility(self, student_ids: list[str]) -> list[m.EligibilityPublic]:
        """Eligibility per id, in the order asked, in one call."""
        return many(
            m.EligibilityPublic, await self.client.get(ELIGIBILITY, params={"student_ids": ",".join(student_ids)})
        )

    async def rounds_by_id(self, ids: list[str]) -> list[m.RoundPublic]:
        return many(m.RoundPublic, await self.client.get(ROUNDS, params={"ids": ",".join(ids)}))

    async def rounds(self) -> list[m.RoundPublic]:
        return many(m.RoundPublic, await self.client.get(ROUNDS))

    async def lab_round(self, *, lab_number: int) -> m.StudentRoundPublic:
        return one(m.StudentRoundPublic, await self.client.get(LAB_ROUND, path_params={"lab_number": lab_number}))

    async def save_review(self, *, task_token: str, scores: dict[str, int], answers: dict[str, str]) -> m.TaskPublic:
        path_params = {"task_token": task_token}
        return one(
            m.TaskPublic, await self.client.put(TASK_REVIEW, path_params=path_params, json=_content(scores, answers))
        )

    async def submit_review(self, *, task_token: str, scores: dict[str, int], answers: dict[str, str]) -> m.TaskPublic:
        path_params = {"task_token": task_token}
        return one(
            m.TaskPublic, await self.client.post(TASK_SUBMIT, path_params=path_params, json=_content(scores, answers))
        )

    async def react(self, *, review_id: str, helpfulness: int, comment: str) -> m.ReactionPublic:
        return one(
            m.ReactionPublic,
            await self.client.put(
                REACTION, path_params={"review_id": review_id}, json={"helpfulness": helpfulness, "comment": comment}
            ),
        )

    async def flag_submission(self, *, task_token: str, reason: str, comment: str) -> m.FlagReceipt:
        return one(
            m.FlagReceipt,
            await self.client.post(
                TASK_FLAG, path_params={"task_token": task_token}, json={"reason": reason, "comment": comment}
            ),
        )

    async def flag_review(self, *, review_id: str, reason: str, comment: str) -> m.FlagReceipt:
        return one(
            m.FlagReceipt,
            await self.client.post(
                REVIEW_FLAG, path_params={"review_id": review_id}, json={"reason": reason, "comment": comment}
            ),
        )

    async def set_verdict(self, *, student_id: str, lab_number: int, verdict: str, comment: str) -> m.VerdictPublic:
        return one(
            m.VerdictPublic,
            await self.client.put(
                VERDICT,
                path_params={"student_id": student_id, "lab_number": lab_number},
                json={"verdict": verdict, "comment": comment},
            ),
        )

    async def lab_overview(self, *, lab_number: int) -> m.LabOverviewPublic:
        return one(m.LabOverviewPublic, await self.client.get(LAB_OVERVIEW, path_params={"lab_number": lab_number}))

    async def student_overview(self, *, student_id: str) -> m.StudentOverviewPublic:
        path_params = {"student_id": student_id}
        return one(m.StudentOverviewPublic, await self.client.get(STUDENT_OVERVIEW, path_params=path_params))
