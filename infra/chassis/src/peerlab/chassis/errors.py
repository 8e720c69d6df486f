"""Errors as RFC 9457 ``application/problem+json`` with a stable machine-readable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("peerlab.errors")


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("_", " ").capitalize()
        self.headers = headers or {}
        self.extra = extra or {}


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "not_found", f"{what} not found")


def forbidden(detail: str = "You may not do this.") -> ProblemError:
    return ProblemError(403, "forbidden", detail)


def conflict(code: str, detail: str) -> ProblemError:
    return ProblemError(409, code, detail)


def unavailable(code: str, detail: str, retry_after_s: int = 5) -> ProblemError:
    return ProblemError(503, code, detail, headers={"Retry-After": str(retry_after_s)})


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://peerlab.dev/problems/{code}",
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


# Load, not outage: the server is up but has no connection (or lock) for us right now.
_BUSY_MARKERS = (
    "too many connections",
    "too many clients",
    "remaining connection slots",
    "database is locked",
    "database table is locked",
)


def is_busy(exc: BaseException) -> bool:
    """A saturated database (connection limit, SQLite lock) rather than an unreachable one."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, PoolTimeoutError) or any(marker in text for marker in _BUSY_MARKERS)


def database_busy(instance: str | None = None) -> JSONResponse:
    """503 ``database_busy`` with ``Retry-After``: back-pressure, safe to retry."""
    return problem_response(
        503,
        "database_busy",
        "The service is busy; try again in a moment.",
        instance=instance,
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves the service as problem+json; database outages become 503."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.code,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return problem_response(
            exc.status_code,
            code,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        return problem_response(
            422,
            "validation_error",
            "The request is not valid.",
            instance=request.url.path,
            extra={"errors": errors},
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database pool exhausted on %s", request.url.path)
        return database_busy(request.url.path)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if is_busy(exc):
            log.warning("database busy on %s: %s", request.url.path, str(exc).splitlines()[0][:200])
            return database_busy(request.url.path)
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return problem_response(
            503,
            "database_unavailable",
            "The database is unavailable; try again shortly.",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # the database refused a value the schema let through (U+0000 in text, a number out of
        # range): the request's fault, and nothing was kept (the unit of work rolls back)
        log.info("unstorable value on %s: %s", request.url.path, str(exc).splitlines()[0][:200])
        return problem_response(
            422,
            "invalid_value",
            "A value in the request cannot be stored (for example a NUL character or a number out of range).",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(500, "internal_error", "Something went wrong on our side.", instance=request.url.path)
