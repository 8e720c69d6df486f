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
WebSocket connections (graphql-transport-ws) authenticate in ``connection_init`` and their
documents go through the same measures in the schema extension.

Strawberry's ASGI app is routed to directly (no FastAPI route, no dependency injection: each
request's context is built once in ``get_context``); the chassis middleware and problem handlers
still wrap it. Responses are encoded with orjson.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from peerlab.chassis.auth import unauthorized
from peerlab.chassis.errors import ProblemError
from peerlab.gateway.graphql.budget import Limits, QueryRefused, check_query
from peerlab.gateway.graphql.context import AppServices, GatewayContext, bearer_token
from peerlab.gateway.graphql.schema import build_schema, limits_of
from peerlab.gateway.limits import UTF8, media_type
from peerlab.gateway.persisted_queries import (
    NotFound,
    PersistedQueries,
    Refused,
    not_found_result,
    registered_operations,
)
from peerlab.gateway.settings import Environment, GatewaySettings

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}


def _wants_ide(request: Request) -> bool:
    """What strawberry would answer with the GraphiQL page (a GET for HTML without a query)."""
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET" and "query" not in request.query_params and ("text/html" in accept or "*/*" in accept)
    )


def _strict_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_encoding", "The request body must be UTF-8.") from exc
    try:
        return orjson.loads(text)
    except (
        ValueError,
        RecursionError,
    ) as exc:  # orjson.JSONDecodeError is a ValueError  # JSONDecodeError, over-long numbers, deep nesting
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


class _GraphQL(GraphQL):
    def __init__(
        self,
        *args: Any,
        settings: GatewaySettings,
        limits: Limits,
        max_batch: int,
        persisted: PersistedQueries,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.limits = limits
        self.max_batch = max_batch
        self.persisted = persisted

    async def get_context(self, request: Request | WebSocket, response: Any) -> GatewayContext:
        """Authentication before the body is read: an HTTP request needs a valid token (but GraphiQL)."""
        services: AppServices = request.app.state.services
        token = bearer_token(request.headers.get("authorization"))
        if isinstance(request, WebSocket):
            return GatewayContext(services, token)
        if token is None and not (self.graphql_ide and _wants_ide(request)):
            raise unauthorized("A valid bearer token is required.", "unauthenticated")
        return GatewayContext(services, token, call_budget=self.settings.graphql_max_backend_calls)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """Like strawberry's, with orjson (WebSocket messages keep ``encode_json``: text frames)."""
        response = Response(
            orjson.dumps(response_data), status_code=sub_response.status_code or 200, media_type="application/json"
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response

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
        if context is UNSET:  # authenticate first, before the body is read
            context = await self.get_context(request, response=None)
        if request.method == "GET" and not (self.graphql_ide and _wants_ide(request)):
            raise ProblemError(
                405, "method_not_allowed", "Send GraphQL operations with POST.", headers={"Allow": "POST"}
            )
        if request.method == "POST":
            kind, charset = media_type(request.headers.get("content-type"))
            if kind != "application/json":
                raise ProblemError(415, "unsupported_media_type", "Send GraphQL operations as application/json.")
            if charset not in UTF8:
                raise ProblemError(415, "unsupported_charset", "GraphQL requests must be UTF-8 JSON.")
        if request.method == "POST":
            _check_shape(_strict_json(await request.body()), self.max_batch)
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:  # strawberry's own refusals, as problems like every other
            raise ProblemError(exc.status_code, _HTTP_CODES.get(exc.status_code, "bad_request"), exc.reason) from exc

    async def execute_operation(
        self, request: Any, request_adapter: Any, request_data: Any, context: Any, root_value: Any, sub_response: Any
    ) -> Any:
        items = request_data if isinstance(request_data, list) else [request_data]
        unknown, to_remember = [], []
        for item in items:
            try:
                item.query, digest = self.persisted.resolve(item.query, item.extensions)
            except Refused as refusal:
                raise ProblemError(refusal.status, refusal.code, refusal.message) from refusal
            except NotFound:
                unknown.append(item)
                continue
            try:
                check_query(item.query, self.limits)
            except QueryRefused as refusal:
                raise ProblemError(400, refusal.code, refusal.message, extra=refusal.extra) from refusal
            if digest is not None:
                to_remember.append((digest, item.query))
        for digest, query in to_remember:  # only queries that passed the measures
            self.persisted.remember(digest, query)
        if unknown:  # Apollo's APQ answer: the client sends the query with its hash next
            return _not_found(request_data)
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )


def _not_found(request_data: Any) -> Any:
    def result() -> ExecutionResult:
        error = not_found_result()["errors"][0]
        return ExecutionResult(data=None, errors=[GraphQLError(error["message"], extensions=error["extensions"])])

    if isinstance(request_data, list):  # a batch with an unknown hash runs nothing of it
        return [result() for _ in request_data]
    return result()


def persisted_queries(settings: GatewaySettings) -> PersistedQueries:
    return PersistedQueries(
        apq=settings.graphql_apq_enabled,
        cache_size=settings.graphql_apq_cache_size,
        registered=registered_operations(settings),
        registered_only=settings.graphql_registered_operations_only,
    )


def graphql_routes(settings: GatewaySettings) -> list[BaseRoute]:
    """``/graphql`` over HTTP and WebSocket, both served by one strawberry ASGI app."""
    ide = settings.environment == Environment.DEV
    app = _GraphQL(
        build_schema(settings),
        settings=settings,
        limits=limits_of(settings),
        max_batch=settings.graphql_max_batch,
        persisted=persisted_queries(settings),
        graphql_ide="graphiql" if ide else None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.graphql_max_subscriptions_per_connection,
    )
    return [Route("/graphql", app, include_in_schema=False), WebSocketRoute("/graphql", app)]


__all__ = ["ProblemError", "graphql_routes"]
