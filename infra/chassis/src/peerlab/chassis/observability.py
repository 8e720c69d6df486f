"""JSON logs with the correlation id, carried from HTTP into events and back; Prometheus metrics."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "X-Correlation-ID"
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

HTTP_REQUESTS = Counter("peerlab_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("peerlab_http_request_seconds", "HTTP request latency", ["service", "method", "route"])


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None):  # returns a contextvar token
    return _correlation_id.set(value)


def reset_correlation_id(token) -> None:
    _correlation_id.reset(token)


class _CorrelationFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id()
        record.service = self.service
        return True


def configure_logging(service: str, *, level: str = "INFO", json_format: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_format:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"))
    handler.addFilter(_CorrelationFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)


_CID_HEADER = CORRELATION_HEADER.lower().encode()
_CID_HEADER_OUT = CORRELATION_HEADER.encode()
# Routes are templates and methods few; the bound keeps a flood of odd methods from growing it.
MAX_CACHED_SERIES = 2048
_CID_ALLOWED = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def correlation_id_from(scope: Scope) -> str | None:
    """The caller's correlation id if it is a short printable token, else None (a new one is made).

    Header values are bytes of any encoding; nothing here decodes them as UTF-8, and a value that
    is not a plain token is not echoed back or logged.
    """
    for key, value in scope.get("headers", []):
        if key.lower() == _CID_HEADER:
            text = value.decode("latin-1").strip()
            return text if _CID_ALLOWED.fullmatch(text) else None
    return None


class CorrelationAndMetricsMiddleware:
    """Pure ASGI middleware: correlation id in and out, request count and latency by route."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self._children: dict[tuple[str, str, int], tuple] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = correlation_id_from(scope) or str(uuid.uuid4())
        token = set_correlation_id(cid)
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_CID_HEADER_OUT, cid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            count, latency = self._series(scope["method"], path, status["code"])
            count.inc()
            latency.observe(time.perf_counter() - started)
            reset_correlation_id(token)

    def _series(self, method: str, path: str, code: int):
        """The request's counter and histogram children, looked up once per (method, route, status)."""
        key = (method, path, code)
        series = self._children.get(key)
        if series is None:
            series = (
                HTTP_REQUESTS.labels(self.service, method, path, str(code)),
                HTTP_LATENCY.labels(self.service, method, path),
            )
            if len(self._children) < MAX_CACHED_SERIES:
                self._children[key] = series
        return series


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
