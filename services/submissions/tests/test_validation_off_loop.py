"""The off-loop runner: real worker processes, a hard time budget, bounded memory."""

from __future__ import annotations

import asyncio
import functools
import io
import time
from typing import Any, Awaitable, Callable, TypeVar

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from pypdf import PdfWriter

from peerlab.submissions.validation import (
    NotebookLimits,
    ValidationFailure,
    ValidatorPool,
    default_rules_for,
    validate_notebook_off_loop,
    validate_upload_off_loop,
)

T = TypeVar("T")


def with_pool(body: Callable[[ValidatorPool], Awaitable[T]], **options: Any) -> T:
    async def main() -> T:
        pool = ValidatorPool(**{"max_workers": 1, **options})
        try:
            return await body(pool)
        finally:
            await pool.close()

    return asyncio.run(main())


def notebook_bytes(cells: int = 3) -> bytes:
    nb = new_notebook()
    nb.cells = [new_code_cell(f"x = {i}") for i in range(cells)]
    return nbformat.writes(nb).encode()


def test_a_notebook_is_validated_in_a_worker() -> None:
    async def body(pool: ValidatorPool) -> Any:
        return await validate_notebook_off_loop(notebook_bytes(), limits=NotebookLimits(), timeout_s=30, pool=pool)

    assert with_pool(body).cell_count == 3


def test_failures_in_the_worker_arrive_unchanged() -> None:
    async def body(pool: ValidatorPool) -> ValidationFailure:
        with pytest.raises(ValidationFailure) as caught:
            await validate_notebook_off_loop(b"[" * 100_000, limits=NotebookLimits(), timeout_s=30, pool=pool)
        return caught.value

    found = with_pool(body)
    assert (found.code, found.details["limit"]) == ("too_complex", "max_depth")


def test_an_overrun_is_too_complex_and_only_that_worker_is_replaced() -> None:
    async def body(pool: ValidatorPool) -> tuple[ValidationFailure, int, Any, int]:
        await pool.warm_up()
        with pytest.raises(ValidationFailure) as caught:
            await pool.run(functools.partial(time.sleep, 60), timeout_s=0.5)
        after = await validate_notebook_off_loop(notebook_bytes(2), timeout_s=30, pool=pool)
        return caught.value, pool.killed, after, pool.started

    found, killed, after, started = with_pool(body)
    assert (found.code, found.status, found.details["limit"]) == ("too_complex", 422, "timeout_s")
    assert killed == 1
    assert after.cell_count == 2
    assert started == 2  # the overrunning worker was replaced, not reused


def test_a_cancelled_caller_does_not_leave_a_busy_worker() -> None:
    async def body(pool: ValidatorPool) -> Any:
        await pool.warm_up()
        task = asyncio.create_task(pool.run(functools.partial(time.sleep, 60), timeout_s=120))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await validate_notebook_off_loop(notebook_bytes(1), timeout_s=30, pool=pool)

    assert with_pool(body).cell_count == 1


def test_memory_exhaustion_in_a_worker_is_too_complex() -> None:
    async def body(pool: ValidatorPool) -> ValidationFailure:
        with pytest.raises(ValidationFailure) as caught:
            await pool.run(functools.partial(bytearray, 8 * 1024**3), timeout_s=30)
        return caught.value

    assert with_pool(body, memory_limit_bytes=1024**3).code == "too_complex"


def test_a_bug_in_the_worker_is_an_error_not_a_verdict() -> None:
    async def body(pool: ValidatorPool) -> None:
        with pytest.raises(RuntimeError, match="ValueError"):
            await pool.run(functools.partial(int, "not a number"), timeout_s=30)

    with_pool(body)


def test_concurrent_calls_share_a_bounded_pool() -> None:
    async def body(pool: ValidatorPool) -> list[Any]:
        return await asyncio.gather(
            *(validate_notebook_off_loop(notebook_bytes(n), timeout_s=60, pool=pool) for n in range(1, 6))
        )

    reports = with_pool(body, max_workers=2)
    assert [r.cell_count for r in reports] == [1, 2, 3, 4, 5]


def test_workers_are_recycled_after_max_tasks() -> None:
    async def body(pool: ValidatorPool) -> int:
        for _ in range(5):
            await validate_notebook_off_loop(notebook_bytes(1), timeout_s=30, pool=pool)
        return pool.started

    assert with_pool(body, max_tasks_per_worker=2) == 3
    assert with_pool(body, max_tasks_per_worker=100) == 1


def test_a_whole_upload_can_be_validated_off_loop() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)

    async def body(pool: ValidatorPool) -> Any:
        return await validate_upload_off_loop(
            kind_rules=default_rules_for("synopsis"),
            file_name="synopsis.pdf",
            data=buffer.getvalue(),
            timeout_s=30,
            pool=pool,
        )

    result = with_pool(body)
    assert (result.content, result.report.page_count) == ("pdf", 1)


def test_a_closed_pool_refuses_work() -> None:
    async def body() -> None:
        pool = ValidatorPool()
        await pool.close()
        with pytest.raises(RuntimeError, match="closed"):
            await pool.run(functools.partial(int, "1"), timeout_s=5)

    asyncio.run(body())
