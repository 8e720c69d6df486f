"""Synthetic but realistic hand-ins: valid nbformat v4 notebooks of a course-like size mix."""

from __future__ import annotations

import base64
import json
import random

KB = 1024
MB = 1024 * KB


def size_mix(rng: random.Random, *, max_mb: float) -> int:
    """Most lab notebooks are small; some carry plots; a few are near the limit."""
    roll = rng.random()
    if roll < 0.6:
        size = rng.randint(40 * KB, 500 * KB)
    elif roll < 0.9:
        size = rng.randint(500 * KB, 2 * MB)
    else:
        size = rng.randint(2 * MB, 5 * MB)
    return min(size, int(max_mb * MB))


def notebook(target: int, rng: random.Random) -> bytes:
    """Markdown and code cells with text outputs, and base64 PNG plots filling up to ``target`` bytes."""
    cells: list[dict] = []
    for i in range(rng.randint(12, 40)):
        if i % 3 == 0:
            cells.append(
                {
                    "cell_type": "markdown",
                    "id": f"m{i}",
                    "metadata": {},
                    "source": [f"## Exercise {i // 3 + 1}\n", "Explain what the network learns.\n"],
                }
            )
            continue
        lines = [f"loss = train(model, epoch={e})\n" for e in range(rng.randint(2, 12))]
        out = "".join(f"epoch {e}: loss {rng.random():.4f}\n" for e in range(rng.randint(3, 40)))
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "execution_count": i,
                "metadata": {},
                "source": lines,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": out}],
            }
        )
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.9.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    size = len(json.dumps(nb))
    code = [c for c in cells if c["cell_type"] == "code"]
    plot = 0
    while size < target:
        raw = min(400 * KB, max(KB, int((target - size) * 3 / 4)))
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + rng.randbytes(raw)).decode()
        code[plot % len(code)]["outputs"].append(
            {"output_type": "display_data", "data": {"image/png": png, "text/plain": ["<Figure>"]}, "metadata": {}}
        )
        plot += 1
        size += len(png) + 80
    return json.dumps(nb, indent=1).encode()


def for_student(index: int, *, seed: int, max_mb: float) -> bytes:
    rng = random.Random(seed * 1_000_003 + index)
    return notebook(size_mix(rng, max_mb=max_mb), rng)
