"""Run validation in worker processes, off the event loop, with a hard time budget.

Why processes and not threads: parsing and schema checks hold the GIL, so a thread
would still stall the event loop, and a thread cannot be stopped. Why not a plain
``ProcessPoolExecutor``: on Python 3.11 it cannot stop one task that overruns. Here
each worker is a long-lived process with its own pipe; a call that exceeds
``timeout_s`` kills exactly that worker (others keep running) and is answered with
``too_complex``; the next call starts a fresh worker. Concurrency is bounded by
``max_workers``; time spent waiting for a free worker is not charged to the budget.
Workers may also get an address-space limit, so a pathological file fails with
``too_complex`` instead of exhausting the machine.

Workers start from a fork server (spawn where there is none), never by forking the
threaded service process; as with any such pool, the program's main module must be
import-safe (the usual ``if __name__ == "__main__":`` guard).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable, TypeVar

from .errors import TOO_COMPLEX, ValidationFailure
from .notebook import NotebookLimits, NotebookReport, validate_notebook
from .rules import AssignmentFileRules
from .upload import ValidationResult, validate_upload

T = TypeVar("T")
DEFAULT_MEMORY_LIMIT = 1024 * 1024 * 1024


def _worker_main(conn: Connection, memory_limit: int | None) -> None:
    """Loop in the worker: receive (function, kwargs), answer ("ok"|"fail"|"error", value)."""
    if memory_limit:
        try:
            import resource  # POSIX only

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, kwargs = message
        try:
            answer: tuple[str, Any] = ("ok", fn(**kwargs))
        except ValidationFailure as failure:
            answer = ("fail", failure)
        except (MemoryError, RecursionError):
            answer = ("fail", ValidationFailure(TOO_COMPLEX, "The file needs too much memory to check."))
        except Exception as exc:  # noqa: BLE001 — reported to the caller as a bug, not a verdict
            answer = ("error", f"{type(exc).__name__}: {exc}")
        del message, fn, kwargs
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tasks: int = field(default=0)

    def call(self, fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
        self.conn.send((fn, kwargs))
        return self.conn.recv()


class ValidatorPool:
    """A bounded set of validation worker processes; share one per service process."""

    def __init__(
        self,
        *,
        max_workers: int = 1,
        memory_limit_bytes: int | None = DEFAULT_MEMORY_LIMIT,
        max_tasks_per_worker: int = 500,
        start_method: str | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        method = start_method or ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            self._context.set_forkserver_preload([__name__])
        self._memory_limit = memory_limit_bytes
        self._max_tasks = max_tasks_per_worker
        self._slots = asyncio.Semaphore(max_workers)
        self._threads = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="validator")
        self._idle: list[_Worker] = []
        self._closed = False
        self.started = 0  # worker processes started (observability)
        self.killed = 0  # workers stopped for overrunning their budget

    async def run(self, fn: Callable[..., T], *, timeout_s: float, **kwargs: Any) -> T:
        """``fn(**kwargs)`` in a worker; ``too_complex`` if it takes longer than ``timeout_s``.

        ``fn`` must be a module-level function; arguments and result must pickle.
        ``ValidationFailure`` raised in the worker is raised here unchanged.
        """
        if self._closed:
            raise RuntimeError("the validator pool is closed")
        loop = asyncio.get_running_loop()
        async with self._slots:
            worker = self._idle.pop() if self._idle else await self._new_worker(loop)
            call = loop.run_in_executor(self._threads, worker.call, fn, kwargs)
            try:
                status, value = await asyncio.wait_for(asyncio.shield(call), timeout_s)
            except BaseException as exc:  # overrun, cancelled caller or a dead worker
                # Killing the process makes the blocked recv() return, which frees the thread.
                worker.process.kill()
                await asyncio.shield(asyncio.gather(call, return_exceptions=True))
                await asyncio.shield(loop.run_in_executor(self._threads, self._reap, worker))
                if isinstance(exc, TimeoutError):
                    self.killed += 1
                    raise ValidationFailure(
                        TOO_COMPLEX,
                        f"The file took longer than {timeout_s:g} s to check.",
                        details={"limit": "timeout_s", "max": timeout_s},
                    ) from None
                if isinstance(exc, (EOFError, OSError)):
                    raise RuntimeError("the validation worker exited unexpectedly") from exc
                raise
            worker.tasks += 1
            if worker.tasks >= self._max_tasks or self._closed:
                await loop.run_in_executor(self._threads, self._retire, worker)
            else:
                self._idle.append(worker)
        if status == "ok":
            return value
        if status == "fail":
            raise value
        raise RuntimeError(f"validation worker failed: {value}")

    async def _new_worker(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        spawning = loop.run_in_executor(self._threads, self._spawn)
        try:
            worker = await asyncio.shield(spawning)
        except asyncio.CancelledError:
            # The process still starts; keep it for the next caller instead of leaking it.
            spawning.add_done_callback(self._adopt)
            raise
        self.started += 1
        return worker

    def _adopt(self, spawning: asyncio.Future[_Worker]) -> None:
        if spawning.cancelled() or spawning.exception() is not None:
            return
        worker = spawning.result()
        if self._closed:
            worker.process.kill()
        else:
            self._idle.append(worker)

    async def warm_up(self) -> None:
        """Start a worker and compile the notebook schemas now rather than on the first upload."""
        from .warm_up import warm_up_checks

        await self.run(warm_up_checks, timeout_s=60)

    async def close(self) -> None:
        self._closed = True
        loop = asyncio.get_running_loop()
        idle, self._idle = self._idle, []
        for worker in idle:
            await loop.run_in_executor(self._threads, self._retire, worker)
        self._threads.shutdown(wait=False)

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child, self._memory_limit),
            daemon=True,
            name="peerlab-validator",
        )
        process.start()
        child.close()
        return _Worker(process=process, conn=parent)

    @staticmethod
    def _reap(worker: _Worker) -> None:
        worker.process.join(5)
        worker.conn.close()

    @staticmethod
    def _retire(worker: _Worker) -> None:
        try:
            worker.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(5)
        worker.conn.close()


_default_pool: ValidatorPool | None = None


def default_pool() -> ValidatorPool:
    """A process-wide pool using half the cores (at least one), created on first use."""
    global _default_pool
    if _default_pool is None:
        _default_pool = ValidatorPool(max_workers=max(1, (os.cpu_count() or 2) // 2))
    return _default_pool


async def validate_notebook_off_loop(
    data: bytes,
    *,
    limits: NotebookLimits | None = None,
    timeout_s: float = 5.0,
    pool: ValidatorPool | None = None,
) -> NotebookReport:
    """``validate_notebook`` in a worker process; overrunning ``timeout_s`` is ``too_complex``."""
    return await (pool or default_pool()).run(
        validate_notebook, timeout_s=timeout_s, data=data, limits=limits or NotebookLimits()
    )


async def validate_upload_off_loop(
    *,
    kind_rules: AssignmentFileRules,
    file_name: str,
    data: bytes,
    timeout_s: float = 10.0,
    pool: ValidatorPool | None = None,
) -> ValidationResult:
    """``validate_upload`` (notebooks and PDFs alike) in a worker process, time-bounded."""
    return await (pool or default_pool()).run(
        validate_upload, timeout_s=timeout_s, kind_rules=kind_rules, file_name=file_name, data=data
    )
