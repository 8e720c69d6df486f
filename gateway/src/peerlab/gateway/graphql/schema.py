"""The schema and its hardening: token limit, cost/depth/alias measures (``budget``), validation
under a time budget, batching limit, parser cache, masking, and (in production) no introspection
and no field suggestions.

Extensions are given as factories, so every operation gets instances of its own.
"""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.extensions import DisableIntrospection, MaskErrors, ParserCache
from strawberry.schema.config import StrawberryConfig

from peerlab.gateway.graphql.budget import Limits, QueryBudget, ValidationResults
from peerlab.gateway.graphql.errors import should_mask
from peerlab.gateway.graphql.mutations import Mutation
from peerlab.gateway.graphql.queries import Query
from peerlab.gateway.graphql.subscriptions import Subscription
from peerlab.gateway.persisted_queries import RegisteredOperationsOnly, registered_operations
from peerlab.gateway.settings import GatewaySettings


def limits_of(settings: GatewaySettings) -> Limits:
    return Limits(
        max_tokens=settings.graphql_max_tokens,
        max_cost=settings.graphql_max_cost,
        max_depth=settings.graphql_max_depth,
        max_introspection_depth=settings.graphql_max_introspection_depth,
        max_aliases=settings.graphql_max_aliases,
        validation_budget_s=settings.graphql_validation_budget_ms / 1000,
    )


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    extensions: list = [
        partial(QueryBudget, limits=limits_of(settings), cache=ValidationResults(256)),
        partial(ParserCache, maxsize=256),
        partial(MaskErrors, should_mask_error=should_mask),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    if settings.graphql_registered_operations_only:  # last: its refusal wins (WebSocket operations too)
        extensions.append(partial(RegisteredOperationsOnly, registered=registered_operations(settings)))
    config = StrawberryConfig(
        disable_field_suggestions=settings.is_production,
        batching_config={"max_operations": settings.graphql_max_batch},
    )
    return strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions, config=config
    )
