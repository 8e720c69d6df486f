"""validate_notebook: every kind of bad notebook is refused with the right code."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from peerlab.submissions.validation import (
    NotebookLimits,
    ValidationFailure,
    parse_json_bounded,
    scan_shape,
    validate_notebook,
)


def notebook(**metadata: Any) -> nbformat.NotebookNode:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            **metadata,
        }
    )
    nb.cells = [
        new_markdown_cell("# Lab 3"),
        new_code_cell(
            "print('hi')",
            execution_count=1,
            outputs=[
                new_output("stream", name="stdout", text="hi\n"),
            ],
        ),
        new_raw_cell("raw"),
    ]
    return nb


def as_bytes(nb: Any) -> bytes:
    return json.dumps(nb).encode("utf-8")


def failure(data: bytes, limits: NotebookLimits | None = None) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as caught:
        validate_notebook(data, limits=limits or NotebookLimits())
    return caught.value


def test_a_valid_notebook_passes_with_a_report() -> None:
    report = validate_notebook(nbformat.writes(notebook()).encode(), limits=NotebookLimits())
    assert (report.nbformat, report.nbformat_minor) == (4, 5)
    assert (report.cell_count, report.code_cells, report.markdown_cells, report.raw_cells) == (3, 1, 1, 1)
    assert report.output_count == 1
    assert report.kernel_name == "python3"
    assert report.kernel_language == "python"
    assert report.warnings == ()


def test_colab_style_minor_zero_notebooks_pass() -> None:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 0,
        "metadata": {"colab": {"name": "lab.ipynb", "provenance": []}, "accelerator": "GPU"},
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 2,
                "source": ["x = 1"],
                "metadata": {"id": "abc", "colab": {"base_uri": "https://localhost/"}},
                "outputs": [],
            }
        ],
    }
    report = validate_notebook(as_bytes(nb))
    assert report.nbformat_minor == 0
    assert report.kernel_language is None


def test_a_utf8_bom_is_tolerated() -> None:
    assert validate_notebook(b"\xef\xbb\xbf" + as_bytes(notebook())).cell_count == 3


def test_zero_bytes_is_empty_file() -> None:
    assert failure(b"").code == "empty_file"


def test_truncated_json_is_not_json() -> None:
    data = nbformat.writes(notebook()).encode()
    found = failure(data[: len(data) // 2])
    assert found.code == "not_json"
    assert "line" in found.details


def test_a_pdf_renamed_ipynb_is_not_json() -> None:
    found = failure(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
    assert found.code == "not_json"
    assert "PDF" in found.message


def test_non_utf8_bytes_are_not_json() -> None:
    assert failure(b'{"cells": "\xff\xfe"}').code == "not_json"
    assert failure('{"a": 1}'.encode("utf-16")).code == "not_json"


def test_json_that_is_not_a_notebook_is_invalid_notebook() -> None:
    assert failure(b"[1, 2, 3]").code == "invalid_notebook"
    assert failure(b'{"hello": "world"}').code == "invalid_notebook"
    assert failure(b'{"nbformat": true, "nbformat_minor": 0, "cells": []}').code == "invalid_notebook"
    # nbformat itself crashes on this one (an assert); we refuse it.
    assert failure(b'{"nbformat": 4, "nbformat_minor": "5", "cells": []}').code == "invalid_notebook"


def test_old_and_future_major_formats_are_invalid_notebook() -> None:
    for major in (3, 5):
        nb = {"nbformat": major, "nbformat_minor": 0, "metadata": {}, "worksheets": [], "cells": []}
        found = failure(as_bytes(nb))
        assert found.code == "invalid_notebook"
        assert found.details == {"nbformat": major}


def test_a_100k_deep_array_is_too_complex_without_parsing() -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    found = failure(data)
    assert found.code == "too_complex"
    assert found.details["limit"] == "max_depth"
    assert found.details["found"] == 100_000


def test_deep_nesting_inside_a_valid_notebook_is_bounded() -> None:
    nb = notebook()
    deep: Any = "leaf"
    for _ in range(80):
        deep = {"n": deep}
    nb.metadata["deep"] = deep
    assert failure(as_bytes(nb)).code == "too_complex"
    # The same document passes when the limit allows it.
    report = validate_notebook(as_bytes(nb), limits=NotebookLimits(max_depth=100))
    assert report.cell_count == 3


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    nb = notebook()
    nb.cells[0].source = "[" * 10_000 + '"\\"{' * 1000
    assert validate_notebook(as_bytes(nb)).cell_count == 3


def test_scan_shape_counts_depth_and_containers() -> None:
    assert scan_shape(b'{"a": [1, {"b": "]]]]"}], "c": {}}').max_depth == 3
    assert scan_shape(b'{"a": [1, {"b": "]]]]"}], "c": {}}').containers == 4
    assert scan_shape(b'"just a string with [ and {"').max_depth == 0
    assert scan_shape(b'["escaped \\" quote [", []]').max_depth == 2


def test_too_many_containers_is_too_complex() -> None:
    with pytest.raises(ValidationFailure) as caught:
        parse_json_bounded(b"[" + b"[]," * 1000 + b"[]]", max_depth=64, max_containers=500)
    assert caught.value.code == "too_complex"
    assert caught.value.details["limit"] == "max_containers"


def test_huge_integers_are_not_json_rather_than_a_crash() -> None:
    assert failure(b'{"nbformat": ' + b"9" * 10_000 + b"}").code == "not_json"


def test_a_50_mb_base64_output_is_too_large() -> None:
    nb = notebook()
    image = "iVBORw0KGgo" + "A" * (50 * 1024 * 1024)
    nb.cells[1].outputs.append(new_output("display_data", data={"image/png": image}))
    data = as_bytes(nb)
    # Refused on the file size by default (25 MiB) ...
    found = failure(data)
    assert (found.code, found.status, found.details["limit"]) == ("too_large", 413, "max_bytes")
    # ... and on the single output's size when the file limit would allow it.
    found = failure(data, NotebookLimits(max_bytes=64 * 1024 * 1024))
    assert (found.code, found.status) == ("too_large", 413)
    assert found.details == {
        "limit": "max_output_bytes",
        "max": 10 * 1024 * 1024,
        "cell": 1,
        "output": 1,
    }


def test_large_attachments_count_like_outputs() -> None:
    nb = notebook()
    nb.cells[0].attachments = {"plot.png": {"image/png": "A" * 2000}}
    found = failure(as_bytes(nb), NotebookLimits(max_output_bytes=1000))
    assert found.code == "too_large"
    assert found.details["part"] == "attachments"


def test_cell_and_output_counts_are_bounded() -> None:
    nb = notebook()
    nb.cells = [new_code_cell(str(i)) for i in range(11)]
    assert failure(as_bytes(nb), NotebookLimits(max_cells=10)).details["limit"] == "max_cells"

    nb.cells = [new_code_cell("x", outputs=[new_output("stream", name="stdout", text="o")] * 6)]
    found = failure(as_bytes(nb), NotebookLimits(max_outputs_per_cell=5))
    assert (found.code, found.details["limit"]) == ("too_complex", "max_outputs_per_cell")

    nb.cells = [new_code_cell("x", outputs=[new_output("stream", name="stdout", text="o")] * 4)] * 3
    found = failure(as_bytes(nb), NotebookLimits(max_total_outputs=10))
    assert (found.code, found.details["limit"]) == ("too_complex", "max_total_outputs")
    assert validate_notebook(as_bytes(nb), limits=NotebookLimits(max_total_outputs=12)).output_count == 12


def test_file_size_limit_applies_to_notebooks() -> None:
    data = as_bytes(notebook())
    found = failure(data, NotebookLimits(max_bytes=len(data) - 1))
    assert (found.code, found.status) == ("too_large", 413)


def test_schema_violations_are_invalid_notebook_and_name_the_place() -> None:
    nb = notebook()
    del nb.cells[1].outputs[0]["text"]
    found = failure(as_bytes(nb))
    assert found.code == "invalid_notebook"
    assert found.details["cell"] == 1
    assert found.details["output"] == 0
    assert "stream" in found.message and "text" in found.message

    nb = notebook()
    nb.cells[0].cell_type = "poem"
    found = failure(as_bytes(nb))
    assert (found.code, found.details["cell"]) == ("invalid_notebook", 0)

    nb = notebook()
    nb.metadata = []
    assert failure(as_bytes(nb)).code == "invalid_notebook"


def test_unknown_keys_are_refused_unless_relaxed() -> None:
    nb = notebook()
    nb.cells[1]["surprise"] = True
    assert failure(as_bytes(nb)).code == "invalid_notebook"
    relaxed = NotebookLimits(relax_additional_properties=True)
    assert validate_notebook(as_bytes(nb), limits=relaxed).cell_count == 3


def test_missing_and_repeated_cell_ids_warn_like_nbformat_repairs_them() -> None:
    nb = json.loads(as_bytes(notebook()))
    del nb["cells"][0]["id"]
    nb["cells"][2]["id"] = nb["cells"][1]["id"]
    before = json.dumps(nb)
    report = validate_notebook(json.dumps(nb).encode())
    assert [w.code for w in report.warnings] == ["missing_cell_ids", "duplicate_cell_ids"]
    assert report.warnings[0].details == {"cells": [0]}
    assert report.warnings[1].details == {"cells": [2]}
    assert json.dumps(nb) == before


def test_an_empty_notebook_passes_with_a_warning() -> None:
    nb = new_notebook()
    report = validate_notebook(as_bytes(nb))
    assert report.cell_count == 0
    assert [w.code for w in report.warnings] == ["empty_notebook"]


def test_validation_agrees_with_nbformat_on_valid_notebooks() -> None:
    nb = notebook()
    nb.cells.append(
        new_code_cell(
            "1/0",
            execution_count=2,
            outputs=[
                new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["tb"]),
                new_output("execute_result", data={"text/plain": "1"}, execution_count=2),
                new_output("display_data", data={"text/html": "<b>x</b>", "application/json": {"a": [1]}}),
            ],
        )
    )
    nbformat.validate(nb)  # the reference implementation accepts it ...
    assert validate_notebook(as_bytes(nb)).output_count == 4  # ... and so do we


MUTATIONS = {
    "cells-not-list": lambda nb: nb.update(cells={}),
    "no-metadata": lambda nb: nb.pop("metadata"),
    "extra-top-level-key": lambda nb: nb.update(worksheets=[]),
    "source-is-number": lambda nb: nb["cells"][0].update(source=7),
    "source-list-of-numbers": lambda nb: nb["cells"][0].update(source=[1, 2]),
    "markdown-with-outputs": lambda nb: nb["cells"][0].update(outputs=[]),
    "code-without-outputs": lambda nb: nb["cells"][1].pop("outputs"),
    "negative-execution-count": lambda nb: nb["cells"][1].update(execution_count=-1),
    "stream-without-name": lambda nb: nb["cells"][1]["outputs"][0].pop("name"),
    "unknown-output-type": lambda nb: nb["cells"][1]["outputs"][0].update(output_type="tweet"),
    "bad-mime-key": lambda nb: nb["cells"][1]["outputs"].append(
        {"output_type": "display_data", "data": {"not a mime": "x"}, "metadata": {}}
    ),
    "kernelspec-without-name": lambda nb: nb["metadata"]["kernelspec"].pop("name"),
    "cell-id-with-space": lambda nb: nb["cells"][0].update(id="a b"),
    "tags-not-list": lambda nb: nb["cells"][0]["metadata"].update(tags="x"),
    "valid-extra-metadata": lambda nb: nb["metadata"].update(anything={"goes": [1]}),
    "valid-empty-outputs": lambda nb: nb["cells"][1].update(outputs=[]),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_verdicts_match_nbformat_for_the_same_notebook(mutation: str) -> None:
    nb = json.loads(as_bytes(notebook()))
    MUTATIONS[mutation](nb)
    expected_valid = nbformat.validator.isvalid(json.loads(json.dumps(nb)))
    try:
        validate_notebook(as_bytes(nb))
        ours_valid = True
    except ValidationFailure as found:
        assert found.code == "invalid_notebook", found
        ours_valid = False
    assert ours_valid == expected_valid
