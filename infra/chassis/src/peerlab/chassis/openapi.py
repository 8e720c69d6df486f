"""The committed OpenAPI document of a service: rendered the same way for every service so that a
drift test can compare it byte for byte."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI


def render(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def write_main(render_document: Callable[[], str], default_path: Path, argv: list[str] | None = None) -> int:
    """``python -m peerlab.<svc>.openapi [PATH]``: write the document (default: the service's root)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else default_path
    path.write_text(render_document())
    print(f"wrote {path}")
    return 0
