"""The submissions service's REST API as the gateway uses it (routes under /v1), answering the
models generated from its ``openapi.json`` (``clients/models/submissions.py``)."""

from __future__ import annotations

from peerlab.gateway.clients.base import ServiceClient
from peerlab.gateway.clients.models import submissions as m
from peerlab.gateway.clients.typed import one

ASSIGNMENTS = "/v1/assignments"
ASSIGNMENT = "/v1/assignments/{assignment_id}"
UPLOADS = "/v1/assignments/{assignment_id}/uploads"
UPLOAD_CONFIRM = "/v1/uploads/{upload_id}/confirm"
SUBMISSIONS = "/v1/submissions"
SUBMISSION = "/v1/submissions/{submission_id}"
WITHDRAW = "/v1/submissions/{submission_id}/withdraw"
RECEIPT = "/v1/submissions/{submission_id}/versions/{version}/receipt"
DOWNLOAD = "/v1/submissions/{submission_id}/versions/{version}/download"
REVIEW_COPY = "/v1/review-copies/{task_token}"


def _idempotency(key: str | None) -> dict[str, str] | None:
    return {"idempotency-key": key} if key else None


class SubmissionsClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def assignments(self) -> list[m.AssignmentPublic]:
        return one(m.AssignmentPage, await self.client.get(ASSIGNMENTS)).items

    async def assignments_by_id(self, ids: list[str]) -> list[m.AssignmentPublic]:
        return one(m.AssignmentPage, await self.client.get(ASSIGNMENTS, params={"ids": ",".join(ids)})).items

    async def submissions_by_id(self, ids: list[str]) -> list[m.SubmissionPublic]:
        return one(m.SubmissionPage, await self.client.get(SUBMISSIONS, params={"ids": ",".join(ids)})).items

    async def submissions_of_owners(self, owner_ids: list[str]) -> list[m.SubmissionPublic]:
        page = await self.client.get(SUBMISSIONS, params={"owner_ids": ",".join(owner_ids)})
        return one(m.SubmissionPage, page).items

    async def start_upload(
        self, *, assignment_id: str, file_name: str, size: int, sha256: str, idempotency_key: str | None = None
    ) -> m.UploadTicket:
        return one(
            m.UploadTicket,
            await self.client.post(
                UPLOADS,
                path_params={"assignment_id": assignment_id},
                json={"file_name": file_name, "size": size, "sha256": sha256},
                headers=_idempotency(idempotency_key),
            ),
        )

    async def confirm_upload(self, *, upload_id: str, idempotency_key: str | None = None) -> m.HandInAccepted:
        return one(
            m.HandInAccepted,
            await self.client.post(
                UPLOAD_CONFIRM, path_params={"upload_id": upload_id}, headers=_idempotency(idempotency_key)
            ),
        )

    async def withdraw(self, *, submission_id: str) -> m.WithdrawResult:
        return one(m.WithdrawResult, await self.client.post(WITHDRAW, path_params={"submission_id": submission_id}))

    async def receipt(self, *, submission_id: str, version: int) -> m.Receipt:
        path_params = {"submission_id": submission_id, "version": version}
        return one(m.Receipt, await self.client.get(RECEIPT, path_params=path_params))

    async def download(self, *, submission_id: str, version: int) -> m.DownloadLink:
        path_params = {"submission_id": submission_id, "version": version}
        return one(m.DownloadLink, await self.client.get(DOWNLOAD, path_params=path_params))

    async def review_copy(self, *, task_token: str) -> m.DownloadLink:
        """The anonymised notebook of a review task (its reviewer and staff; 404 for anyone else)."""
        return one(m.DownloadLink, await self.client.get(REVIEW_COPY, path_params={"task_token": task_token}))
