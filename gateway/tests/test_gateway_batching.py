"""DataLoaders: a staff query over 400 students and their 8 labs costs a constant number of
backend calls per level, counted at the gateway's HTTP client, against the real services."""

from __future__ import annotations

import uuid

QUERY = """
query Roster($first: Int!) {
  students(first: $first) {
    totalCount
    edges { node {
      id name email programme
      labs { labNumber status verdict verdictComment reviewsReceived }
      eligibility { status labsPassed threshold }
      handIns { id assignmentId status }
    } }
  }
}
"""


def _enrol(client, admin: dict, n: int, tag: str) -> list[str]:
    ids = [f"{tag}{i:04d}" for i in range(n)]
    rows = "\n".join(
        f"{i},Student {i},{i}@student.dtu.dk,student,{'phd' if k % 10 == 0 else 'msc'}" for k, i in enumerate(ids)
    )
    response = client.post(
        "/v1/roster/import",
        content="id,name,email,roles,programme\n" + rows,
        headers={**admin, "content-type": "text/csv"},
    )
    assert response.status_code == 200 and response.json()["enrolled"] == n
    return ids


def _calls_for(client, staff: dict, first: int) -> tuple[dict, dict]:
    counter = client.app.state.backend_calls
    counter.reset()
    body = client.post("/graphql", json={"query": QUERY, "variables": {"first": first}}, headers=staff).json()
    assert "errors" not in body, body["errors"][:2]
    return body, counter.snapshot()


def test_400_students_and_8_labs_cost_a_constant_number_of_calls(gateway_over_services, auth) -> None:
    client = gateway_over_services
    admin, staff = auth("t-admin", "admin"), auth("t-ole", "teacher")
    tag = f"b{uuid.uuid4().hex[:4]}"
    _enrol(client, admin, 400, tag)

    small, small_calls = _calls_for(client, staff, 10)
    large, large_calls = _calls_for(client, staff, 400)

    nodes = [e["node"] for e in large["data"]["students"]["edges"]]
    assert len(nodes) == 400
    assert all(len(n["labs"]) == 8 for n in nodes), nodes[0]
    assert all(n["eligibility"] is not None for n in nodes)
    # One call per service and key per level, whatever the number of students.
    assert small_calls == large_calls, (small_calls, large_calls)
    assert large_calls == {
        ("review", "GET", "/v1/lab-status"): 1,
        ("review", "GET", "/v1/eligibility"): 1,
        ("submissions", "GET", "/v1/submissions"): 1,
    }
