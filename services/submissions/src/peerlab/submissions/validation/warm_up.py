"""A tiny valid notebook, used to start workers and compile schemas ahead of real uploads."""

from __future__ import annotations

import json


def small_notebook(minor: int = 5) -> bytes:
    cell: dict[str, object] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": "",
    }
    if minor >= 5:
        cell["id"] = "warm-up"
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": minor}).encode()


def warm_up_checks() -> None:
    """Run both notebook paths once: the msgspec fast path vouches for a small notebook, and the
    exact path compiles the schema that refusals need, so the first refused upload does not pay."""
    from .notebook import NotebookLimits, validate_notebook, validate_notebook_exactly

    validate_notebook(small_notebook(), limits=NotebookLimits())
    validate_notebook_exactly(small_notebook(), limits=NotebookLimits())
