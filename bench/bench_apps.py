"""uvicorn factories for the benchmarks: each service's own app plus one bare FastAPI endpoint.

``GET /bench/bare`` returns a constant without authentication or a database session, through the
same app (its middleware, exception handlers, router), so a benchmark can put the cost of a real
read beside the cost of serving any request at all, in the same process and the same run.
Run: ``uvicorn --app-dir bench --factory bench_apps:review``.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI


def _with_bare(service: str) -> FastAPI:
    app = importlib.import_module(f"peerlab.{service}.main").create_app()

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    # The bare route must win over catch-all routes added before it: move it to the front.
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def submissions() -> FastAPI:
    return _with_bare("submissions")


def review() -> FastAPI:
    return _with_bare("review")


def projects() -> FastAPI:
    return _with_bare("projects")


def scheduling() -> FastAPI:
    return _with_bare("scheduling")


def gateway() -> FastAPI:
    return _with_bare("gateway")
