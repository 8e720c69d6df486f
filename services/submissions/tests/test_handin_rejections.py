"""Every bad input is answered 4xx with its code and leaves no record, no event, no object."""

from __future__ import annotations

import base64
import json

import pytest


def _nb(cells, minor=5):
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor}).encode()


def _code_cell(i, outputs=()):
    return {
        "cell_type": "code",
        "id": f"c{i}",
        "execution_count": None,
        "metadata": {},
        "outputs": list(outputs),
        "source": "x = 1",
    }


def _png_output(n_bytes):
    payload = base64.b64encode(b"\x89PNG" + b"\x00" * n_bytes).decode()
    return {"output_type": "display_data", "data": {"image/png": payload}, "metadata": {}}


GOOD = _nb([_code_cell(0)])


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("lab-EXE.py", GOOD, 422, "wrong_file_type"),
        ("lab-EXE.ipynb.exe", GOOD, 422, "wrong_file_type"),
        ("week1.ipynb", GOOD, 422, "file_name_rule"),
        ("week1-exe.ipynb", GOOD, 422, "file_name_rule"),
        ("../lab-EXE.ipynb", GOOD, 422, "unsafe_file_name"),
        ("/etc/lab-EXE.ipynb", GOOD, 422, "unsafe_file_name"),
        ("C:\\Users\\anna\\lab-EXE.ipynb", GOOD, 422, "unsafe_file_name"),
        ("lab\x00-EXE.ipynb", GOOD, 400, "invalid_characters"),  # refused at the edge: NUL in the query
        ("lab\u202e-EXE.ipynb", GOOD, 422, "unsafe_file_name"),
        ("a" * 300 + "-EXE.ipynb", GOOD, 422, "unsafe_file_name"),
        ("lab-EXE.ipynb", b"", 422, "empty_file"),
        ("lab-EXE.ipynb", b"hello, world", 422, "not_json"),
        ("lab-EXE.ipynb", GOOD[:-7], 422, "not_json"),
        ("lab-EXE.ipynb", b"[" * 100_000 + b"]" * 100_000, 422, "too_complex"),
        ("lab-EXE.ipynb", _nb([_code_cell(i) for i in range(2_001)]), 422, "too_complex"),
        (
            "lab-EXE.ipynb",
            _nb([{"cell_type": "code", "id": "a", "metadata": {}, "outputs": []}]),
            422,
            "invalid_notebook",
        ),
        (
            "lab-EXE.ipynb",
            json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode(),
            422,
            "invalid_notebook",
        ),
        ("lab-EXE.ipynb", _nb([_code_cell(0, [_png_output(8 * 1024 * 1024)])]), 413, "too_large"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_bad_lab_hand_in_is_refused_with_its_code(stack, nothing_kept, name, data, status, code):
    stack.assignment("lab-1", lab_number=1)
    r = stack.hand_in("lab-1", "s210001", data, name=name)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    nothing_kept(stack)


def test_fifty_megabyte_base64_output_is_refused_while_streaming(stack, nothing_kept):
    stack.assignment("lab-1", lab_number=1)
    data = _nb([_code_cell(0, [_png_output(38 * 1024 * 1024)])])
    assert len(data) > 50 * 1024 * 1024
    r = stack.hand_in("lab-1", "s210001", data)
    assert (r.status_code, r.json()["code"]) == (413, "too_large")
    nothing_kept(stack)


def test_pdf_renamed_to_ipynb_is_refused(stack, nothing_kept, make_pdf):
    stack.assignment("lab-1", lab_number=1)
    r = stack.hand_in("lab-1", "s210001", make_pdf(1), name="lab-EXE.ipynb")
    assert (r.status_code, r.json()["code"]) == (422, "not_json")
    nothing_kept(stack)


def test_content_type_that_lies_is_ignored_and_the_bytes_decide(stack, nothing_kept, make_pdf):
    stack.assignment("lab-1", lab_number=1)
    r = stack.client.post(
        "/v1/assignments/lab-1/submissions",
        headers=stack.auth("s1"),
        files={"file": ("lab-EXE.ipynb", make_pdf(1), "application/x-ipynb+json")},
    )
    assert (r.status_code, r.json()["code"]) == (422, "not_json")
    nothing_kept(stack)


def test_two_files_in_one_request_are_refused(stack, nothing_kept):
    stack.assignment("lab-1", lab_number=1)
    r = stack.client.post(
        "/v1/assignments/lab-1/submissions",
        headers=stack.auth("s1"),
        files=[
            ("file", ("a-EXE.ipynb", GOOD, "application/json")),
            ("file2", ("b-EXE.ipynb", GOOD, "application/json")),
        ],
    )
    assert (r.status_code, r.json()["code"]) == (422, "too_many_files")
    nothing_kept(stack)


def test_a_form_without_a_file_and_a_raw_body_without_a_name_are_refused(stack, nothing_kept):
    stack.assignment("lab-1", lab_number=1)
    r = stack.client.post("/v1/assignments/lab-1/submissions", headers=stack.auth("s1"), data={"note": "hi"}, files=[])
    assert r.status_code in (400, 422)
    raw = stack.client.post("/v1/assignments/lab-1/submissions", headers=stack.auth("s1"), content=GOOD)
    assert (raw.status_code, raw.json()["code"]) == (422, "no_file")
    traversal = stack.client.post(
        "/v1/assignments/lab-1/submissions",
        headers=stack.auth("s1"),
        files={"file": ("../../lab-EXE.ipynb", GOOD, "application/json")},
    )
    assert (traversal.status_code, traversal.json()["code"]) == (422, "unsafe_file_name")
    nothing_kept(stack)


@pytest.mark.parametrize(
    ("kind", "pages", "url", "name", "code"),
    [
        ("synopsis", 2, None, "synopsis.pdf", "too_many_pages"),
        ("report", 4, None, "report.pdf", "missing_repository_url"),
        ("poster", 1, None, "poster.ipynb", "wrong_file_type"),
        ("synopsis", 0, None, "synopsis.pdf", "invalid_pdf"),
    ],
)
def test_bad_pdf_hand_ins_are_refused(stack, nothing_kept, make_pdf, kind, pages, url, name, code):
    stack.assignment("a-1", kind=kind, owner_type="student")
    data = make_pdf(pages, url=url) if pages else b"%PDF-1.4\n this is not really a pdf"
    r = stack.hand_in("a-1", "s1", data, name=name)
    assert (r.status_code, r.json()["code"]) == (422, code), r.text
    nothing_kept(stack)


def test_a_notebook_sent_as_a_pdf_is_refused(stack, nothing_kept):
    stack.assignment("a-1", kind="synopsis", owner_type="student")
    r = stack.hand_in("a-1", "s1", GOOD, name="synopsis.pdf")
    assert (r.status_code, r.json()["code"]) == (422, "invalid_pdf")
    nothing_kept(stack)


def test_long_report_is_accepted_with_a_warning(stack, make_pdf):
    stack.assignment("a-1", kind="report", owner_type="student")
    r = stack.hand_in("a-1", "s1", make_pdf(8, url="https://github.com/team/deep-project"), name="report.pdf")
    assert r.status_code == 201, r.text
    assert [w["code"] for w in r.json()["warnings"]] == ["page_limit_exceeded"]
