"""The review service's REST API as the gateway uses it (routes under /v1)."""

from __future__ import annotations

from typing import Any

from peerlab.gateway.clients.base import ServiceClient

MY_TASKS = "/v1/me/tasks"
TASK = "/v1/tasks/{task_token}"
TASK_REVIEW = "/v1/tasks/{task_token}/review"
TASK_SUBMIT = "/v1/tasks/{task_token}/review/submit"
TASK_FLAG = "/v1/tasks/{task_token}/flag"
MY_REVIEWS = "/v1/me/reviews"
REACTION = "/v1/reviews/{review_id}/reaction"
REVIEW_FLAG = "/v1/reviews/{review_id}/flag"
STUDENT_LABS = "/v1/students/labs"
VERDICT = "/v1/students/{student_id}/labs/{lab_number}/verdict"
LAB_OVERVIEW = "/v1/labs/{lab_number}/overview"
STUDENT_OVERVIEW = "/v1/students/{student_id}/overview"
ROUNDS = "/v1/rounds"


class ReviewClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def my_tasks(self) -> list[dict[str, Any]]:
        return (await self.client.get(MY_TASKS))["items"]

    async def my_reviews(self) -> list[dict[str, Any]]:
        return (await self.client.get(MY_REVIEWS))["items"]

    async def students_labs(self, student_ids: list[str]) -> list[dict[str, Any]]:
        """StudentLabsPublic per id (labs + eligibility) in one call."""
        return (await self.client.get(STUDENT_LABS, params={"ids": ",".join(student_ids)}))["items"]

    async def rounds_by_id(self, ids: list[str]) -> list[dict[str, Any]]:
        return (await self.client.get(ROUNDS, params={"ids": ",".join(ids)}))["items"]

    async def rounds(self) -> list[dict[str, Any]]:
        return (await self.client.get(ROUNDS))["items"]

    async def save_review(self, *, task_token: str, scores: dict, answers: dict) -> dict[str, Any]:
        return await self.client.put(TASK_REVIEW, path_params={"task_token": task_token},
                                     json={"scores": scores, "answers": answers})

    async def submit_review(self, *, task_token: str, scores: dict, answers: dict) -> dict[str, Any]:
        return await self.client.post(TASK_SUBMIT, path_params={"task_token": task_token},
                                      json={"scores": scores, "answers": answers})

    async def react(self, *, review_id: str, helpfulness: int, comment: str) -> dict[str, Any]:
        return await self.client.put(REACTION, path_params={"review_id": review_id},
                                     json={"helpfulness": helpfulness, "comment": comment})

    async def flag_submission(self, *, task_token: str, reason: str, comment: str) -> dict[str, Any]:
        return await self.client.post(TASK_FLAG, path_params={"task_token": task_token},
                                      json={"reason": reason, "comment": comment})

    async def flag_review(self, *, review_id: str, reason: str, comment: str) -> dict[str, Any]:
        return await self.client.post(REVIEW_FLAG, path_params={"review_id": review_id},
                                      json={"reason": reason, "comment": comment})

    async def set_verdict(self, *, student_id: str, lab_number: int, verdict: str, comment: str) -> dict[str, Any]:
        return await self.client.put(VERDICT, path_params={"student_id": student_id, "lab_number": lab_number},
                                     json={"verdict": verdict, "comment": comment})

    async def lab_overview(self, *, lab_number: int) -> dict[str, Any]:
        return await self.client.get(LAB_OVERVIEW, path_params={"lab_number": lab_number})

    async def student_overview(self, *, student_id: str) -> dict[str, Any]:
        return await self.client.get(STUDENT_OVERVIEW, path_params={"student_id": student_id})
