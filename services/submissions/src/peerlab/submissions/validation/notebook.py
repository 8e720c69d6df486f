"""Jupyter notebook (nbformat v4) validation for lab hand-ins: pure, synchronous, bounded.

Size and magic bytes first; then the fast path (``notebook_fast``: one typed msgspec decode
and checks of the open parts) vouches for most valid notebooks. Anything it cannot vouch for
takes the exact path, cheapest check first, so hostile input is refused before it costs
anything: UTF-8 -> bracket pre-scan (depth, container count) -> ``json.loads`` -> cell/output
counts and per-output size -> nbformat schema (compiled fastjsonschema). Every refusal comes
from the exact path; an ``invalid_notebook`` refusal also carries msgspec's ``path``
(``$.cells[3].outputs[0]``) when both name the same cell.

A single output (or a cell's attachments) larger than ``max_output_bytes`` is refused as
``too_large`` (413) rather than ``too_complex``: its size is the problem, and clearing the
output is the fix. Counts and nesting beyond the limits are ``too_complex``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from .errors import (
    EMPTY_FILE,
    EMPTY_NOTEBOOK,
    INVALID_NOTEBOOK,
    NOT_JSON,
    TOO_COMPLEX,
    TOO_LARGE,
    ValidationFailure,
    ValidationWarning,
)
from .json_guard import parse_json_bounded
from .notebook_fast import FastVerdict, cell_id_warnings, check_fast
from .notebook_limits import NotebookLimits as NotebookLimits
from .notebook_schema import check_schema
from .sniff import SNIFF_BYTES, sniff_kind

_CELL_IN_PATH = re.compile(r"^\$\.cells\[(\d+)\]")


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
    fast = check_fast(data, limits)
    if isinstance(fast, FastVerdict):
        name, language = _kernel(fast.metadata)
        return NotebookReport(
            nbformat=4,
            nbformat_minor=fast.minor,
            cell_count=sum(fast.counts[kind] for kind in ("code_cells", "markdown_cells", "raw_cells")),
            kernel_name=name,
            kernel_language=language,
            warnings=tuple(fast.warnings),
            **fast.counts,
        )
    try:
        return validate_notebook_exactly(data, limits=limits)
    except ValidationFailure as failure:
        if failure.code == INVALID_NOTEBOOK and fast.path and _same_cell(fast.path, failure.details.get("cell")):
            failure.details["path"] = fast.path
        raise


def validate_notebook_exactly(data: bytes, *, limits: NotebookLimits) -> NotebookReport:
    """The exact path: bracket pre-scan, ``json.loads``, limits, compiled nbformat schema."""
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


def _same_cell(path: str, cell: Any) -> bool:
    found = _CELL_IN_PATH.match(path)
    return found is not None and int(found.group(1)) == cell


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
    if minor < 5:
        return nb, []
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
    warnings = cell_id_warnings(missing, repeated)
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
