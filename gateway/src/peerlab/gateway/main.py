"""The gateway app: GraphQL at /graphql, the roster and webhook admin REST API under /v1.

``uvicorn peerlab.gateway.main:app`` runs it; settings come from ``PEERLAB_GATEWAY_*``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from peerlab.chassis.app import create_service_app
from peerlab.gateway.clients.base import CallCounter, make_http_client
from peerlab.gateway.events.fanout import SubscriptionHub
from peerlab.gateway.graphql.context import AppServices
from peerlab.gateway.limits import RequestLimits
from peerlab.gateway.routers import lti, overview, roster, webhooks
from peerlab.gateway.routers.graphql import graphql_routes
from peerlab.gateway.settings import GatewaySettings, get_settings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        settings=settings,
        title="Peerlab gateway",
        description="GraphQL over all services, identity and roster, LMS webhooks.",
        routers=[roster.router, webhooks.router, overview.router, *([lti.router] if settings.lti_enabled else [])],
    )
    app.router.routes.extend(graphql_routes(settings))
    app.state.backend_calls = CallCounter()
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_request_bytes,
        larger={"/v1/roster/import": settings.max_roster_file_bytes},
    )
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            http = make_http_client(
                timeout_s=settings.backend_timeout_s, max_connections=settings.backend_max_connections
            )
            hub = None
            if settings.subscriptions_enabled:
                hub = SubscriptionHub(
                    settings.kafka_bootstrap,
                    queue_size=settings.subscription_queue_size,
                    max_replay=settings.subscription_max_replay,
                ).start()
            app.state.services = AppServices(
                settings=settings, engine=app.state.engine, http=http, counter=app.state.backend_calls, hub=hub
            )
            try:
                yield
            finally:
                if hub is not None:
                    hub.stop()
                await http.close()

    app.router.lifespan_context = lifespan
    return app


app = create_app()
