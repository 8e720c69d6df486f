"""The submissions API: ``uvicorn peerlab.submissions.main:app``."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from peerlab.chassis.app import create_service_app
from peerlab.chassis.errors import problem_response
from peerlab.chassis.storage import (
    FilesystemObjectStore,
    filesystem_object_router,
    install_storage_problem_handlers,
    make_object_store,
)
from peerlab.submissions.service.runtime import Runtime
from peerlab.submissions.receipts import ReceiptSigner
from peerlab.submissions.routers import (
    assignments,
    external_links,
    groups,
    handins,
    receipts,
    review_copies,
    seed,
    submissions,
)
from peerlab.submissions.settings import SubmissionsSettings, get_settings
from peerlab.submissions.validation import ValidationFailure, ValidatorPool

log = logging.getLogger("peerlab.submissions")

DESCRIPTION = """Hand-ins for the course: assignments and their deadlines, streamed and presigned uploads
validated before acceptance, versions, withdrawal, signed receipts, and reviewers' anonymised copies."""


def _check_storage(request: Request) -> None:
    request.app.state.runtime.store.ping()


def _log_warm_up_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("validation worker warm-up failed (the first hand-in will start one): %s", task.exception())


def _preload_worker_modules() -> None:
    """Validation workers fork from the forkserver; have it import what they run (store access
    included) once, so each new worker starts in milliseconds rather than seconds."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        multiprocessing.get_context("forkserver").set_forkserver_preload(
            ["peerlab.submissions.validation.off_loop", "peerlab.submissions.stored"]
        )


def create_app(settings: SubmissionsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    store = make_object_store(settings)
    routers = [
        assignments.router,
        handins.router,
        submissions.router,
        review_copies.router,
        receipts.router,
        seed.router,
        groups.router,
        external_links.router,
    ]
    if isinstance(store, FilesystemObjectStore):
        routers.append(filesystem_object_router(store))

    def start(app: FastAPI) -> None:
        # Blocking work handed to the loop's default executor: size it for the uploads we admit.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=settings.max_uploads_in_flight + 8, thread_name_prefix="io")
        )
        try:
            store.ensure_bucket()
        except Exception as exc:  # noqa: BLE001 - the store may come up later; /readyz reports it
            log.warning("object store not ready at startup: %s", exc)
        app.state.runtime = Runtime(
            settings=settings,
            engine=app.state.engine,
            store=store,
            signer=ReceiptSigner.from_settings(settings),
            pool=ValidatorPool(
                max_workers=settings.validation_workers,
                memory_limit_bytes=settings.validation_memory_limit_mb * 1024 * 1024,
            ),
            body_slots=asyncio.Semaphore(settings.max_concurrent_puts),
        )
        _preload_worker_modules()
        if settings.validation_warm_up:  # start a validation worker now, not on the first hand-in
            app.state.warm_up = asyncio.get_running_loop().create_task(app.state.runtime.pool.warm_up())
            app.state.warm_up.add_done_callback(_log_warm_up_failure)

    app = create_service_app(
        settings=settings,
        title="Peerlab submissions",
        description=DESCRIPTION,
        routers=routers,
        readiness={"storage": _check_storage},
        on_startup=[start],
    )
    install_storage_problem_handlers(app)

    @app.exception_handler(ValidationFailure)
    async def _rejected(request: Request, exc: ValidationFailure) -> JSONResponse:
        return problem_response(
            exc.status, exc.code, exc.message, instance=request.url.path, extra={"details": exc.details}
        )

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            try:
                yield
            finally:
                runtime = getattr(app.state, "runtime", None)
                if runtime is not None:
                    await runtime.pool.close()

    app.router.lifespan_context = lifespan
    return app


class _LazyApp:
    """``app`` for uvicorn, built on first use so importing this module stays cheap."""

    _app: FastAPI | None = None

    def _get(self) -> FastAPI:
        if self._app is None:
            self._app = create_app()
        return self._app

    async def __call__(self, scope, receive, send) -> None:
        await self._get()(scope, receive, send)

    def __getattr__(self, name: str):
        return getattr(self._get(), name)


app = _LazyApp()
