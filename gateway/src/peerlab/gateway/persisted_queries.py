"""Persisted queries: automatic persisted queries (Apollo's APQ protocol) and, for production, an
allow-list of registered operations.

**APQ.** A client sends ``extensions.persistedQuery = {version: 1, sha256Hash}`` without ``query``;
a known hash runs the query stored under it, an unknown one is answered (200) with the GraphQL error
``PersistedQueryNotFound`` (``extensions.code`` ``PERSISTED_QUERY_NOT_FOUND``), and the client sends
hash and query together, which stores it (after the query passed the document measures). The cache
is per process and bounded (LRU).

**Registered operations only** (``GRAPHQL_REGISTERED_OPERATIONS_ONLY``). Only operations in the
manifest (``GRAPHQL_OPERATION_MANIFEST``, Apollo's persisted-query manifest format) run, whether sent
by hash or as text; anything else is refused before it is parsed: 400 ``operation_not_registered``
(over WebSocket, the same code in the error's ``extensions``). The manifest is generated from the
front end's operations: ``python -m peerlab.gateway.persisted_queries`` (see ``main``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
FRONT_END = Path(__file__).parent / "static" / "overview.html"
DEFAULT_MANIFEST = Path(__file__).parent / "operations.json"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_SCRIPT = re.compile(
    r'<script type="application/graphql" data-operation="([A-Za-z_][A-Za-z0-9_]*)">(.*?)</script>', re.DOTALL
)


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


class Refused(Exception):
    """A persisted-query request refused: ``status`` and a stable ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class NotFound(Exception):
    """The hash is not known (yet): the client should send the query with it."""


@dataclass(frozen=True)
class Operation:
    name: str
    type: str
    body: str

    @property
    def id(self) -> str:
        return sha256_hex(self.body)


def load_manifest(path: str | Path) -> dict[str, str]:
    """hash -> body of every operation in an Apollo persisted-query manifest; each id is checked."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
        raise ValueError(f"{path}: not an {MANIFEST_FORMAT} version 1")
    operations = {}
    for op in data["operations"]:
        if sha256_hex(op["body"]) != op["id"]:
            raise ValueError(f"{path}: operation {op.get('name')} does not match its id")
        operations[op["id"]] = op["body"]
    return operations


def registered_operations(settings: Any) -> dict[str, str]:
    """The manifest a gateway's settings name (``GatewaySettings``), else the shipped one."""
    return load_manifest(settings.graphql_operation_manifest or DEFAULT_MANIFEST)


class PersistedQueries:
    """Resolves the query text of a request (APQ cache or the registered operations)."""

    def __init__(
        self,
        *,
        apq: bool = True,
        cache_size: int = 1000,
        registered: dict[str, str] | None = None,
        registered_only: bool = False,
    ) -> None:
        if registered_only and registered is None:
            raise ValueError("registered_only needs a manifest of registered operations")
        self.apq = apq
        self.cache_size = cache_size
        self.registered = registered or {}
        self.registered_only = registered_only
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> tuple[str | None, str | None]:
        """(query text, hash to remember once the query has passed the measures, or None)."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.registered_only and (query is None or sha256_hex(query) not in self.registered):
                raise _unregistered()
            return query, None
        digest = _check_extension(persisted)
        if query is not None:
            if sha256_hex(query) != digest:
                raise Refused(400, "persisted_query_hash_mismatch", "sha256Hash is not the SHA-256 of query.")
            if self.registered_only:
                if digest not in self.registered:
                    raise _unregistered()
                return query, None
            if not self.apq:
                raise Refused(400, "persisted_query_not_supported", "Automatic persisted queries are off.")
            return query, digest
        known = self.registered.get(digest) or self._get(digest)
        if known is not None:
            return known, None
        if self.registered_only:
            raise _unregistered()
        if not self.apq:
            raise Refused(400, "persisted_query_not_supported", "Automatic persisted queries are off.")
        raise NotFound(digest)

    def remember(self, digest: str, query: str) -> None:
        with self._lock:
            self._cache[digest] = query
            self._cache.move_to_end(digest)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _get(self, digest: str) -> str | None:
        with self._lock:
            query = self._cache.get(digest)
            if query is not None:
                self._cache.move_to_end(digest)
            return query


def _check_extension(persisted: Any) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise Refused(400, "persisted_query_unsupported_version", "persistedQuery must be {version: 1, sha256Hash}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HASH.match(digest):
        raise Refused(400, "invalid_persisted_query_hash", "sha256Hash must be 64 lowercase hex digits.")
    return digest


def _unregistered() -> Refused:
    return Refused(400, "operation_not_registered", "This gateway runs only registered operations.")


def not_found_result() -> dict[str, Any]:
    """Apollo's answer to an unknown hash (the client then sends the query with it)."""
    return {"errors": [{"message": NOT_FOUND, "extensions": {"code": NOT_FOUND_CODE}}]}


class RegisteredOperationsOnly(SchemaExtension):
    """The allow-list for every transport (WebSocket subscriptions included); last in the list, so
    its refusal wins over validation's result."""

    def __init__(self, *, registered: dict[str, str]) -> None:
        self.registered = registered

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if sha256_hex(context.query or "") not in self.registered:
            context.pre_execution_errors = [
                GraphQLError(
                    "This gateway runs only registered operations.", extensions={"code": "operation_not_registered"}
                )
            ]
        yield


# --- the manifest, generated from the front end's operations --------------------------------------


def extract_operations(sources: list[Path]) -> list[Operation]:
    """Operations of ``.graphql`` files (one operation each) and of HTML pages (each
    ``<script type="application/graphql" data-operation="Name">``), the text exactly as sent (trimmed)."""
    found: dict[str, Operation] = {}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        bodies = [m.group(2) for m in _SCRIPT.finditer(text)] if source.suffix == ".html" else [text]
        for body in (b.strip() for b in bodies):
            definitions = [d for d in parse(body).definitions if isinstance(d, OperationDefinitionNode)]
            if len(definitions) != 1 or definitions[0].name is None:
                raise ValueError(f"{source}: each document holds exactly one named operation")
            op = Operation(definitions[0].name.value, definitions[0].operation.value, body)
            if found.setdefault(op.name, op) != op:
                raise ValueError(f"{source}: two different operations are named {op.name}")
    return sorted(found.values(), key=lambda op: op.name)


def manifest_json(operations: list[Operation]) -> str:
    data = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": [{"id": op.id, "name": op.name, "type": op.type, "body": op.body} for op in operations],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """``python -m peerlab.gateway.persisted_queries [OUT [SOURCE...]]``: write the manifest (default
    ``operations.json`` beside this module, from the course page); a test checks it is current."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_MANIFEST
    sources = [Path(a) for a in args[1:]] or [FRONT_END]
    out.write_text(manifest_json(extract_operations(sources)), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
