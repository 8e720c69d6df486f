"""Requests the API fuzzer (tests/api_fuzz.py) found answered with a 500; each must be a clear 4xx."""

from __future__ import annotations


def test_a_version_number_out_of_range_is_refused_before_the_database(stack, make_notebook) -> None:  # noqa: ANN001
    """A version past the INTEGER column used to reach the query (integer out of range: 500)."""
    stack.assignment("lab-1", lab_number=1)
    handed_in = stack.hand_in("lab-1", "s210001", make_notebook())
    assert handed_in.status_code == 201, handed_in.text
    submission_id = handed_in.json()["submission"]["id"]
    for what in ("download", "receipt"):
        for version in ("31643878157", "99999999999999999999999", "0"):
            for headers in (stack.auth("s210001"), stack.teacher):
                response = stack.client.get(f"/v1/submissions/{submission_id}/versions/{version}/{what}",
                                            headers=headers)
                assert response.status_code == 422, (what, version, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["code"] == "validation_error"
        assert stack.client.get(f"/v1/submissions/{submission_id}/versions/1/{what}",
                                headers=stack.auth("s210001")).status_code == 200
