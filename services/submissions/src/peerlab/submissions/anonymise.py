"""Anonymised copies of lab notebooks for peer review.

What identifies a student is removed or masked; everything a reviewer needs stays:
- notebook metadata: only ``kernelspec`` and ``language_info`` survive (authors, Colab
  user and drive data, widget state, VS Code interpreter hashes and the like go);
- cell metadata: an allow-list of display flags (collapsed, scrolled, jupyter hidden
  flags, tags, slideshow, raw format); execution timestamps and Colab ``executionInfo``
  (which names the user) go; cell ids are renumbered;
- text everywhere (sources, outputs, tracebacks, remaining metadata): home-directory
  paths ``/home/<user>``, ``/Users/<user>``, ``/zhome/xx/y/<user>`` (DTU HPC),
  ``C:\\Users\\<user>`` (any drive, ``\\``, ``\\\\`` as in escaped JSON or reprs, or ``/``)
  become ``.../anon``; DTU student numbers (``s123456``) and e-mail addresses are masked.
  Base64 (binary) output data is left alone: masking could corrupt an image and cannot
  reveal text anyway.
Names typed into markdown by the student cannot be found reliably and are not touched.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .validation.errors import INVALID_NOTEBOOK, ValidationFailure
from .validation.json_guard import parse_json_bounded
from .validation.notebook import NotebookLimits

ANON = "anon"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEEP_NOTEBOOK_METADATA = {
    "kernelspec": ("name", "display_name", "language"),
    "language_info": (
        "name", "version", "mimetype", "file_extension", "pygments_lexer",
        "codemirror_mode", "nbconvert_exporter",
    ),
}
_KEEP_CELL_METADATA = frozenset(
    {"collapsed", "scrolled", "jupyter", "tags", "slideshow", "format", "editable", "deletable"}
)
_KEEP_JUPYTER_FLAGS = frozenset({"source_hidden", "outputs_hidden"})
_TEXT_MIME = re.compile(r"^(text/|application/(.+\+)?json$|application/javascript$|image/svg\+xml$)")

_USER = r"[^/\\\s\"'`<>|:;,()\[\]{}]+"
_SEP = r"(?:\\+|/)"
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?P<keep>[A-Za-z]:{_SEP}(?:Users|Documents and Settings){_SEP}){_USER}",
                re.IGNORECASE), rf"\g<keep>{ANON}"),
    (re.compile(rf"(?P<keep>/(?:home|Users)/){_USER}"), rf"\g<keep>{ANON}"),
    (re.compile(rf"(?P<keep>/zhome/[^/\s]+/[^/\s]+/){_USER}"), rf"\g<keep>{ANON}"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "anon@example.org"),
    (re.compile(r"(?<![A-Za-z0-9])[sS]\d{6}(?![0-9])"), "s000000"),
)


def anonymised_file_name(token: str) -> str:
    if not _TOKEN.match(token):
        raise ValueError("token must be 1-64 letters, digits, '-' or '_'")
    return f"EXE_{token}.ipynb"


def mask_text(text: str) -> str:
    """Mask home-directory user names, student numbers and e-mail addresses in ``text``."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def anonymise_notebook(
    data: bytes, *, token: str, limits: NotebookLimits | None = None
) -> tuple[str, bytes]:
    """Return (``EXE_<token>.ipynb``, anonymised notebook bytes).

    ``data`` should already have passed ``validate_notebook``; it is parsed again with the
    same bounds, so hostile input still fails with ``ValidationFailure`` here.
    """
    name = anonymised_file_name(token)
    limits = limits or NotebookLimits()
    nb = parse_json_bounded(
        data,
        max_depth=limits.max_depth,
        max_containers=limits.max_containers,
        max_values=limits.max_values,
    )
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValidationFailure(INVALID_NOTEBOOK, "The JSON is not a notebook.")
    minor = nb.get("nbformat_minor")
    with_ids = isinstance(minor, int) and minor >= 5
    result = {
        "cells": [_cell(cell, index, with_ids) for index, cell in enumerate(nb["cells"])],
        "metadata": _notebook_metadata(nb.get("metadata")),
        "nbformat": nb.get("nbformat"),
        "nbformat_minor": minor,
    }
    text = json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return name, text.encode("utf-8")


def _notebook_metadata(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, dict):
        return {}
    kept: dict[str, Any] = {}
    for key, fields in _KEEP_NOTEBOOK_METADATA.items():
        value = metadata.get(key)
        if isinstance(value, dict):
            kept[key] = _masked({k: value[k] for k in fields if k in value})
    return kept


def _cell(cell: Any, index: int, with_ids: bool) -> Any:
    if not isinstance(cell, dict):
        return cell
    out: dict[str, Any] = {}
    for key, value in cell.items():
        if key == "metadata":
            out[key] = _cell_metadata(value)
        elif key == "id":
            continue
        elif key == "outputs" and isinstance(value, list):
            out[key] = [_output(o) for o in value]
        elif key == "attachments" and isinstance(value, dict):
            out[key] = {mask_text(k): _mime_bundle(v) for k, v in value.items()}
        else:
            out[key] = _masked(value)
    if with_ids:
        out["id"] = f"cell-{index}"
    return out


def _cell_metadata(metadata: Any) -> Any:
    if not isinstance(metadata, dict):
        return metadata
    kept = {k: v for k, v in metadata.items() if k in _KEEP_CELL_METADATA}
    if isinstance(kept.get("jupyter"), dict):
        kept["jupyter"] = {k: v for k, v in kept["jupyter"].items() if k in _KEEP_JUPYTER_FLAGS}
    return _masked(kept)


def _output(output: Any) -> Any:
    if not isinstance(output, dict):
        return output
    return {
        key: _mime_bundle(value) if key == "data" else _masked(value)
        for key, value in output.items()
    }


def _mime_bundle(bundle: Any) -> Any:
    if not isinstance(bundle, dict):
        return _masked(bundle)
    return {
        mime: _masked(value) if _TEXT_MIME.match(mime) else value
        for mime, value in bundle.items()
    }


def _masked(node: Any) -> Any:
    """A copy of ``node`` with every string (keys included) masked; depth is pre-bounded."""
    if isinstance(node, str):
        return mask_text(node)
    if isinstance(node, list):
        return [_masked(v) for v in node]
    if isinstance(node, dict):
        return {mask_text(k): _masked(v) for k, v in node.items()}
    return node
