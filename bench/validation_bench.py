"""Notebook validation CPU time: our bounded validator vs nbformat's jsonschema validator.

Builds a ~5 MB pathological but valid notebook (2,000 cells, ~10,000 small outputs,
nesting close to the depth limit, long line lists, a few large base64 images) and
measures CPU time (``time.process_time``, best of ``--repeat``) for:

- ours: ``validate_notebook`` on the raw bytes (msgspec fast path, exact path when it defers);
- old path: ``validate_notebook_exactly`` (pre-scan, ``json.loads``, limits, fastjsonschema),
  which ``validate_notebook`` used alone before the fast path and still uses for refusals;
- floors: bare ``json.loads`` and the bare typed msgspec decode of the same bytes;
- baseline: ``json.loads`` + ``nbformat.validate`` with the ``jsonschema`` backend;
- reference: ``json.loads`` + ``nbformat.validate`` with nbformat's default backend.

The same notebook with one invalid output at the end shows the cost of rejection,
where ``nbformat.validate`` re-validates with ``jsonschema`` to word its message.
Also timed: refusing a 100,000-deep array and a 50 MB base64 output.

Run: python bench/validation_bench.py [--megabytes 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any, Callable

import nbformat

from peerlab.submissions.validation import (
    NotebookLimits,
    ValidationFailure,
    ValidatorPool,
    validate_notebook,
    validate_notebook_off_loop,
)
from peerlab.submissions.validation.notebook import validate_notebook_exactly
from peerlab.submissions.validation.notebook_types import NOTEBOOK_DECODER

GOAL_S = 1.0


def nested(depth: int) -> Any:
    node: Any = {"leaf": "x"}
    for level in range(depth):
        node = {"n": node, "i": level} if level % 2 else [node, level]
    return node


def pathological_notebook(megabytes: float) -> bytes:
    """2,000 cells, 8 outputs per code cell; the line count per cell is scaled to ~``megabytes``.

    Built from plain dicts (nbformat's constructors validate every cell, which is slow).
    """
    image = "iVBORw0KGgo" + "A" * 150_000
    lines = 1
    while True:
        cells = []
        for c in range(2_000):
            source = [f"x{j} = {j}  # cell {c}\n" for j in range(lines)]
            base = {"id": f"c{c}", "metadata": {"tags": ["t"]}, "source": source}
            if c % 5 == 0:
                cells.append({**base, "cell_type": "markdown"})
                continue
            if c % 5 == 1:
                cells.append({**base, "cell_type": "raw"})
                continue
            deep = nested(50) if c % 100 == 2 else nested(3)
            outputs: list[dict[str, Any]] = [
                {"output_type": "stream", "name": "stdout", "text": [f"{k}\n" for k in range(lines)]},
                {
                    "output_type": "display_data",
                    "metadata": {"isolated": True},
                    "data": {"text/plain": ["<object>"], "text/html": "<b>x</b>", "application/json": deep},
                },
                {"output_type": "execute_result", "execution_count": c, "metadata": {}, "data": {"text/plain": str(c)}},
                {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["frame"] * 3},
            ] * 2
            if c % 400 == 2:
                outputs.append(
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"image/png": image, "text/plain": "<Figure>"},
                    }
                )
            cells.append(
                {
                    **base,
                    "cell_type": "code",
                    "execution_count": c,
                    "outputs": outputs,
                    "metadata": {"execution": {"iopub.status.busy": "2021-09-06T10:00:00Z"}},
                }
            )
        nb = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "cells": cells,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
                "extra": {f"key{i}": {"v": [i, str(i), None, True]} for i in range(300)},
            },
        }
        data = (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
        if len(data) >= megabytes * 1_000_000 or lines > 200:
            return data
        lines = max(lines + 1, int(lines * megabytes * 1_000_000 / len(data)))


def with_one_invalid_output(data: bytes) -> bytes:
    nb = json.loads(data)
    nb["cells"][-1]["outputs"].append({"output_type": "stream", "name": "stdout"})  # no text
    return json.dumps(nb).encode()


def best_cpu(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def ours(data: bytes, check: Callable[..., Any] = validate_notebook) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return check(data, limits=NotebookLimits())
        except ValidationFailure as failure:
            return failure

    return run


def old_path(data: bytes) -> Callable[[], Any]:
    return ours(data, validate_notebook_exactly)


def nbformat_validate(data: bytes, backend: str | None) -> Callable[[], Any]:
    def run() -> Any:
        saved = os.environ.get("NBFORMAT_VALIDATOR")
        if backend:
            os.environ["NBFORMAT_VALIDATOR"] = backend
        try:
            nbformat.validate(json.loads(data))
        except nbformat.ValidationError as error:
            return error
        finally:
            if backend is not None and saved is None:
                os.environ.pop("NBFORMAT_VALIDATOR", None)
            elif backend is not None:
                os.environ["NBFORMAT_VALIDATOR"] = saved

    return run


async def off_loop_wall(data: bytes, repeat: int) -> float:
    pool = ValidatorPool(max_workers=1)
    try:
        await pool.warm_up()
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            await validate_notebook_off_loop(data, limits=NotebookLimits(), timeout_s=30, pool=pool)
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = pathological_notebook(args.megabytes)
    report = validate_notebook(data)
    print(f"notebook: {len(data) / 1e6:.2f} MB, {report.cell_count} cells, {report.output_count} outputs")
    ours(data)()  # compile the schema once, as a warmed-up worker would have
    invalid = with_one_invalid_output(data)
    ours(invalid)()

    ours_valid = best_cpu(ours(data), args.repeat)
    old_valid = best_cpu(old_path(data), args.repeat)
    loads_valid = best_cpu(lambda: json.loads(data), args.repeat)
    decode_valid = best_cpu(lambda: NOTEBOOK_DECODER.decode(data), args.repeat)
    old_invalid = best_cpu(old_path(invalid), args.repeat)
    baseline_valid = best_cpu(nbformat_validate(data, "jsonschema"), 1)
    default_valid = best_cpu(nbformat_validate(data, None), args.repeat)
    ours_invalid = best_cpu(ours(invalid), args.repeat)
    default_invalid = best_cpu(nbformat_validate(invalid, None), 1)

    print("\nCPU seconds (time.process_time, best of runs)")
    print(
        f"  valid    ours {ours_valid:7.3f}   old path (pre-scan+json.loads+fastjsonschema) {old_valid:7.3f}"
        f"   old / ours {old_valid / ours_valid:6.1f}x"
    )
    print(
        f"  valid    ours {ours_valid:7.3f}   bare json.loads {loads_valid:7.3f}   ours / json.loads"
        f" {ours_valid / loads_valid:5.2f}x   bare msgspec typed decode {decode_valid:7.3f}"
    )
    print(
        f"  invalid  ours {ours_invalid:7.3f}   old path {old_invalid:7.3f}   old / ours {old_invalid / ours_invalid:6.1f}x"
    )
    print(
        f"  valid    ours {ours_valid:7.3f}   nbformat+jsonschema (baseline) {baseline_valid:7.3f}"
        f"   ratio {baseline_valid / ours_valid:6.1f}x"
    )
    print(
        f"  valid    ours {ours_valid:7.3f}   nbformat.validate default      {default_valid:7.3f}"
        f"   ratio {default_valid / ours_valid:6.1f}x"
    )
    print(
        f"  invalid  ours {ours_invalid:7.3f}   nbformat.validate default      {default_invalid:7.3f}"
        f"   ratio {default_invalid / ours_invalid:6.1f}x"
    )
    verdict = "met" if max(ours_valid, ours_invalid) <= GOAL_S else "MISSED"
    print(f"  goal <= {GOAL_S:.1f} s for ours: {verdict}")

    deep = b"[" * 100_000 + b"]" * 100_000
    big_output = json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "id": "a",
                    "cell_type": "code",
                    "metadata": {},
                    "source": "",
                    "execution_count": 1,
                    "outputs": [
                        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * (50 * 1024 * 1024)}}
                    ],
                }
            ],
        }
    ).encode()
    roomy = NotebookLimits(max_bytes=64 * 1024 * 1024)
    deep_s = best_cpu(ours(deep), args.repeat)
    big_s = best_cpu(lambda: validate_notebook_or_code(big_output, roomy), args.repeat)
    print(
        f"\nrefusals: 100k-deep array {deep_s * 1000:.1f} ms ({validate_notebook_or_code(deep)}), "
        f"50 MB output {big_s * 1000:.1f} ms ({validate_notebook_or_code(big_output, roomy)})"
    )

    wall = asyncio.run(off_loop_wall(data, args.repeat))
    print(f"off the loop (worker process, incl. transfer): {wall:.3f} s wall")


def validate_notebook_or_code(data: bytes, limits: NotebookLimits | None = None) -> str:
    try:
        validate_notebook(data, limits=limits or NotebookLimits())
    except ValidationFailure as failure:
        return failure.code
    return "valid"


if __name__ == "__main__":
    main()
