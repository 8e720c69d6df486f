"""Jupyter notebook (nbformat v4) validation for lab hand-ins: pure, synchronous, bounded.

Order of checks, cheapest first, so hostile input is refused before it costs anything:
size -> magic bytes -> UTF-8 -> bracket pre-scan (depth, container count) -> ``json.loads``
-> cell/output counts and per-output size -> nbformat schema (compiled fastjsonschema).

A single output (or a cell's attachments) larger than ``max_output_bytes`` is refused as
``too_large`` (413) rather than ``too_complex``: its size is the problem, and clearing the
output is the fix. Counts and nesting beyond the limits are ``too_complex``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import (
    DUPLICATE_CELL_IDS,
    EMPTY_FILE,
    EMPTY_NOTEBOOK,
    INVALID_NOTEBOOK,
    MISSING_CELL_IDS,
    NOT_JSON,
    TOO_COMPLEX,
    TOO_LARGE,
    ValidationFailure,
    ValidationWarning,
)
from .json_guard import parse_json_bounded
from .notebook_schema import check_schema
from .sniff import SNIFF_BYTES, sniff_kind

MIB = 1024 * 1024


class NotebookLimits(BaseModel):
    """Bounds on what a notebook may contain. All are settings; defaults suit the course."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_bytes: int = Field(default=25 * MIB, gt=0)
    max_depth: int = Field(default=64, ge=4, le=512)
    max_containers: int = Field(default=1_000_000, gt=0)
    max_values: int = Field(default=2_000_000, gt=0)
    max_cells: int = Field(default=2_000, gt=0)
    max_outputs_per_cell: int = Field(default=1_000, gt=0)
    max_total_outputs: int = Field(default=10_000, gt=0)
    # Characters of text in one output (a base64 image counts one per character).
    max_output_bytes: int = Field(default=10 * MIB, gt=0)
    # True accepts unknown keys (as Jupyter tolerates) while checking everything known.
    relax_additional_properties: bool = False


class NotebookReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    nbformat: int
    nbformat_minor: int
    cell_count: int
    code_cells: int
    markdown_cells: int
    raw_cells: int
    output_count: int
    kernel_name: str | None = None
    kernel_language: str | None = None
    warnings: tuple[ValidationWarning, ...] = ()


def validate_notebook(data: bytes, *, limits: NotebookLimits | None = None) -> NotebookReport:
    """Check that ``data`` is a usable nbformat v4 notebook within ``limits``.

    Raises ``ValidationFailure`` (empty_file, too_large, not_json, too_complex,
    invalid_notebook); returns a report with counts, kernel and warnings otherwise.
    """
    limits = limits or NotebookLimits()
    if not data:
        raise ValidationFailure(EMPTY_FILE, "The file is empty.")
    if len(data) > limits.max_bytes:
        raise ValidationFailure(
            TOO_LARGE,
            f"The notebook is larger than {limits.max_bytes} bytes.",
            details={"limit": "max_bytes", "max": limits.max_bytes, "found": len(data)},
        )
    sniffed = sniff_kind(data[:SNIFF_BYTES])
    if sniffed != "json":
        what = "a PDF" if sniffed == "pdf" else "not JSON"
        raise ValidationFailure(NOT_JSON, f"The file is {what}; a notebook is JSON text.")
    nb = parse_json_bounded(
        data,
        max_depth=limits.max_depth,
        max_containers=limits.max_containers,
        max_values=limits.max_values,
    )
    minor = _check_version(nb)
    counts = _count_and_bound(nb["cells"], limits)
    checked, warnings = _with_cell_ids(nb, minor)
    check_schema(checked, minor=minor, relax_additional_properties=limits.relax_additional_properties)
    if not nb["cells"]:
        warnings.append(ValidationWarning(code=EMPTY_NOTEBOOK, message="The notebook has no cells."))
    name, language = _kernel(nb.get("metadata"))
    return NotebookReport(
        nbformat=4,
        nbformat_minor=minor,
        cell_count=len(nb["cells"]),
        kernel_name=name,
        kernel_language=language,
        warnings=tuple(warnings),
        **counts,
    )


