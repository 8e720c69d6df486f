"""The nbformat v4 notebook as typed msgspec Structs: one C-speed decode checks the structure.

The Structs follow the 4.5 schema's closed objects (notebook, cells by ``cell_type``, outputs
by ``output_type``; unknown keys refused). The open objects (metadata, mime bundles,
attachments) stay plain dicts: the schema allows any extra key there, and ``notebook_fast``
checks their few known keys. ``id`` is optional here; the caller applies the per-minor rule.
Decoding also bounds nesting: msgspec refuses JSON nested deeper than the interpreter's
recursion limit with ``RecursionError``, having read only that far.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Count = Annotated[int, msgspec.Meta(ge=0)]
Text = str | list[str]  # the schema's multiline_string
Open = dict[str, Any]  # an object the schema leaves open (additionalProperties: true)


class _Closed(msgspec.Struct, forbid_unknown_fields=True):
    pass


class Stream(_Closed, tag_field="output_type", tag="stream"):
    name: str
    text: Text


class DisplayData(_Closed, tag_field="output_type", tag="display_data"):
    data: Open
    metadata: Open


class ExecuteResult(_Closed, tag_field="output_type", tag="execute_result"):
    data: Open
    metadata: Open
    execution_count: Count | None


class Error(_Closed, tag_field="output_type", tag="error"):
    ename: str
    evalue: str
    traceback: list[str]


Output = Stream | DisplayData | ExecuteResult | Error


class CodeCell(_Closed, tag_field="cell_type", tag="code"):
    metadata: Open
    source: Text
    outputs: list[Output]
    execution_count: Count | None
    id: str | msgspec.UnsetType = msgspec.UNSET


class MarkdownCell(_Closed, tag_field="cell_type", tag="markdown"):
    metadata: Open
    source: Text
    attachments: dict[str, Open] | msgspec.UnsetType = msgspec.UNSET
    id: str | msgspec.UnsetType = msgspec.UNSET


class RawCell(_Closed, tag_field="cell_type", tag="raw"):
    metadata: Open
    source: Text
    attachments: dict[str, Open] | msgspec.UnsetType = msgspec.UNSET
    id: str | msgspec.UnsetType = msgspec.UNSET


Cell = CodeCell | MarkdownCell | RawCell


class Notebook(_Closed):
    metadata: Open
    nbformat: Annotated[int, msgspec.Meta(ge=4, le=4)]
    nbformat_minor: Count
    cells: list[Cell]


NOTEBOOK_DECODER = msgspec.json.Decoder(Notebook)
