"""validate_upload, the file rules, streaming checks: the whole hand-in, bytes deciding."""

from __future__ import annotations

import hashlib
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from pydantic import ValidationError

from peerlab.submissions.validation import (
    AssignmentFileRules,
    NotebookLimits,
    StreamGuard,
    ValidationFailure,
    check_file_count,
    check_file_name,
    default_rules_for,
    sniff_kind,
    validate_upload,
)

LAB = default_rules_for("lab")
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def notebook_bytes() -> bytes:
    nb = new_notebook()
    nb.cells = [new_code_cell("import torch")]
    return nbformat.writes(nb).encode()


def failure(file_name: str, data: bytes, rules: AssignmentFileRules = LAB) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as caught:
        validate_upload(kind_rules=rules, file_name=file_name, data=data)
    return caught.value


def test_a_valid_lab_hand_in_passes() -> None:
    data = notebook_bytes()
    result = validate_upload(kind_rules=LAB, file_name="lab3-EXE.ipynb", data=data)
    assert result.file_name == "lab3-EXE.ipynb"
    assert (result.kind, result.content) == ("lab", "notebook")
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.report.cell_count == 1  # type: ignore[union-attr]
    assert result.warnings == ()


def test_resubmissions_follow_the_lab_rules() -> None:
    rules = default_rules_for("resubmission")
    assert validate_upload(kind_rules=rules, file_name="EXE.IPYNB", data=notebook_bytes()).kind == "resubmission"
    assert failure("lab.ipynb", notebook_bytes(), rules).code == "file_name_rule"


@pytest.mark.parametrize("name", ["lab-EXE.ipynb.exe", "lab-EXE.py", "lab-EXE", "lab-EXE.pdf"])
def test_wrong_extensions_are_wrong_file_type(name: str) -> None:
    found = failure(name, notebook_bytes())
    assert (found.code, found.status) == ("wrong_file_type", 422)
    assert found.details["allowed"] == [".ipynb"]


@pytest.mark.parametrize("name", ["lab3.ipynb", "lab3-exe.ipynb", "lab3-Exe.ipynb"])
def test_exe_must_be_in_the_name_in_upper_case(name: str) -> None:
    assert failure(name, notebook_bytes()).code == "file_name_rule"


def test_unsafe_names_are_refused_before_anything_else() -> None:
    assert failure("../lab-EXE.ipynb", notebook_bytes()).code == "unsafe_file_name"
    assert failure("/tmp/lab-EXE.ipynb", b"").code == "unsafe_file_name"


def test_a_pdf_renamed_ipynb_is_not_json() -> None:
    found = failure("lab-EXE.ipynb", PDF_BYTES)
    assert found.code == "not_json"


def test_a_notebook_renamed_pdf_is_invalid_pdf() -> None:
    found = failure("report.pdf", notebook_bytes(), default_rules_for("report"))
    assert found.code == "invalid_pdf"


def test_the_declared_content_type_plays_no_part() -> None:
    # validate_upload takes no content type at all: a client claiming
    # "application/x-ipynb+json" for PDF bytes is judged on the bytes alone.
    assert sniff_kind(PDF_BYTES) == "pdf"
    assert sniff_kind(b'  \n{"cells": []}') == "json"
    assert sniff_kind(b"\xef\xbb\xbf[1]") == "json"
    assert sniff_kind(b"MZ\x90\x00 a windows executable") == "unknown"
    assert sniff_kind(b"junk before the header %PDF-1.7") == "pdf"
    assert failure("lab-EXE.ipynb", b"MZ\x90\x00").code == "not_json"


def test_zero_bytes_is_empty_file_and_oversize_is_413() -> None:
    assert failure("lab-EXE.ipynb", b"").code == "empty_file"
    small = AssignmentFileRules(kind="lab", allowed_extensions=("ipynb",), name_must_contain="EXE", max_bytes=100)
    found = failure("lab-EXE.ipynb", notebook_bytes(), small)
    assert (found.code, found.status) == ("too_large", 413)


def test_exactly_one_file_per_hand_in() -> None:
    check_file_count(kind_rules=LAB, count=1)
    with pytest.raises(ValidationFailure) as caught:
        check_file_count(kind_rules=LAB, count=2)
    assert (caught.value.code, caught.value.details) == ("too_many_files", {"max": 1, "found": 2})
    with pytest.raises(ValidationFailure) as caught:
        check_file_count(kind_rules=LAB, count=0)
    assert caught.value.code == "no_file"


