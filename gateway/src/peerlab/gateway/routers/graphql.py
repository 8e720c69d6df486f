"""The GraphQL endpoint (HTTP and WebSocket) at /graphql; GraphiQL in dev only.

Order of work on an HTTP request, cheapest refusal first, each a problem+json with a ``code``:

1. the body size limit (``limits.RequestLimits``, before the body is read);
2. authentication (``context_getter``, before the body is read): no valid bearer token, 401 —
   only the GraphiQL page (GET, dev) is public;
3. the method (POST only: queries via GET are off, so GET serves nothing but GraphiQL), the content
   type (``application/json``, UTF-8), the body (UTF-8 JSON, an object or a batch of at most
   ``graphql_max_batch`` objects): 405/415/400;
4. every operation of the request (a whole batch before any of it runs) parsed under the token
   limit and measured (``graphql.budget``): 400 ``too_many_tokens``, ``query_too_complex``,
   ``query_too_deep``, ``introspection_too_deep``, ``too_many_aliases``, with the measure.

Only then does strawberry parse (cached), validate (under a time budget) and execute.
WebSocket connections authenticate in ``connection_init`` and their documents go through the same
measures in the schema extension.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from fastapi import Request, WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from peerlab.chassis.auth import unauthorized
from peerlab.chassis.errors import ProblemError
from peerlab.gateway.graphql.budget import Limits, QueryRefused, check_query
from peerlab.gateway.graphql.context import AppServices, GatewayContext, bearer_token
from peerlab.gateway.graphql.schema import build_schema, limits_of
from peerlab.gateway.limits import UTF8, media_type
from peerlab.gateway.settings import Environment, GatewaySettings

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}


def _wants_ide(request: Request) -> bool:
    """What strawberry would answer with the GraphiQL page (a GET for HTML without a query)."""
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "query" not in request.query_params and (
        "text/html" in accept or "*/*" in accept)


def _strict_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_encoding", "The request body must be UTF-8.") from exc
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long numbers, deep nesting
        raise ProblemError(400, "invalid_json", "The request body is not valid JSON.") from exc


def _check_shape(data: Any, max_batch: int) -> None:
    items = data if isinstance(data, list) else [data]
    if isinstance(data, list) and not 0 < len(data) <= max_batch:
        raise ProblemError(400, "too_many_operations", f"A batch holds 1 to {max_batch} operations.")
    for item in items:
        if not isinstance(item, dict):
            raise ProblemError(400, "invalid_request", "Each operation must be a JSON object.")
        if not isinstance(item.get("query"), (str, type(None))):
            raise ProblemError(400, "invalid_request", "query must be a string.")
        for key in ("variables", "extensions"):
            if not isinstance(item.get(key), (dict, type(None))):
                raise ProblemError(400, "invalid_request", f"{key} must be an object.")
        if not isinstance(item.get("operationName"), (str, type(None))):
            raise ProblemError(400, "invalid_request", "operationName must be a string.")


class _Router(GraphQLRouter):
    def __init__(self, *args: Any, limits: Limits, max_batch: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.max_batch = max_batch

    async def on_ws_connect(self, context: GatewayContext) -> Any:
        """Refuse a WebSocket whose ``connection_init`` carries no valid token."""
        try:
            principal = context.principal
        except Exception as exc:  # an invalid token is a rejection, not a crash
            raise ConnectionRejectionError({"code": "invalid_token"}) from exc
        if principal is None:
            raise ConnectionRejectionError({"code": "unauthenticated"})
        return None

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if self.is_websocket_request(request):
            return await super().run(request, context=context, root_value=root_value)
        if request.method == "GET" and not (self.graphql_ide and _wants_ide(request)):
            raise ProblemError(405, "method_not_allowed", "Send GraphQL operations with POST.",
                               headers={"Allow": "POST"})
        if request.method == "POST":
            kind, charset = media_type(request.headers.get("content-type"))
            if kind != "application/json":
                raise ProblemError(415, "unsupported_media_type", "Send GraphQL operations as application/json.")
            if charset not in UTF8:
                raise ProblemError(415, "unsupported_charset", "GraphQL requests must be UTF-8 JSON.")
            _check_shape(_strict_json(await request.body()), self.max_batch)
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:  # strawberry's own refusals, as problems like every other
            raise ProblemError(exc.status_code, _HTTP_CODES.get(exc.status_code, "bad_request"), exc.reason) from exc

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any,
                                root_value: Any, sub_response: Any) -> Any:
        for item in request_data if isinstance(request_data, list) else [request_data]:
            try:
                check_query(item.query, self.limits)
            except QueryRefused as refusal:
                raise ProblemError(400, refusal.code, refusal.message, extra=refusal.extra) from refusal
        return await super().execute_operation(request, request_adapter, request_data, context, root_value,
                                               sub_response)


def graphql_router(settings: GatewaySettings) -> GraphQLRouter:
    ide = settings.environment == Environment.DEV

    async def context_getter(request: Request = None, websocket: WebSocket = None) -> GatewayContext:  # type: ignore[assignment]
        """Authentication before the body is read: an HTTP request needs a valid token (but GraphiQL)."""
        connection = request if request is not None else websocket
        services: AppServices = connection.app.state.services
        token = bearer_token(connection.headers.get("authorization"))
        if request is not None and token is None and not (ide and _wants_ide(request)):
            raise unauthorized("A valid bearer token is required.", "unauthenticated")
        if request is None:
            return GatewayContext(services, token)
        return GatewayContext(services, token, call_budget=settings.graphql_max_backend_calls)

    return _Router(
        build_schema(settings),
        limits=limits_of(settings),
        max_batch=settings.graphql_max_batch,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if ide else None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.graphql_max_subscriptions_per_connection,
        include_in_schema=False,
    )


__all__ = ["ProblemError", "graphql_router"]
