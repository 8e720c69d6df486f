"""What the hand-in use cases need from the app (``app.state.runtime``), and their transactions.

A hand-in spans two short transactions with the file's bytes in between (a request never holds a
connection while bytes arrive), so its use cases take this runtime: they run the session-level
steps of ``service.handins`` each in its own ``unit_of_work`` through ``in_transaction``; those
steps never commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from prometheus_client import Histogram
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.db import unit_of_work
from peerlab.chassis.errors import unavailable
from peerlab.chassis.storage import ObjectStore
from peerlab.submissions.receipts import ReceiptSigner
from peerlab.submissions.settings import SubmissionsSettings
from peerlab.submissions.stored import StoreConfig
from peerlab.submissions.validation import ValidatorPool

T = TypeVar("T")
SQLITE_RETRIES = 20
STAGE_SECONDS = Histogram(
    "peerlab_submissions_handin_stage_seconds",
    "Time spent in each step of a hand-in",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)


@dataclass
class Runtime:
    """The app's engine, store, receipt signer and validation workers, and the admission counters."""

    settings: SubmissionsSettings
    engine: Engine
    store: ObjectStore
    signer: ReceiptSigner
    pool: ValidatorPool
    in_flight: int = 0
    # Hand-ins holding their file in memory at once; the others wait with their bodies unread.
    body_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))

    @cached_property
    def store_config(self) -> StoreConfig:
        return StoreConfig.of(self.settings)

    def admit(self) -> None:
        if self.in_flight >= self.settings.max_uploads_in_flight:
            raise unavailable("too_busy", "Too many uploads in progress; try again shortly.", retry_after_s=2)
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1


def _run(engine: Engine, fn: Callable[[Session], T]) -> T:
    """``fn`` in one transaction; SQLite's "database is locked" (a concurrent writer) is retried."""
    for attempt in range(SQLITE_RETRIES):
        try:
            with unit_of_work(engine) as session:
                return fn(session)
        except OperationalError as exc:
            if engine.dialect.name != "sqlite" or "locked" not in str(exc) or attempt == SQLITE_RETRIES - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


async def in_transaction(engine: Engine, fn: Callable[[Session], T]) -> T:
    """``fn(session)`` in its own committed transaction, in the thread pool."""
    return await run_in_threadpool(_run, engine, fn)