def test_check_file_name_returns_the_safe_name() -> None:
    assert check_file_name(kind_rules=LAB, file_name=" Lab 3 EXE.ipynb") == "Lab 3 EXE.ipynb"


def test_default_rules_follow_the_course() -> None:
    assert LAB.allowed_extensions == (".ipynb",)
    assert LAB.name_must_contain == "EXE"
    assert LAB.max_bytes == 25 * 1024 * 1024
    assert LAB.notebook == NotebookLimits(max_bytes=25 * 1024 * 1024)
    synopsis, report, poster = (default_rules_for(k) for k in ("synopsis", "report", "poster"))
    assert (synopsis.max_pages, synopsis.soft_max_pages) == (1, None)
    assert (report.soft_max_pages, report.max_pages, report.require_repository_url) == (6, 30, True)
    assert poster.max_pages == 1
    assert {r.content for r in (synopsis, report, poster)} == {"pdf"}
    with pytest.raises(ValueError):
        default_rules_for("exam")  # type: ignore[arg-type]


def test_rules_are_data_that_round_trips_and_is_checked() -> None:
    report = default_rules_for("report")
    assert AssignmentFileRules.model_validate_json(report.model_dump_json()) == report
    custom = AssignmentFileRules(kind="lab", allowed_extensions=("IPYNB",), max_bytes=1000)
    assert custom.allowed_extensions == (".ipynb",)
    assert custom.notebook is not None and custom.notebook.max_bytes == 1000
    with pytest.raises(ValidationError):
        AssignmentFileRules(kind="report", allowed_extensions=(".pdf",), max_bytes=10)  # no max_pages
    with pytest.raises(ValidationError):
        AssignmentFileRules(kind="lab", allowed_extensions=(), max_bytes=10)
    with pytest.raises(ValidationError):
        AssignmentFileRules(kind="lab", allowed_extensions=(".ipynb",), max_bytes=10, extra=1)  # type: ignore[call-arg]


def feed_all(guard: StreamGuard, data: bytes, chunk: int) -> None:
    for start in range(0, len(data), chunk):
        guard.feed(data[start : start + chunk])


def test_stream_guard_hashes_and_counts_incrementally() -> None:
    data = notebook_bytes() * 3
    guard = StreamGuard.for_rules(LAB)
    feed_all(guard, data, 7)
    summary = guard.finish()
    assert summary.size == len(data)
    assert summary.sha256 == hashlib.sha256(data).hexdigest()
    assert summary.head == data[:1024]
    assert summary.sniffed == "json"


def test_stream_guard_stops_as_soon_as_the_limit_is_passed() -> None:
    guard = StreamGuard(max_bytes=10_000)
    fed = 0
    with pytest.raises(ValidationFailure) as caught:
        for _ in range(1_000):
            guard.feed(b"[" + b" " * 999)
            fed += 1000
    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert fed == 10_000  # the 11th chunk was refused
    with pytest.raises(ValidationFailure):
        guard.feed(b"more")  # stays failed
    with pytest.raises(ValidationFailure):
        guard.finish()


def test_stream_guard_refuses_the_wrong_kind_from_the_first_kilobyte() -> None:
    guard = StreamGuard.for_rules(LAB)
    with pytest.raises(ValidationFailure) as caught:
        feed_all(guard, PDF_BYTES + b"\0" * 5000, 512)
    assert caught.value.code == "not_json"
    assert guard.size <= 1024  # refused after the first kilobyte, not at the end

    short = StreamGuard.for_rules(default_rules_for("report"))
    short.feed(b'{"cells": []}')  # shorter than the sniff window: judged at finish
    with pytest.raises(ValidationFailure) as caught:
        short.finish()
    assert caught.value.code == "invalid_pdf"


def test_stream_guard_refuses_empty_uploads() -> None:
    with pytest.raises(ValidationFailure) as caught:
        StreamGuard(max_bytes=10).finish()
    assert caught.value.code == "empty_file"


def test_validation_failures_pickle_for_process_pools() -> None:
    import pickle

    original = ValidationFailure("too_large", "big", details={"max": 1})
    copy = pickle.loads(pickle.dumps(original))
    assert (copy.code, copy.message, copy.status, copy.details) == ("too_large", "big", 413, {"max": 1})
    assert json.loads(json.dumps(copy.details)) == {"max": 1}
