"""nbformat v4 schema checks with the compiled fastjsonschema validator.

``nbformat.validate`` is avoided on purpose: on the first error it re-validates the
whole notebook with the pure-Python ``jsonschema`` backend to build a nicer message,
which is 10-50x slower — an invalid upload would cost more CPU than a valid one. We
call the compiled validator directly and, when a cell or output fails, explain it by
checking just that cell against its own definition.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import nbformat.v4
from nbformat.json_compat import ValidationError
from nbformat.validator import get_validator

from .errors import INVALID_NOTEBOOK, ValidationFailure

_CELL_PATH = re.compile(r"^data\.cells\[(\d+)\]")
_OUTPUT_PATH = re.compile(r"^data\.outputs\[(\d+)\]")
_DATA_PREFIX = re.compile(r"^data\b\.?")
_CELL_DEFINITIONS = {"raw": "raw_cell", "markdown": "markdown_cell", "code": "code_cell"}
_OUTPUT_DEFINITIONS = ("execute_result", "display_data", "stream", "error")


def check_schema(nb: dict[str, Any], *, minor: int, relax_additional_properties: bool) -> None:
    """Raise ``invalid_notebook`` unless ``nb`` satisfies the nbformat 4.``minor`` schema."""
    validator = get_validator(
        version=4,
        version_minor=minor,
        relax_add_props=relax_additional_properties,
        name="fastjsonschema",
    )
    if validator is None:
        raise ValidationFailure(INVALID_NOTEBOOK, f"nbformat 4.{minor} is not supported.")
    try:
        validator.validate(nb)
    except ValidationError as exc:
        raise _explain(nb, str(exc.message), minor, relax_additional_properties) from None


def _explain(nb: dict[str, Any], message: str, minor: int, relax: bool) -> ValidationFailure:
    details: dict[str, Any] = {"nbformat_minor": minor}
    found = _CELL_PATH.match(message)
    if found:
        index = int(found.group(1))
        cell = nb["cells"][index]
        details["cell"] = index
        cell_type = cell.get("cell_type") if isinstance(cell, dict) else None
        definition = _CELL_DEFINITIONS.get(cell_type) if isinstance(cell_type, str) else None
        if definition is None:
            return ValidationFailure(
                INVALID_NOTEBOOK,
                f"Cell {index} has no valid cell_type (expected code, markdown or raw).",
                details=details,
            )
        where = f"cell {index} ({cell_type})"
        inner = _first_error(definition, cell, minor, relax)
        output = _OUTPUT_PATH.match(inner or "")
        if output and isinstance(cell.get("outputs"), list):
            position = int(output.group(1))
            details["output"] = position
            out = cell["outputs"][position]
            output_type = out.get("output_type") if isinstance(out, dict) else None
            if isinstance(output_type, str) and output_type in _OUTPUT_DEFINITIONS:
                where += f", output {position} ({output_type})"
                inner = _first_error(output_type, out, minor, relax) or inner
            else:
                where += f", output {position}"
                inner = "has no valid output_type"
        message = f"{where}: {_DATA_PREFIX.sub('', inner or message).strip()}"
    return ValidationFailure(
        INVALID_NOTEBOOK, f"The notebook is not valid nbformat 4.{minor}: {message}", details=details
    )


def _first_error(definition: str, instance: Any, minor: int, relax: bool) -> str | None:
    check = _definition_validator(definition, minor, relax)
    if check is None:
        return None
    try:
        check(instance)
    except fastjsonschema.JsonSchemaException as exc:
        return str(exc.message)
    return None


@lru_cache(maxsize=64)
def _definition_validator(definition: str, minor: int, relax: bool) -> Callable[[Any], Any] | None:
    schemas: dict[Any, str] = nbformat.v4.nbformat_schema
    file_name = schemas.get((4, minor))
    if file_name is None:
        return None
    schema = json.loads((Path(nbformat.v4.__file__).parent / file_name).read_text("utf-8"))
    if definition not in schema.get("definitions", {}):
        return None
    if relax:
        schema = _relax(copy.deepcopy(schema))
    return fastjsonschema.compile({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


def _relax(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: True if k == "additionalProperties" else _relax(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node
