"""A size limit on JSON request bodies (413 ``too_large``), leaving streamed uploads alone.

Only routes that declare a parsed body (an ``APIRoute`` with a body field) are limited: their
body is read whole into memory before validation, so an unbounded one is a memory hazard.
Routes that stream ``request.stream()`` (hand-in uploads) declare no body field and keep their
own limits.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _parses_body(route: object) -> bool:
    """Whether the matched route reads and parses its whole body (a FastAPI body field)."""
    route = getattr(route, "original_route", route)  # FastAPI's effective-route wrapper
    return getattr(route, "body_field", None) is not None


class JsonBodyLimitMiddleware:
    """Counts the body as the endpoint reads it; the route is known by then (routing has put it
    in the scope), so streamed uploads are told apart from parsed bodies."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = 0
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
        seen = 0
        checked: bool | None = None

        async def limited_receive() -> Message:
            nonlocal seen, checked
            if checked is None:
                checked = _parses_body(scope.get("route"))
            if checked and declared > limit:
                raise HTTPException(413, f"The request body is larger than {limit} bytes.")
            message = await receive()
            if checked and message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body without Content-Length
                    raise HTTPException(413, f"The request body is larger than {limit} bytes.")
            return message

        await self.app(scope, limited_receive, send)
