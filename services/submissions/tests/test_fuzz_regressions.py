"""Requests the API fuzzer (tests/api_fuzz.py) found answered with a 500; each must be a clear 4xx."""

from __future__ import annotations


def test_a_version_number_out_of_range_is_refused_before_the_database(stack, make_notebook) -> None:
    """A version past the INTEGER column used to reach the query (integer out of range: 500)."""
    stack.assignment("lab-1", lab_number=1)
    handed_in = stack.hand_in("lab-1", "s210001", make_notebook())
    assert handed_in.status_code == 201, handed_in.text
    submission_id = handed_in.json()["submission"]["id"]
    for what in ("download", "receipt"):
        for version in ("31643878157", "99999999999999999999999", "0"):
            for headers in (stack.auth("s210001"), stack.teacher):
                response = stack.client.get(
                    f"/v1/submissions/{submission_id}/versions/{version}/{what}", headers=headers
                )
                assert response.status_code == 422, (what, version, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["code"] == "validation_error"
        assert (
            stack.client.get(
                f"/v1/submissions/{submission_id}/versions/1/{what}", headers=stack.auth("s210001")
            ).status_code
            == 200
        )


def test_an_assignment_time_out_of_any_course_year_is_a_422(stack) -> None:
    """A deadline near year 1 (or 9999) with an offset could not be converted to UTC (OverflowError: 500)."""
    body = {
        "kind": "lab",
        "title": "HTTP request latency",
        "opens_at": "2000-01-01T00:01:02Z",
        "deadline": "0001-01-01T00:00:01.0+00:01",
    }
    for method, path, payload in (
        ("PUT", "/v1/assignments/code", body),
        ("POST", "/v1/assignments", {**body, "deadline": "9999-12-31T23:59:59-01:00"}),
        ("POST", "/v1/assignments", {**body, "opens_at": "1999-12-31T00:00:00Z", "deadline": "2000-02-01T00:00:00Z"}),
    ):
        response = stack.client.request(method, path, json=payload, headers=stack.teacher)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "invalid_time"
    stack.assignment("lab-1", lab_number=1)
    response = stack.client.patch(
        "/v1/assignments/lab-1", json={"opens_at": "0001-01-01T00:00:00+00:01"}, headers=stack.teacher
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_time"
