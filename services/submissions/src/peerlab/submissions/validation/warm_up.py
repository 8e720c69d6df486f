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
