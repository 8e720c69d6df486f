"""Per-request GraphQL context: the caller, their token, the service clients and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import aiohttp
from sqlalchemy.engine import Engine
from strawberry.fastapi import BaseContext

from peerlab.chassis.auth import Principal, verify_token
from peerlab.chassis.errors import ProblemError
from peerlab.gateway.clients.base import CallBudget, CallCounter, ServiceClient
from peerlab.gateway.clients.projects import ProjectsClient
from peerlab.gateway.clients.review import ReviewClient
from peerlab.gateway.clients.scheduling import SchedulingClient
from peerlab.gateway.clients.submissions import SubmissionsClient
from peerlab.gateway.graphql.errors import GatewayError, forbidden, not_authenticated
from peerlab.gateway.graphql.loaders import Loaders
from peerlab.gateway.settings import GatewaySettings

if TYPE_CHECKING:
    from peerlab.gateway.events.fanout import SubscriptionHub


@dataclass
class AppServices:
    """What the app holds for every request (created once at startup)."""

    settings: GatewaySettings
    engine: Engine
    http: aiohttp.ClientSession
    counter: CallCounter
    hub: SubscriptionHub | None


def _bearer(value: str | None) -> str | None:
    scheme, _, token = (value or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GatewayContext(BaseContext):
    def __init__(self, services: AppServices, token: str | None, *, call_budget: int | None = None) -> None:
        """``call_budget``: backend calls this context may make (HTTP requests; a WebSocket context
        lives as long as its connection and is not limited this way)."""
        super().__init__()
        self.services = services
        self.settings = services.settings
        self.call_budget = CallBudget(call_budget) if call_budget is not None else None
        self._token = token
        self._principal: Principal | None = None
        if token is not None:
            self._principal = verify_token(token, services.settings)  # raises 401 problem

    # --- the caller ------------------------------------------------------------------------
    def _resolve_ws_principal(self) -> None:
        """On WebSocket the token arrives in ``connection_init``'s payload, after the context exists."""
        params = getattr(self, "connection_params", None)
        if self._principal is None and isinstance(params, dict):
            token = _bearer(params.get("authorization") or params.get("Authorization"))
            if token:
                try:
                    self._principal = verify_token(token, self.settings)
                except ProblemError as exc:
                    raise GatewayError(exc.code, exc.detail) from exc
                self._token = token

    @property
    def principal(self) -> Principal | None:
        self._resolve_ws_principal()
        return self._principal

    @property
    def token(self) -> str | None:
        self._resolve_ws_principal()
        return self._token

    def user(self) -> Principal:
        principal = self.principal
        if principal is None:
            raise not_authenticated()
        return principal

    def staff(self) -> Principal:
        principal = self.user()
        if not principal.is_staff:
            raise forbidden("Staff only.")
        return principal

    def teacher(self) -> Principal:
        principal = self.user()
        if not principal.is_teacher:
            raise forbidden("Teachers only.")
        return principal

    def admin(self) -> Principal:
        principal = self.user()
        if "admin" not in principal.roles:
            raise forbidden("Admins only.")
        return principal

    def is_self_or_staff(self, person_id: str | None) -> bool:
        principal = self.principal
        return principal is not None and (principal.is_staff or principal.sub == person_id)

    # --- backends --------------------------------------------------------------------------
    def _client(self, service: str, base_url: str) -> ServiceClient:
        return ServiceClient(
            service=service,
            base_url=base_url,
            http=self.services.http,
            token=self.token,
            counter=self.services.counter,
            budget=self.call_budget,
        )

    @cached_property
    def submissions(self) -> SubmissionsClient:
        self.user()
        return SubmissionsClient(self._client("submissions", self.settings.submissions_url))

    @cached_property
    def review(self) -> ReviewClient:
        self.user()
        return ReviewClient(self._client("review", self.settings.review_url))

    @cached_property
    def projects(self) -> ProjectsClient:
        self.user()
        return ProjectsClient(self._client("projects", self.settings.projects_url))

    @cached_property
    def scheduling(self) -> SchedulingClient:
        self.user()
        return SchedulingClient(
            self._client("scheduling", self.settings.scheduling_url), course_id=self.settings.course_id
        )

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self)

    def extra(self) -> dict[str, Any]:
        return {}


def bearer_token(header: str | None) -> str | None:
    return _bearer(header)
