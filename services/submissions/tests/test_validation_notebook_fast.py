"""The msgspec fast path: it vouches for ordinary notebooks, and its verdicts are nbformat's.

The fast path may only accept; anything it cannot vouch for takes the exact path. So the
property that matters is: whatever ``nbformat.validate`` refuses, ``validate_notebook``
refuses too, and whatever nbformat accepts, we accept (within the limits). Checked on
generated notebooks (random valid ones, then one random edit anywhere), on a table of
edits and on the real notebooks of the repository.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import notebook_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerlab.submissions.validation import NotebookLimits, ValidationFailure, validate_notebook
from peerlab.submissions.validation.notebook import validate_notebook_exactly
from peerlab.submissions.validation.notebook_fast import Deferred, FastVerdict, check_fast
from peerlab.submissions.validation import notebook as notebook_module
from peerlab.submissions.validation.warm_up import small_notebook, warm_up_checks

REPO = Path(__file__).resolve().parents[3]
KEYS = [
    "name", "tags", "jupyter", "execution", "collapsed", "scrolled", "format", "kernelspec",
    "language_info", "display_name", "codemirror_mode", "file_extension", "orig_nbformat", "title",
    "authors", "id", "source", "outputs", "execution_count", "metadata", "data", "text", "output_type",
    "cell_type", "ename", "evalue", "traceback", "attachments", "text/plain", "application/json",
    "application/geo+json", "image/png", "nbformat", "nbformat_minor", "cells", "iopub.status.busy", "x",
]  # fmt: skip
WORDS = ["", "a", "a,b", "a b", "a\n", "\n", "code", "markdown", "raw", "stream", "error", "auto", "display_data"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-2, max_value=6)
    | st.sampled_from([1.0, 0.5])
    | st.sampled_from(WORDS + KEYS)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)
text = st.sampled_from(["x = 1\n", ""]) | st.lists(st.sampled_from(["a\n", "b"]), max_size=3)
bundle = st.dictionaries(
    st.sampled_from(["text/plain", "text/html", "image/png"]), text, max_size=2
) | st.fixed_dictionaries({"application/json": values})
outputs = st.one_of(
    st.fixed_dictionaries({"output_type": st.just("stream"), "name": st.just("stdout"), "text": text}),
    st.fixed_dictionaries({"output_type": st.just("display_data"), "data": bundle, "metadata": st.just({})}),
    st.fixed_dictionaries(
        {
            "output_type": st.just("execute_result"),
            "data": bundle,
            "metadata": st.just({}),
            "execution_count": st.none() | st.integers(0, 9),
        }
    ),
    st.fixed_dictionaries(
        {"output_type": st.just("error"), "ename": st.just("E"), "evalue": st.just("v"), "traceback": st.just(["t"])}
    ),
)
cell_metadata = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.lists(st.sampled_from(["a", "b", "a,b"]), max_size=3),
        "name": st.just("cell"),
        "collapsed": st.booleans(),
        "jupyter": st.just({"source_hidden": True}),
    },
)
cells = st.one_of(
    st.fixed_dictionaries(
        {
            "cell_type": st.just("code"),
            "metadata": cell_metadata,
            "source": text,
            "outputs": st.lists(outputs, max_size=3),
            "execution_count": st.none() | st.integers(0, 9),
        }
    ),
    st.fixed_dictionaries(
        {"cell_type": st.sampled_from(["markdown", "raw"]), "metadata": cell_metadata, "source": text},
        optional={"attachments": st.fixed_dictionaries({"a.png": bundle})},
    ),
)


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    minor = draw(st.integers(0, 5))
    nb_cells = draw(st.lists(cells, max_size=4))
    metadata = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "kernelspec": st.just({"name": "python3", "display_name": "Python 3"}),
                "language_info": st.just({"name": "python"}),
                "extra": values,
            },
        )
    )
    # A copy: the strategies share their ``just`` objects between examples.
    nb = copy.deepcopy({"nbformat": 4, "nbformat_minor": minor, "metadata": metadata, "cells": nb_cells})
    ids = draw(
        st.sampled_from(
            ["none", "unique", "repeated", "bad"] if minor < 5 else ["unique"] * 3 + ["none", "repeated", "bad"]
        )
    )
    for index, cell in enumerate(nb["cells"]):
        if ids != "none":
            cell["id"] = {"unique": f"c{index}", "repeated": "c", "bad": f"c {index}"}[ids]
    if draw(st.booleans()):
        edit(nb, draw)
    return nb


def edit(nb: dict[str, Any], draw: st.DrawFn) -> None:
    """Set or delete one key (or item) of any object or array in the notebook."""
    containers: list[Any] = []
    stack: list[Any] = [nb]
    while stack:
        node = stack.pop()
        containers.append(node)
        stack.extend(v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list)))
    target = draw(st.sampled_from(containers))
    if isinstance(target, dict):
        key = draw(st.sampled_from(sorted(target) + KEYS))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(values)
    elif target:
        target[draw(st.integers(0, len(target) - 1))] = draw(values)
    else:
        target.append(draw(values))


def nbformat_accepts(nb: dict[str, Any]) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # validate, not isvalid: validate repairs repeated ids; we accept them with a warning
            nbformat.validate(copy.deepcopy(nb))
        except nbformat.ValidationError:
            return False
        except Exception:  # noqa: BLE001 — nbformat crashes on some invalid notebooks while wording its error
            return False
    return True


def verdict(data: bytes, check: Any = validate_notebook) -> str:
    try:
        check(data, limits=NotebookLimits())
    except ValidationFailure as failure:
        return failure.code
    return "valid"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nb=notebooks())
def test_generated_notebooks_get_nbformats_verdict(nb: dict[str, Any]) -> None:
    data = json.dumps(nb).encode()
    ours = verdict(data)
    assert ours in ("valid", "invalid_notebook"), ours
    assert (ours == "valid") == nbformat_accepts(nb), (ours, nb)
    assert ours == verdict(data, validate_notebook_exactly)


def real_notebooks() -> dict[str, bytes]:
    found = {
        "examples/week1-EXE.ipynb": (REPO / "examples" / "week1-EXE.ipynb").read_bytes(),
        "conftest notebook_bytes": notebook_bytes(5, extra_text="ö € [ {"),
        "conftest notebook_bytes minor 4": notebook_bytes(2, minor=4),
        "warm-up notebook": small_notebook(),
        "warm-up notebook minor 4": small_notebook(4),
    }
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lab", attachments={"a.png": {"image/png": "iVBOR"}}),
        nbformat.v4.new_code_cell(
            "1/0",
            execution_count=1,
            outputs=[
                nbformat.v4.new_output("stream", name="stderr", text=["a\n", "b"]),
                nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="x", traceback=["tb"]),
                nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
                nbformat.v4.new_output("display_data", data={"application/vnd.x+json": {"a": [1, {"b": None}]}}),
            ],
        ),
        nbformat.v4.new_raw_cell("raw", metadata={"format": "text/x-rst", "tags": ["a"]}),
    ]
    found["nbformat-built notebook"] = nbformat.writes(nb).encode()
    return found


@pytest.mark.parametrize("name", sorted(real_notebooks()))
def test_the_fast_path_vouches_for_real_notebooks(name: str) -> None:
    data = real_notebooks()[name]
    assert nbformat_accepts(json.loads(data))
    fast = check_fast(data, NotebookLimits())
    assert isinstance(fast, FastVerdict), fast
    assert validate_notebook(data) == validate_notebook_exactly(data, limits=NotebookLimits())


EDITS = {
    "extra top-level metadata key": (lambda nb: nb["metadata"].update(anything={"goes": [1, None]}), "valid"),
    "extra cell metadata key": (lambda nb: nb["cells"][0]["metadata"].update(mine={"x": [1]}), "valid"),
    "unknown output metadata": (lambda nb: nb["cells"][1]["outputs"][0]["metadata"].update(w=1), "valid"),
    "json mime holding a list": (lambda nb: nb["cells"][1]["outputs"][0]["data"].update({"application/json": [1]}), "valid"),
    "text mime holding a number": (lambda nb: nb["cells"][1]["outputs"][0]["data"].update({"text/plain": 1}), "invalid_notebook"),
    "tag with a comma": (lambda nb: nb["cells"][0]["metadata"].update(tags=["a,b"]), "invalid_notebook"),
    "repeated tag": (lambda nb: nb["cells"][0]["metadata"].update(tags=["a", "a"]), "invalid_notebook"),
    "scrolled 1": (lambda nb: nb["cells"][1]["metadata"].update(scrolled=1), "invalid_notebook"),
    "scrolled auto": (lambda nb: nb["cells"][1]["metadata"].update(scrolled="auto"), "valid"),
    "execution time as number": (lambda nb: nb["cells"][1]["metadata"].update(execution={"t": 1}), "invalid_notebook"),
    "orig_nbformat 0": (lambda nb: nb["metadata"].update(orig_nbformat=0), "invalid_notebook"),
    "kernelspec without display_name": (lambda nb: nb["metadata"]["kernelspec"].pop("display_name"), "invalid_notebook"),
    "id too long": (lambda nb: nb["cells"][0].update(id="a" * 65), "invalid_notebook"),
    "execution_count true": (lambda nb: nb["cells"][1].update(execution_count=True), "invalid_notebook"),
    "unknown key in an output": (lambda nb: nb["cells"][1]["outputs"][0].update(extra=1), "invalid_notebook"),
    "attachments on a code cell": (lambda nb: nb["cells"][1].update(attachments={}), "invalid_notebook"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edits_get_nbformats_verdict(name: str) -> None:
    nb = json.loads(real_notebooks()["nbformat-built notebook"])
    nb["cells"] = [nb["cells"][0], {**nb["cells"][1], "outputs": [nb["cells"][1]["outputs"][3]]}, nb["cells"][2]]
    change, expected = EDITS[name]
    change(nb)
    assert ("valid" if nbformat_accepts(nb) else "invalid_notebook") == expected
    assert verdict(json.dumps(nb).encode()) == expected


def test_a_refusal_names_msgspecs_path() -> None:
    nb = json.loads(notebook_bytes(3))
    del nb["cells"][2]["outputs"][0]["text"]
    with pytest.raises(ValidationFailure) as caught:
        validate_notebook(json.dumps(nb).encode())
    assert caught.value.code == "invalid_notebook"
    assert (caught.value.details["cell"], caught.value.details["output"]) == (2, 0)
    assert caught.value.details["path"] == "$.cells[2].outputs[0]"


@pytest.mark.parametrize(
    "data",
    [
        b'{"metadata": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [' + b"[]," * 1_000_001 + b"[]]}",
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"a": "' + b"x" * 5_000_000 + b'"}, "cells": []}',
    ],
    ids=["deep", "many-containers", "long-string"],
)
def test_pathological_input_is_left_to_the_exact_path_or_bounded(data: bytes) -> None:
    fast = check_fast(data, NotebookLimits())
    if isinstance(fast, Deferred):
        assert verdict(data) in ("too_complex", "invalid_notebook")
    else:
        assert verdict(data) == "valid"


def test_warm_up_also_prepares_the_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path alone would leave the schema uncompiled until the first refusal."""
    checked: list[int] = []
    real = notebook_module.check_schema
    monkeypatch.setattr(notebook_module, "check_schema", lambda nb, **kw: checked.append(kw["minor"]) or real(nb, **kw))
    warm_up_checks()
    assert checked == [5]


