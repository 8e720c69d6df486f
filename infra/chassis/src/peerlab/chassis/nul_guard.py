"""Refuse U+0000 in a request's path or query string (400 ``invalid_characters``).

PostgreSQL text cannot hold NUL, so an id or filter carrying one would otherwise reach the
driver and fail there. JSON strings with U+0000 are answered 422 ``invalid_value`` by the
DataError handler in ``errors`` (the value is only known to be unstorable when it is stored).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from peerlab.chassis.errors import problem_response


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")):
            response = problem_response(
                400, "invalid_characters", "The path or query string holds a NUL character.", instance=None
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
