"""Liveness (``/healthz``) and readiness (``/readyz``: database, broker, storage reachable)."""

from __future__ import annotations

import socket
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

Check = Callable[[Request], None]


def check_database(request: Request) -> None:
    with request.app.state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_broker(request: Request) -> None:
    first = request.app.state.settings.kafka_bootstrap.split(",")[0]
    host, _, port = first.rpartition(":")
    with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1.0):
        pass


def health_router(checks: dict[str, Check]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check(request)
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                results[name] = f"unavailable: {exc.__class__.__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results}, status_code=200 if ready else 503
        )

    return router