HEAD = b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": ['
RAW = b'{"cell_type": "raw", "metadata": {}, "source": ""'
REPEATED_KEYS = {
    "cell_type repeated as an unknown type": HEAD + RAW + b', "cell_type": "poem"}]}',
    "cell_type repeated as another type": HEAD + RAW + b', "cell_type": "code"}]}',
    "output_type repeated": HEAD + b'{"cell_type": "code", "metadata": {}, "source": "", "execution_count": null, '
    b'"outputs": [{"output_type": "stream", "name": "a", "text": "", "output_type": "error"}]}]}',
    "nbformat repeated as 3": HEAD + b'], "nbformat": 3}',
    "nbformat_minor repeated as 5, ids present": HEAD + RAW + b', "id": "a"}], "nbformat_minor": 5}',
    "kernelspec repeated as a number": b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {"kernelspec": '
    b'{"name": "a", "display_name": "b"}, "kernelspec": 1}, "cells": []}',
}


@pytest.mark.parametrize("name", sorted(REPEATED_KEYS))
def test_repeated_keys_get_the_verdict_of_the_last_one_like_json_loads(name: str) -> None:
    data = REPEATED_KEYS[name]
    expected = "valid" if nbformat_accepts(json.loads(data)) else "invalid_notebook"
    assert verdict(data) == verdict(data, validate_notebook_exactly) == expected
