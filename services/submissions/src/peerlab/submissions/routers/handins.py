"""The two hand-in paths: a streamed upload, and a presigned PUT confirmed afterwards.

Thin: each route turns the request into a use case's input (``service.streamed_handin``,
``service.presigned_handin``) and its outcome into a response. These endpoints are ``async`` (the
body is read with ``request.stream()``) and do not use the request-scoped session: a hand-in's
database steps are short transactions of their own, and the accepting one commits before the
response is sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.problem_docs import answers
from peerlab.submissions.routers.deps import IdempotencyKey, ReceivedAt, RuntimeDep
from peerlab.submissions.schemas import HandInAccepted, UploadCreate, UploadTicket
from peerlab.submissions.service import presigned_handin
from peerlab.submissions.service.handin_steps import HandInOutcome
from peerlab.submissions.service.streamed_handin import StreamedHandIn, hand_in_streamed
from peerlab.submissions.validation import errors as rejections

router = APIRouter(prefix="/v1", tags=["hand-ins"])

# What the OpenAPI cannot read from the source (the chassis documents the rest, see
# ``peerlab.chassis.problem_docs``): validators' rejections (``ValidationFailure``, raised in a
# worker process), the object store's outage and the upload admission.
CONTENT_REJECTIONS = (
    rejections.WRONG_FILE_TYPE,
    rejections.FILE_NAME_RULE,
    rejections.UNSAFE_FILE_NAME,
    rejections.NOT_JSON,
    rejections.INVALID_NOTEBOOK,
    rejections.TOO_COMPLEX,
    rejections.EMPTY_FILE,
    rejections.INVALID_PDF,
    rejections.TOO_MANY_PAGES,
    rejections.MISSING_REPOSITORY_URL,
)
HAND_IN_PROBLEMS = (
    answers(413, rejections.TOO_LARGE)
    | answers(422, *CONTENT_REJECTIONS, rejections.NO_FILE, rejections.TOO_MANY_FILES)
    | answers(503, "storage_unavailable", "too_busy")
)
UPLOAD_PROBLEMS = answers(413, rejections.TOO_LARGE) | answers(
    422, rejections.WRONG_FILE_TYPE, rejections.FILE_NAME_RULE, rejections.UNSAFE_FILE_NAME, rejections.EMPTY_FILE
)
CONFIRM_PROBLEMS = answers(422, *CONTENT_REJECTIONS) | answers(503, "storage_unavailable")


def _response(outcome: HandInOutcome) -> JSONResponse:
    headers = {} if outcome.ours else {"Idempotent-Replayed": "true"}
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@router.post(
    "/assignments/{assignment_id}/submissions",
    status_code=201,
    response_model=HandInAccepted,
    responses=HAND_IN_PROBLEMS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        }
    },
)
async def hand_in(
    assignment_id: str,
    request: Request,
    received_at: ReceivedAt,
    principal: CurrentPrincipal,
    rt: RuntimeDep,
    idem_key: IdempotencyKey,
    file_name: Annotated[str | None, Query(max_length=1000, description="For a raw body: the file's name")] = None,
    group_id: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """Stream one file into storage as it arrives, validate it, and make it the current version.

    Send the file as the raw body (with ``?file_name=``) or as the only file of a
    ``multipart/form-data`` form. The hand-in is on time iff this request reached the server
    before the deadline (see the README's deadline rule).
    """
    declared = request.headers.get("content-length", "")
    outcome = await hand_in_streamed(
        rt=rt,
        request=StreamedHandIn(
            assignment_id=assignment_id,
            principal=principal,
            received_at=received_at,
            path=request.url.path,
            content_type=request.headers.get("content-type", ""),
            content_length=int(declared) if declared.isdigit() else None,
            body=request.stream(),
            file_name=file_name,
            group_id=group_id,
            idem_key=idem_key,
        ),
    )
    return _response(outcome)


@router.post(
    "/assignments/{assignment_id}/uploads", status_code=201, response_model=UploadTicket, responses=UPLOAD_PROBLEMS
)
async def create_upload(
    assignment_id: str,
    body: UploadCreate,
    received_at: ReceivedAt,
    principal: CurrentPrincipal,
    rt: RuntimeDep,
) -> UploadTicket:
    """A presigned PUT for one file (short expiry); then call ``POST /v1/uploads/{id}/confirm``.

    The size and SHA-256 declared here are checked against the stored object on confirmation.
    """
    return await presigned_handin.open_upload(
        rt=rt, assignment_id=assignment_id, principal=principal, received_at=received_at, declared=body
    )


@router.post("/uploads/{upload_id}/confirm", status_code=201, response_model=HandInAccepted, responses=CONFIRM_PROBLEMS)
async def confirm_upload(
    upload_id: str,
    request: Request,
    principal: CurrentPrincipal,
    rt: RuntimeDep,
    idem_key: IdempotencyKey,
) -> JSONResponse:
    """Check the object PUT to the presigned URL (size, SHA-256, content) and accept it.

    Confirming an accepted upload again returns the same result.
    """
    outcome = await presigned_handin.confirm_upload(
        rt=rt,
        request=presigned_handin.ConfirmUpload(
            upload_id=upload_id, principal=principal, path=request.url.path, idem_key=idem_key
        ),
    )
    return _response(outcome)
