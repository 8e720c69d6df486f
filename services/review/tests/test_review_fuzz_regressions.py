"""Requests the API fuzzer (tests/api_fuzz.py) found answered with a 500; each must be a clear 4xx."""

from __future__ import annotations

import pytest

from review_testkit import ReviewStack


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/teacher/queue?lab_number=31643878157"),
        ("GET", "/v1/teacher/queue?lab_number=2828259089177354300863545344&open=true"),
        ("GET", "/v1/teacher/labs/31643878157"),
        ("GET", "/v1/labs/31643878157/round"),
        ("PUT", "/v1/students/s210001/labs/31643878157/verdict"),
        ("GET", "/v1/teacher/queue?lab_number=0"),
    ],
)
def test_lab_numbers_out_of_range_are_refused_before_the_database(stack: ReviewStack, method: str, path: str) -> None:
    """A lab number past any integer column used to reach the query (integer out of range: 500)."""
    client = stack.client()
    response = client.request(
        method, path, json={"status": "pass", "comment": "ok"}, headers=stack.auth("teacher-1", "teacher")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"


def test_lab_numbers_in_range_still_answer(stack: ReviewStack) -> None:
    client = stack.client()
    teacher = stack.auth("teacher-1", "teacher")
    assert client.get("/v1/teacher/queue?lab_number=3", headers=teacher).status_code == 200
    assert client.get("/v1/labs/3/round", headers=stack.auth("s210001")).status_code == 404
