"""Relay-style cursor connections. Cursors are opaque (base64 of an offset or a key)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry

from peerlab.gateway.graphql.errors import GatewayError

T = TypeVar("T")
MAX_PAGE = 500
DEFAULT_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = None

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str | None, kind: str) -> str | None:
    if cursor is None:
        return None
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise GatewayError("invalid_cursor", "The cursor is not valid.") from exc
    if prefix != kind:
        raise GatewayError("invalid_cursor", "The cursor belongs to another list.")
    return value


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise GatewayError("invalid_page_size", f"first must be between 0 and {MAX_PAGE}.")
    return first


def paginate_list(items: Sequence[T], *, first: int | None, after: str | None) -> Connection[T]:
    """A page of an in-memory list (offset cursors)."""
    size = page_size(first)
    raw = decode_cursor(after, "o")
    start = int(raw) + 1 if raw is not None and raw.isdigit() else 0
    window = items[start : start + size]
    edges = [Edge(cursor=encode_cursor("o", start + i), node=node) for i, node in enumerate(window)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + size < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(items),
    )


def keyset_page(nodes: list[T], keys: list[str], *, size: int, has_previous: bool) -> Connection[T]:
    """A page fetched with ``limit = size + 1`` ordered by ``keys``."""
    more = len(nodes) > size
    nodes, keys = nodes[:size], keys[:size]
    edges = [Edge(cursor=encode_cursor("k", key), node=node) for node, key in zip(nodes, keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