def _check_version(nb: Any) -> int:
    if not isinstance(nb, dict):
        raise ValidationFailure(INVALID_NOTEBOOK, "The JSON is not a notebook (not an object).")
    major, minor = nb.get("nbformat"), nb.get("nbformat_minor")
    if not _is_int(major):
        raise ValidationFailure(INVALID_NOTEBOOK, "The JSON is not a notebook (no nbformat version).")
    if major != 4:
        raise ValidationFailure(
            INVALID_NOTEBOOK,
            f"Notebook format {major} is not supported; save it with a current Jupyter (format 4).",
            details={"nbformat": major},
        )
    if not _is_int(minor) or minor < 0:
        raise ValidationFailure(INVALID_NOTEBOOK, "The notebook has no valid nbformat_minor.")
    if not isinstance(nb.get("cells"), list):
        raise ValidationFailure(INVALID_NOTEBOOK, "The notebook has no list of cells.")
    return minor


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count_and_bound(cells: list[Any], limits: NotebookLimits) -> dict[str, int]:
    if len(cells) > limits.max_cells:
        raise ValidationFailure(
            TOO_COMPLEX,
            f"The notebook has more than {limits.max_cells} cells.",
            details={"limit": "max_cells", "max": limits.max_cells, "found": len(cells)},
        )
    by_type = {"code": 0, "markdown": 0, "raw": 0}
    total = 0
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue  # the schema check names it
        cell_type = cell.get("cell_type")
        if isinstance(cell_type, str) and cell_type in by_type:
            by_type[cell_type] += 1
        _bound_size(cell.get("attachments"), limits, {"cell": index, "part": "attachments"})
        outputs = cell.get("outputs")
        if not isinstance(outputs, list):
            continue
        if len(outputs) > limits.max_outputs_per_cell:
            raise ValidationFailure(
                TOO_COMPLEX,
                f"Cell {index} has more than {limits.max_outputs_per_cell} outputs.",
                details={"limit": "max_outputs_per_cell", "cell": index, "found": len(outputs)},
            )
        total += len(outputs)
        if total > limits.max_total_outputs:
            raise ValidationFailure(
                TOO_COMPLEX,
                f"The notebook has more than {limits.max_total_outputs} outputs in all.",
                details={"limit": "max_total_outputs", "max": limits.max_total_outputs},
            )
        for position, output in enumerate(outputs):
            _bound_size(output, limits, {"cell": index, "output": position})
    return {
        "code_cells": by_type["code"],
        "markdown_cells": by_type["markdown"],
        "raw_cells": by_type["raw"],
        "output_count": total,
    }


def _bound_size(node: Any, limits: NotebookLimits, where: dict[str, Any]) -> None:
    """Refuse one output (or attachment set) whose text exceeds ``max_output_bytes``."""
    if node is None:
        return
    budget = limits.max_output_bytes
    size = 0
    stack = [node]
    while stack:  # bounded: the pre-scan capped containers and depth
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, dict):
            size += sum(len(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            try:  # lines of text, the usual case: one C-level join instead of a walk
                size += len("".join(item))
            except TypeError:
                stack.extend(item)
        if size > budget:
            place = f"output {where['output']}" if "output" in where else "the attachments"
            raise ValidationFailure(
                TOO_LARGE,
                f"In cell {where['cell']}, {place} is larger than {budget} bytes; "
                "clear large outputs before handing in.",
                details={"limit": "max_output_bytes", "max": budget, **where},
            )


def _with_cell_ids(nb: dict[str, Any], minor: int) -> tuple[dict[str, Any], list[ValidationWarning]]:
    """nbformat >= 4.5 needs unique cell ids. Like ``nbformat.validate`` (which repairs them),
    missing or repeated ids are a warning, not a rejection; the input is never mutated."""
    warnings: list[ValidationWarning] = []
    if minor < 5:
        return nb, warnings
    seen: set[str] = set()
    missing: list[int] = []
    repeated: list[int] = []
    cells = list(nb["cells"])
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        if "id" not in cell:
            missing.append(index)
        elif isinstance(cell["id"], str) and cell["id"] in seen:
            repeated.append(index)
        else:
            if isinstance(cell["id"], str):
                seen.add(cell["id"])
            continue  # a wrongly typed id is left for the schema to name
        cells[index] = {**cell, "id": f"peerlab-check-{index}"}
    if missing:
        warnings.append(
            ValidationWarning(
                code=MISSING_CELL_IDS,
                message=f"{len(missing)} cells have no id.",
                details={"cells": missing[:20]},
            )
        )
    if repeated:
        warnings.append(
            ValidationWarning(
                code=DUPLICATE_CELL_IDS,
                message=f"{len(repeated)} cells repeat another cell's id.",
                details={"cells": repeated[:20]},
            )
        )
    return ({**nb, "cells": cells} if missing or repeated else nb), warnings


def _kernel(metadata: Any) -> tuple[str | None, str | None]:
    if not isinstance(metadata, dict):
        return None, None
    spec = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    name = spec.get("name")
    language = spec.get("language") or info.get("name")
    return (
        name if isinstance(name, str) else None,
        language if isinstance(language, str) else None,
    )
