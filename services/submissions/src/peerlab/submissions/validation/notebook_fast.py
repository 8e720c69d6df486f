"""The fast path of notebook validation: one typed msgspec decode plus checks of the open parts.

It answers only "valid and within the limits" (a report) or "not sure" (``Deferred``), never
a refusal: whatever it cannot vouch for goes to the exact path in ``notebook`` (bracket
pre-scan, ``json.loads``, compiled schema), which gives today's codes, messages and details.
So it must never accept what the nbformat schema or a limit refuses; being stricter only
costs time. It vouches when:

- the count of ``[ { ,`` bytes (an upper bound of containers and values) is within the limits;
- the bytes decode into the ``notebook_types`` Structs (closed objects, tagged unions),
  msgspec itself refusing nesting deeper than the recursion limit;
- ``nbformat_minor`` is 0-5, cell ids follow that minor's rule, the open objects hold only
  what the schema allows for their known keys and nest no deeper than ``max_depth``;
- cell and output counts are within the limits, and so is each output's size (checked
  only when the whole file is larger than ``max_output_bytes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from .errors import DUPLICATE_CELL_IDS, EMPTY_NOTEBOOK, MISSING_CELL_IDS, ValidationWarning
from .notebook_limits import NotebookLimits
from .notebook_types import NOTEBOOK_DECODER, CodeCell, DisplayData, ExecuteResult, Notebook
from .sniff import UTF8_BOM

# The schema's patterns; each starts with ``^``, so ``match`` finds what the schema validator finds.
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]+$")
_NAME = re.compile(r"^.+$")
_TAG = re.compile(r"^[^,]+$")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")
_LATEST_MINOR = 5
# Depth of the open objects' parents: root object 1, cells list 2, cell 3, outputs list 4, output 5.
_CELL_DEPTH = 3
_OUTPUT_DEPTH = 5
_FIXED_DEPTH = 6  # deepest closed part: an output's text lines or traceback list


@dataclass(frozen=True, slots=True)
class Deferred:
    """The fast path cannot vouch; ``path`` is msgspec's ``$.cells[3]...`` when it refused."""

    reason: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class FastVerdict:
    minor: int
    counts: dict[str, int]
    metadata: dict[str, Any]
    warnings: list[ValidationWarning]


def check_fast(data: bytes, limits: NotebookLimits) -> FastVerdict | Deferred:
    """Vouch for ``data`` (already size- and kind-checked) within ``limits``, or defer."""
    if limits.relax_additional_properties or limits.max_depth < _FIXED_DEPTH + 2:
        return Deferred("settings")
    containers = data.count(b"[") + data.count(b"{")
    if containers > limits.max_containers or containers + data.count(b",") > limits.max_values:
        return Deferred("structure")
    body = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
    try:
        nb: Notebook = NOTEBOOK_DECODER.decode(body)
    except msgspec.ValidationError as exc:
        message = str(exc)
        return Deferred("schema", message.rpartition(" - at `")[2].rstrip("`") if " - at `" in message else "$")
    except (msgspec.DecodeError, RecursionError, MemoryError):
        return Deferred("json")
    minor = nb.nbformat_minor
    if minor > _LATEST_MINOR or not _notebook_metadata_ok(nb.metadata, limits.max_depth):
        return Deferred("metadata")
    counts = _counts(nb, limits)
    if counts is None:
        return Deferred("limits")
    if not _cells_ok(nb, limits.max_depth):
        return Deferred("cells")
    if len(data) > limits.max_output_bytes and not _sizes_ok(nb, limits.max_output_bytes):
        return Deferred("sizes")
    warnings = _id_warnings(nb, minor)
    if warnings is None:
        return Deferred("ids")
    if not nb.cells:
        warnings.append(ValidationWarning(code=EMPTY_NOTEBOOK, message="The notebook has no cells."))
    return FastVerdict(minor=minor, counts=counts, metadata=nb.metadata, warnings=warnings)


def _counts(nb: Notebook, limits: NotebookLimits) -> dict[str, int] | None:
    if len(nb.cells) > limits.max_cells:
        return None
    by_type = {"code": 0, "markdown": 0, "raw": 0}
    total = 0
    for cell in nb.cells:
        if type(cell) is CodeCell:
            by_type["code"] += 1
            if len(cell.outputs) > limits.max_outputs_per_cell:
                return None
            total += len(cell.outputs)
        else:
            by_type[type(cell).__struct_config__.tag] += 1  # type: ignore[index]
    if total > limits.max_total_outputs:
        return None
    return {
        "code_cells": by_type["code"],
        "markdown_cells": by_type["markdown"],
        "raw_cells": by_type["raw"],
        "output_count": total,
    }


