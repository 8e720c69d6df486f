"""Parse untrusted JSON with its nesting depth and size of structure bounded *before* parsing.

The pre-scan runs in C-speed steps only: escaped backslashes and quotes are dropped,
the text is split on ``"`` (every other piece is inside a string), and of the pieces
outside strings only ``[ ] { } ,`` are kept. The running depth is then a prefix sum
taken with ``itertools.accumulate``. A 100,000-deep array is refused in milliseconds,
and ``json.loads`` only ever sees documents within the limits.

Why dropping escapes is exact: inside a JSON string a run of backslashes pairs up from
the left, which is what ``bytes.replace`` does scanning left to right; a lone backslash
left over escapes the next byte, so a following ``"`` goes with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import accumulate, count
from operator import sub
from typing import Any

from .errors import NOT_JSON, TOO_COMPLEX, ValidationFailure
from .sniff import UTF8_BOM

_KEEP = b"[]{},"
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _KEEP)
# Each kept byte steps the depth by (value - 1): opening +1, closing -1, comma 0.
# After k bytes, depth = prefix_sum - k.
_STEP = bytes.maketrans(b"[{]},", b"\x02\x02\x00\x00\x01")
_CHUNK = 1 << 20  # split per MiB so the list of pieces stays small


@dataclass(frozen=True, slots=True)
class JsonShape:
    max_depth: int
    containers: int
    values: int  # about: commas plus containers (an object member counts once)


def scan_shape(data: bytes) -> JsonShape:
    """Nesting depth, arrays/objects and (about) values of a JSON text, without parsing it."""
    body = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    in_string = False
    pieces = []
    for start in range(0, len(body), _CHUNK):
        parts = body[start : start + _CHUNK].split(b'"')
        outside = parts[1::2] if in_string else parts[::2]
        pieces.append(b"".join(outside).translate(None, _NOT_STRUCTURE))
        if len(parts) % 2 == 0:  # an odd number of quotes in this chunk
            in_string = not in_string
    steps = b"".join(pieces).translate(_STEP)
    depth = max(map(sub, accumulate(steps), count(1)), default=0)
    containers = steps.count(2)
    return JsonShape(max_depth=depth, containers=containers, values=containers + steps.count(1))


def parse_json_bounded(data: bytes, *, max_depth: int, max_containers: int, max_values: int | None = None) -> Any:
    """``json.loads`` for untrusted bytes: UTF-8 only, structure bounded beforehand.

    Raises ``not_json`` for anything that is not UTF-8 JSON text and ``too_complex`` when
    the structure is nested deeper than ``max_depth``, or has more than ``max_containers``
    arrays and objects or more than ``max_values`` values.
    """
    body = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailure(NOT_JSON, "The file is not UTF-8 text.", details={"offset": exc.start}) from None
    shape = scan_shape(body)
    for limit, found, bound, what in (
        ("max_depth", shape.max_depth, max_depth, "nested deeper than {} levels"),
        ("max_containers", shape.containers, max_containers, "more than {} arrays and objects"),
        ("max_values", shape.values, max_values, "more than {} values"),
    ):
        if bound is not None and found > bound:
            raise ValidationFailure(
                TOO_COMPLEX,
                f"The JSON is {what.format(bound)}." if limit == "max_depth" else f"The JSON has {what.format(bound)}.",
                details={"limit": limit, "max": bound, "found": found},
            )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailure(
            NOT_JSON,
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            details={"line": exc.lineno, "column": exc.colno},
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer with too many digits
        raise ValidationFailure(NOT_JSON, f"The file is not usable JSON: {exc}.") from None
