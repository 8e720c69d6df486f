"""The filesystem store's presigned-URL route, and the problem documents for storage errors."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from peerlab.chassis.errors import ProblemError, problem_response, unavailable
from peerlab.chassis.storage.base import (
    DEFAULT_CONTENT_TYPE,
    InvalidSignature,
    ObjectNotFound,
    ObjectTooLarge,
    StorageUnavailable,
    content_disposition,
)
from peerlab.chassis.storage.bridge import put_async_stream
from peerlab.chassis.storage.filesystem import OBJECT_ROUTE, FilesystemObjectStore

DEFAULT_MAX_PUT_BYTES = 512 * 1024 * 1024


def storage_unavailable_problem() -> ProblemError:
    return unavailable("storage_unavailable", "The object store is unavailable; try again shortly.", retry_after_s=5)


def too_large_problem(limit: int) -> ProblemError:
    return ProblemError(413, "too_large", f"The object is larger than {limit} bytes.", extra={"max_bytes": limit})


def install_storage_problem_handlers(app: FastAPI) -> None:
    """Answer uncaught storage errors as problem+json: 503 outage, 413 too large, 404 missing."""

    def _respond(request: Request, problem: ProblemError) -> JSONResponse:
        return problem_response(
            problem.status,
            problem.code,
            problem.detail,
            instance=request.url.path,
            headers=problem.headers,
            extra=problem.extra,
        )

    @app.exception_handler(StorageUnavailable)
    async def _unavailable(request: Request, exc: StorageUnavailable) -> JSONResponse:
        return _respond(request, storage_unavailable_problem())

    @app.exception_handler(ObjectTooLarge)
    async def _too_large(request: Request, exc: ObjectTooLarge) -> JSONResponse:
        return _respond(request, too_large_problem(exc.limit))

    @app.exception_handler(ObjectNotFound)
    async def _missing(request: Request, exc: ObjectNotFound) -> JSONResponse:
        return _respond(request, ProblemError(404, "not_found", "object not found"))


def filesystem_object_router(store: FilesystemObjectStore, *, max_put_bytes: int = DEFAULT_MAX_PUT_BYTES) -> APIRouter:
    """GET and PUT ``/v1/objects/{token}`` for URLs from ``store.presigned_get``/``presigned_put``.

    Bad, tampered, expired or wrong-method tokens get 403 ``invalid_signature``; needs the
    chassis problem handlers installed on the app.
    """
    router = APIRouter(prefix=OBJECT_ROUTE, tags=["objects"])

    def _grant(token: str, method: str):
        try:
            return store.signer.verify(token, method)
        except InvalidSignature as exc:
            raise ProblemError(403, "invalid_signature", str(exc)) from exc

    @router.get("/{token}", include_in_schema=False)
    async def get_object(token: str) -> Response:
        grant = _grant(token, "GET")
        obj = store.stat(grant.key)
        if obj is None:
            raise ProblemError(404, "not_found", "object not found")
        headers = {"X-Content-Type-Options": "nosniff"}
        if grant.download_name:
            headers["Content-Disposition"] = content_disposition(grant.download_name)
        if obj.sha256:
            headers["ETag"] = f'"{obj.sha256}"'
        return FileResponse(store.path_for(grant.key), media_type=obj.content_type, headers=headers)

    @router.put("/{token}", include_in_schema=False)
    async def put_object(token: str, request: Request) -> Response:
        grant = _grant(token, "PUT")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_put_bytes:
            raise too_large_problem(max_put_bytes)
        content_type = grant.content_type or request.headers.get("content-type") or DEFAULT_CONTENT_TYPE
        try:
            obj = await put_async_stream(
                store, grant.key, request.stream(), content_type=content_type, max_bytes=max_put_bytes
            )
        except ObjectTooLarge as exc:
            raise too_large_problem(exc.limit) from exc
        except StorageUnavailable as exc:
            raise storage_unavailable_problem() from exc
        return Response(status_code=200, headers={"ETag": f'"{obj.sha256}"'})

    return router