def _cells_ok(nb: Notebook, max_depth: int) -> bool:
    open_bound = max_depth - _CELL_DEPTH
    output_bound = max_depth - _OUTPUT_DEPTH
    for cell in nb.cells:
        if not _cell_metadata_ok(cell, open_bound):
            return False
        if type(cell) is CodeCell:
            for output in cell.outputs:
                kind = type(output)
                if kind is DisplayData or kind is ExecuteResult:
                    if not (_bundle_ok(output.data, output_bound) and _within(output.metadata, output_bound)):  # type: ignore[union-attr]
                        return False
        else:
            attachments = cell.attachments  # type: ignore[union-attr]
            if attachments is not msgspec.UNSET and not (
                _within(attachments, open_bound)
                and all(_bundle_ok(bundle, open_bound - 1) for bundle in attachments.values())
            ):
                return False
    return True


def _cell_metadata_ok(cell: Any, bound: int) -> bool:
    meta = cell.metadata
    if not _within(meta, bound):
        return False
    if not meta:
        return True
    if "name" in meta and not _is_name(meta["name"]):
        return False
    if "tags" in meta and not _tags_ok(meta["tags"]):
        return False
    if "jupyter" in meta and type(meta["jupyter"]) is not dict:
        return False
    if type(cell) is CodeCell:
        execution = meta.get("execution", {})
        if type(execution) is not dict or any(type(v) is not str for v in execution.values()):
            return False
        if "collapsed" in meta and type(meta["collapsed"]) is not bool:
            return False
        scrolled = meta.get("scrolled", True)
        if not (scrolled is True or scrolled is False or scrolled == "auto"):
            return False
    elif "format" in meta and type(meta["format"]) is not str:
        return False
    return True


def _notebook_metadata_ok(meta: dict[str, Any], max_depth: int) -> bool:
    if not _within(meta, max_depth - 1):
        return False
    spec = meta.get("kernelspec", {"name": "", "display_name": ""})
    if type(spec) is not dict or type(spec.get("name")) is not str or type(spec.get("display_name")) is not str:
        return False
    info = meta.get("language_info", {"name": ""})
    if type(info) is not dict or type(info.get("name")) is not str:
        return False
    if any(key in info and type(info[key]) is not str for key in ("file_extension", "mimetype", "pygments_lexer")):
        return False
    if "codemirror_mode" in info and type(info["codemirror_mode"]) not in (str, dict):
        return False
    orig = meta.get("orig_nbformat", 1)
    if type(orig) is not int or orig < 1:
        return False
    return type(meta.get("title", "")) is str and type(meta.get("authors", [])) is list


def _bundle_ok(bundle: Any, bound: int) -> bool:
    """A mime bundle: JSON types hold anything (within depth), the rest text or lines of text."""
    if type(bundle) is not dict:
        return False
    for key, value in bundle.items():
        if type(value) is str:
            continue
        if _JSON_MIME.match(key):
            if not _within(value, bound - 1):
                return False
        elif type(value) is not list or not _all_str(value):
            return False
    return True


def _all_str(items: list[Any]) -> bool:
    try:  # one C-level pass; fails on anything that is not a str
        "".join(items)
    except TypeError:
        return False
    return True


def _within(value: Any, bound: int) -> bool:
    """True if ``value`` nests no deeper than ``bound`` (a scalar is 0, ``{}`` is 1)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return True
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > bound:
            return False
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return True


def _is_name(value: Any) -> bool:
    return type(value) is str and _NAME.match(value) is not None


def _tags_ok(tags: Any) -> bool:
    if type(tags) is not list:
        return False
    if not all(type(tag) is str and _TAG.match(tag) for tag in tags):
        return False
    return len(set(tags)) == len(tags)


def _sizes_ok(nb: Notebook, budget: int) -> bool:
    """Each output's (and attachment set's) JSON text is an upper bound of its characters."""
    encode = msgspec.json.encode
    for cell in nb.cells:
        parts = cell.outputs if type(cell) is CodeCell else [cell.attachments]  # type: ignore[union-attr]
        for part in parts:
            if part is not msgspec.UNSET and len(encode(part)) > budget:
                return False
    return True


def _id_warnings(nb: Notebook, minor: int) -> list[ValidationWarning] | None:
    """Before 4.5 a cell may not have an id; from 4.5 on missing or repeated ids only warn
    (``nbformat.validate`` repairs them), but an id must match the schema's pattern."""
    if minor < _LATEST_MINOR:
        return None if any(cell.id is not msgspec.UNSET for cell in nb.cells) else []
    seen: set[str] = set()
    missing: list[int] = []
    repeated: list[int] = []
    for index, cell in enumerate(nb.cells):
        cell_id = cell.id
        if cell_id is msgspec.UNSET:
            missing.append(index)
        elif not (len(cell_id) <= 64 and _CELL_ID.match(cell_id)):
            return None
        elif cell_id in seen:
            repeated.append(index)
        else:
            seen.add(cell_id)
    return cell_id_warnings(missing, repeated)


def cell_id_warnings(missing: list[int], repeated: list[int]) -> list[ValidationWarning]:
    """The warnings for cells without an id and cells repeating an earlier cell's id."""
    warnings: list[ValidationWarning] = []
    if missing:
        warnings.append(
            ValidationWarning(
                code=MISSING_CELL_IDS, message=f"{len(missing)} cells have no id.", details={"cells": missing[:20]}
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
    return warnings
