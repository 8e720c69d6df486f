"""The bracket pre-scan agrees with a real parse on any JSON, whatever its strings hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerlab.submissions.validation import ValidationFailure, parse_json_bounded, scan_shape
from peerlab.submissions.validation import json_guard

tricky_text = st.text(alphabet=st.sampled_from('[]{},"\\:/aé€\n\t\x00'), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def containers(value: Any) -> int:
    if isinstance(value, list):
        return 1 + sum(containers(v) for v in value)
    if isinstance(value, dict):
        return 1 + sum(containers(v) for v in value.values())
    return 0


@settings(max_examples=300, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans(), chunk=st.sampled_from([3, 7, 64, 1 << 20]))
def test_scan_matches_the_parsed_structure(value: Any, ensure_ascii: bool, chunk: int) -> None:
    data = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_guard, "_CHUNK", chunk)  # strings cross chunk boundaries too
        shape = scan_shape(data)
    assert shape.max_depth == depth(value)
    assert shape.containers == containers(value)


def test_values_are_counted_and_bounded() -> None:
    assert scan_shape(b"[1, 2, 3]").values == 3
    assert scan_shape(b'{"a": "x,y", "b": [true, null]}').values == 4
    with pytest.raises(ValidationFailure) as caught:
        parse_json_bounded(b"[" + b"1," * 100 + b"1]", max_depth=8, max_containers=10, max_values=50)
    assert caught.value.details == {"limit": "max_values", "max": 50, "found": 101}
