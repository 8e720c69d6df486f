"""Errors: expected ones as typed results (``errors: [<Domain>Error]`` in payloads, the code from
the domain's enum) or visible ``GatewayError``s with a code; everything else is masked by the
MaskErrors extension. ``guarded`` turns a mutation's expected failures into its payload's errors."""

from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable, Iterable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.graphql import error_codes


def _code_enum(name: str, domain: str, codes: Iterable[str]) -> type[Enum]:
    values = dict.fromkeys((*codes, *error_codes.COMMON))
    enum = Enum(name, {code: code for code in values})  # type: ignore[misc]
    return strawberry.enum(enum, description=f"The stable codes of {domain}'s expected failures.")


SubmissionsErrorCode = _code_enum("SubmissionsErrorCode", "submissions", error_codes.SUBMISSIONS)
ReviewErrorCode = _code_enum("ReviewErrorCode", "review", error_codes.REVIEW)
ProjectsErrorCode = _code_enum("ProjectsErrorCode", "projects", error_codes.PROJECTS)
SchedulingErrorCode = _code_enum("SchedulingErrorCode", "scheduling", error_codes.SCHEDULING)

_ERROR = "An expected failure: a stable code, the input field it concerns, a message."


@strawberry.type(description=_ERROR)
class SubmissionsError:
    code: SubmissionsErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str


@strawberry.type(description=_ERROR)
class ReviewError:
    code: ReviewErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str


@strawberry.type(description=_ERROR)
class ProjectsError:
    code: ProjectsErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str


@strawberry.type(description=_ERROR)
class SchedulingError:
    code: SchedulingErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str


def error_of(error_type: type, code: str, message: str, field: str | None = None) -> Any:
    """One ``<Domain>Error``; a code the enum does not hold becomes ``unknown_error`` (named in the message)."""
    enum = typing.get_type_hints(error_type)["code"]
    if code in enum.__members__:
        return error_type(code=enum[code], field=field, message=message)
    return error_type(code=enum["unknown_error"], field=field, message=f"{code}: {message}")


P = TypeVar("P")


@functools.cache
def _payload_and_error(resolver: Callable[..., Any]) -> tuple[type, type]:
    payload = typing.get_type_hints(resolver)["return"]
    (error_type,) = typing.get_args(typing.get_type_hints(payload)["errors"])
    return payload, error_type


def guarded(resolver: Callable[..., Awaitable[P]]) -> Callable[..., Awaitable[P]]:
    """A mutation resolver whose expected failures (a service's 4xx, a ``GatewayError`` such as
    ``forbidden``) come back as its payload's ``errors`` with the domain's code; the rest is masked."""

    @functools.wraps(resolver)
    async def wrapper(*args: Any, **kwargs: Any) -> P:
        try:
            return await resolver(*args, **kwargs)
        except BackendError as exc:
            if not exc.expected:
                raise
            code, message, field = exc.code, exc.detail, exc.field
        except GatewayError as exc:
            code, message, field = exc.code, str(exc), None
        payload, error_type = _payload_and_error(resolver)
        return payload(errors=[error_of(error_type, code, message, field)])

    return wrapper


class GatewayError(Exception):
    """An error the client may see (not masked); ``code`` lands in ``extensions.code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = {"code": code}


def not_authenticated() -> GatewayError:
    return GatewayError("unauthenticated", "A valid bearer token is required.")


def forbidden(message: str = "You may not see or do this.") -> GatewayError:
    return GatewayError("forbidden", message)


def from_backend(exc: BackendError) -> Exception:
    """A 4xx becomes a visible error with the service's code; anything else stays masked."""
    if exc.expected:
        return GatewayError(exc.code, exc.detail)
    return exc


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors only: validation errors and GatewayErrors stay readable."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GatewayError)
