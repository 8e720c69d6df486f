"""Anonymised copies: the cost of masking the authors' identity, against the same anonymiser
without identities (the baseline) in the same run.

    uv run python bench/anonymise_bench.py            # a ~5 MB notebook
    uv run python bench/anonymise_bench.py --quick    # ~1 MB

Two notebooks: one that names nobody (the common case: a prefilter skips strings without any
term) and one with the author's first name in every output (the regex runs on every output).
Printed: best-of-N CPU seconds (`time.process_time`) and the ratio to the baseline. The copy is made in a validation
worker under ``validation_timeout_s`` (10 s by default), which is what the ratio must leave room for.
"""

from __future__ import annotations

import argparse
import json
import time

from peerlab.submissions.anonymise import anonymise_notebook
from peerlab.submissions.validation import NotebookLimits

IDENTITIES = [
    "s210001",
    "Yolanda Smith",
    "yolanda.smith@example.com",
    "s210002",
    "Bartholomew Jones",
    "bj@example.org",
    "Yoyo Smythe",
]


def notebook(cells: int, lines: int, extra: str) -> bytes:
    text = "Some output line with numbers 0.123 and words Annotation\n" * lines + extra
    out = [
        {
            "cell_type": "code",
            "execution_count": i,
            "id": f"c{i}",
            "metadata": {},
            "source": f"print({i})",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
        }
        for i in range(cells)
    ]
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def best(data: bytes, identities: list[str], repeat: int) -> float:
    limits = NotebookLimits(max_bytes=10**9)
    times = []
    for _ in range(repeat):
        started = time.process_time()
        anonymise_notebook(data, token="t", identities=identities, limits=limits)
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    cells, lines, repeat = (50, 350, 3) if args.quick else (200, 400, 5)
    for label, extra in (("names nobody", ""), ("first name in every output", "Yolanda\n")):
        data = notebook(cells, lines, extra)
        base = best(data, [], repeat)
        masked = best(data, IDENTITIES, repeat)
        print(
            f"{label:28s} {len(data) / 1e6:5.1f} MB  baseline {base:6.3f} s  "
            f"with {len(IDENTITIES)} identities {masked:6.3f} s  ratio {masked / base:4.2f}"
        )


if __name__ == "__main__":
    main()
