"""One async HTTP client per process; a thin per-request wrapper that forwards the caller's token.

The client is an aiohttp session over one keep-alive connection pool to all services: a GraphQL
request makes a few small calls, and aiohttp's per-call CPU is a fraction of httpx's (bodies are
encoded and decoded with orjson). Every backend call is counted (service, method, route template)
so tests and metrics can see how many calls a GraphQL operation costs.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from prometheus_client import Counter

from peerlab.chassis.observability import CORRELATION_HEADER, current_correlation_id
from peerlab.chassis.tracing import inject_headers

BACKEND_CALLS = Counter(
    "peerlab_gateway_backend_calls_total", "Calls from the gateway to services", ["service", "method", "route"]
)


class CallCounter:
    """Thread-safe tally of backend calls by (service, method, route)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: collections.Counter[tuple[str, str, str]] = collections.Counter()

    def add(self, service: str, method: str, route: str) -> None:
        with self._lock:
            self.calls[(service, method, route)] += 1
        BACKEND_CALLS.labels(service, method, route).inc()

    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def snapshot(self) -> dict[tuple[str, str, str], int]:
        with self._lock:
            return dict(self.calls)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()


class CallBudget:
    """Backend calls one HTTP GraphQL request may make. The document measures bound its fields, but
    a field that calls a service once per item (a download link per review task) can still turn a
    small document over a long list into hundreds of calls; past the limit the call is refused
    (a visible 429 ``too_many_backend_calls`` error on that field)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, service: str) -> None:
        self.used += 1
        if self.used > self.limit:
            raise BackendError(
                service,
                429,
                "too_many_backend_calls",
                f"This request needs more than {self.limit} calls to the services; ask for less.",
            )


class BackendError(Exception):
    """A service answered with a problem (4xx/5xx) or could not be reached."""

    def __init__(self, service: str, status: int, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(f"{service}: {status} {code}: {detail}")
        self.service = service
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field

    @property
    def expected(self) -> bool:
        """A 4xx is the caller's business (shown as a typed error); anything else is ours (masked)."""
        return 400 <= self.status < 500


def make_http_client(*, timeout_s: float, max_connections: int) -> aiohttp.ClientSession:
    """The process's pooled client (call inside the event loop; close with ``await client.close()``)."""
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=max_connections, keepalive_timeout=30, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        trust_env=False,
        json_serialize=lambda value: orjson.dumps(value).decode(),
        auto_decompress=True,
        raise_for_status=False,
    )


def _query(params: dict[str, Any] | None) -> list[tuple[str, str]] | None:
    """Query parameters as httpx wrote them: lists repeat the key, booleans are lower case, None is empty."""
    if not params:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if item is None:
                text = ""
            elif isinstance(item, bool):
                text = "true" if item else "false"
            else:
                text = str(item)
            pairs.append((key, text))
    return pairs


def _field_of(problem: dict) -> str | None:
    errors = problem.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        loc = [str(p) for p in errors[0].get("loc", []) if p not in ("body", "query", "path")]
        return ".".join(loc) or None
    return problem.get("field")


class ServiceClient:
    """Calls one service as the current caller (their token), counting each call."""

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        http: aiohttp.ClientSession,
        token: str | None,
        counter: CallCounter,
        budget: CallBudget | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.token = token
        self.counter = counter
        self.budget = budget

    def _headers(self) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        correlation = current_correlation_id()
        if correlation:
            headers[CORRELATION_HEADER] = correlation
        return inject_headers(headers)

    async def request(
        self,
        method: str,
        route: str,
        *,
        path_params: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """``route`` is a template such as ``/v1/submissions/{id}``; returns the decoded JSON (or None)."""
        path = route.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        if self.budget is not None:
            self.budget.spend(self.service)
        self.counter.add(self.service, method, route)
        all_headers = {**self._headers(), **(headers or {})}
        body = None
        if json is not None:
            body = orjson.dumps(json)
            all_headers["content-type"] = "application/json"
        try:
            async with self.http.request(
                method,
                self.base_url + path,
                params=_query(params),
                data=body,
                headers=all_headers,
                allow_redirects=False,
            ) as response:
                status, reason = response.status, response.reason
                content = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise BackendError(
                self.service, 503, "service_unavailable", f"{self.service} is unavailable ({exc.__class__.__name__})"
            ) from exc
        if status >= 400:
            try:
                problem = orjson.loads(content)
            except ValueError:
                problem = {}
            if not isinstance(problem, dict):
                problem = {}
            raise BackendError(
                self.service,
                status,
                str(problem.get("code") or "error"),
                str(problem.get("detail") or reason or status),
                field=_field_of(problem),
            )
        if status == 204 or not content:
            return None
        return orjson.loads(content)

    async def get(self, route: str, **kwargs: Any) -> Any:
        return await self.request("GET", route, **kwargs)

    async def post(self, route: str, **kwargs: Any) -> Any:
        return await self.request("POST", route, **kwargs)

    async def put(self, route: str, **kwargs: Any) -> Any:
        return await self.request("PUT", route, **kwargs)

    async def delete(self, route: str, **kwargs: Any) -> Any:
        return await self.request("DELETE", route, **kwargs)
