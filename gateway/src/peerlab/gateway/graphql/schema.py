"""The schema and its hardening: depth, alias and token limits, batching limit, caches, masking,
and (in production) no introspection and no field suggestions."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from peerlab.gateway.graphql.errors import should_mask
from peerlab.gateway.graphql.mutations import Mutation
from peerlab.gateway.graphql.queries import Query
from peerlab.gateway.graphql.subscriptions import Subscription
from peerlab.gateway.settings import GatewaySettings


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    extensions = [
        MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
        ParserCache(maxsize=256),
        ValidationCache(maxsize=256),
        MaskErrors(should_mask_error=should_mask),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection())
    config = StrawberryConfig(
        disable_field_suggestions=settings.is_production,
        batching_config={"max_operations": settings.graphql_max_batch},
    )
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions,
                             config=config)
