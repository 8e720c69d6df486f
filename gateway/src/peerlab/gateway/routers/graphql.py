"""The GraphQL endpoint (HTTP and WebSocket) at /graphql; GraphiQL in dev only."""

from __future__ import annotations

from typing import Any

from fastapi import Request, WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from peerlab.chassis.errors import ProblemError
from peerlab.gateway.graphql.context import AppServices, GatewayContext, bearer_token
from peerlab.gateway.graphql.schema import build_schema
from peerlab.gateway.settings import Environment, GatewaySettings


class _Router(GraphQLRouter):
    async def on_ws_connect(self, context: GatewayContext) -> Any:
        """Refuse a WebSocket whose ``connection_init`` carries no valid token."""
        try:
            principal = context.principal
        except Exception as exc:  # noqa: BLE001 - an invalid token is a rejection, not a crash
            raise ConnectionRejectionError({"code": "invalid_token"}) from exc
        if principal is None:
            raise ConnectionRejectionError({"code": "unauthenticated"})
        return None


def graphql_router(settings: GatewaySettings) -> GraphQLRouter:
    async def context_getter(request: Request = None, websocket: WebSocket = None) -> GatewayContext:  # type: ignore[assignment]
        connection = request if request is not None else websocket
        services: AppServices = connection.app.state.services
        token = bearer_token(connection.headers.get("authorization"))
        return GatewayContext(services, token)

    return _Router(
        build_schema(settings),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.environment == Environment.DEV else None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        include_in_schema=False,
    )


__all__ = ["ProblemError", "graphql_router"]
