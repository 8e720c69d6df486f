"""Errors: expected ones as typed results (``errors: [UserError]`` in payloads) or visible
``GatewayError``s with a code; everything else is masked by the MaskErrors extension."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from peerlab.gateway.clients.base import BackendError


@strawberry.type(description="An expected failure: a stable code, the input field it concerns, a message.")
class UserError:
    code: str
    field: str | None
    message: str


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


def user_errors(exc: BackendError) -> list[UserError]:
    """For mutation payloads; re-raises what is not the caller's business (masked later)."""
    if not exc.expected:
        raise exc
    return [UserError(code=exc.code, field=exc.field, message=exc.detail)]


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors only: validation errors and GatewayErrors stay readable."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GatewayError)
