"""GraphQL hardening: abusive documents are refused before execution with a problem and a code."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.gateway.main import create_app
from peerlab.gateway.sdl import DEFAULT_PATH, render

PRODUCTION_LMS_SECRET = "whsec_" + "cHJvZHVjdGlvbi1sbXMtc2VjcmV0LWZvci10ZXN0cw=="


def _post(client: TestClient, query: str, headers: dict | None = None):
    return client.post("/graphql", json={"query": query}, headers=headers or {})


def _refused(response, code: str) -> dict:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


def test_a_100_alias_query_is_refused(client, auth) -> None:
    query = "{ " + " ".join(f"a{i}: course {{ id }}" for i in range(100)) + " }"
    body = _refused(_post(client, query, auth("s1")), "too_many_aliases")
    assert (body["aliases"], body["maxAliases"]) == (100, 15)


def test_aliases_are_counted_with_fragments_expanded(client, auth) -> None:
    """8 aliases in a fragment spread 4 times are 32 aliases."""
    fragment = "fragment A on Query { " + " ".join(f"a{i}: course {{ id }}" for i in range(8)) + " }"
    query = "query Q { ...B ...B } fragment B on Query { ...A ...A } " + fragment
    body = _refused(_post(client, query, auth("s1")), "too_many_aliases")
    assert body["aliases"] == 32


def test_a_depth_50_query_is_refused(client, auth) -> None:
    query = "{ me { " + "person { " * 48 + "id" + " }" * 48 + " } }"
    body = _refused(_post(client, query, auth("s1")), "query_too_deep")
    assert (body["depth"], body["maxDepth"]) == (49, 10)


def test_a_1_mb_query_is_refused_before_parsing(client, auth) -> None:
    query = "{ course { id } }" + " " * (1024 * 1024)
    response = _post(client, query, auth("s1"))
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_too_many_tokens_are_refused(client, auth) -> None:
    query = "{ course { " + " ".join(["id"] * 3000) + " } }"
    assert len(query.encode()) < 64 * 1024
    body = _refused(_post(client, query, auth("s1")), "too_many_tokens")
    assert body["maxTokens"] == 2000


def test_batches_are_limited(client, auth) -> None:
    ok = client.post("/graphql", json=[{"query": "{ course { id } }"}] * 3, headers=auth("s1"))
    assert ok.status_code == 200 and [r["data"]["course"]["id"] for r in ok.json()] == ["02456-2021"] * 3
    too_many = client.post("/graphql", json=[{"query": "{ course { id } }"}] * 11, headers=auth("s1"))
    assert too_many.status_code == 400 and too_many.json()["code"] == "too_many_operations"


def test_a_batch_is_refused_whole_before_any_of_it_runs(client, auth) -> None:
    """One operation over a limit refuses the batch; the mutation beside it never reaches a service
    (submissions is not even running here: had it been called, the answer would be masked errors)."""
    bomb = "{ " + " ".join(f"a{i}: course {{ id }}" for i in range(20)) + " }"
    mutation = 'mutation { withdrawHandIn(submissionId: "x") { errors { code } } }'
    response = client.post("/graphql", json=[{"query": mutation}, {"query": bomb}], headers=auth("s1"))
    _refused(response, "too_many_aliases")
    assert client.app.state.backend_calls.total() == 0


def test_unauthenticated_and_bad_tokens(client) -> None:
    response = client.post("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    # Refused before the body is read: a body that is not even JSON gets the same answer.
    garbage = client.post("/graphql", content=b"\xff{", headers={"content-type": "application/json"})
    assert garbage.status_code == 401 and garbage.json()["code"] == "unauthenticated"
    introspection = client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert introspection.status_code == 401
    bad = client.post("/graphql", json={"query": "{ me { id } }"}, headers={"authorization": "Bearer x.y.z"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_token"


def test_students_are_refused_staff_fields(client, auth) -> None:
    for query in (
        "{ students { totalCount } }",
        '{ person(id: "s2") { id } }',
        "{ labOverview(labNumber: 1) { handedIn } }",
        '{ studentRecord(studentId: "s2") { labs { status } } }',
        "{ labOverviewExport(labNumber: 1) }",
    ):
        body = client.post("/graphql", json={"query": query}, headers=auth("s1")).json()
        assert body["data"] is None or all(v is None for v in body["data"].values()), (query, body)
        assert body["errors"][0]["extensions"]["code"] == "forbidden", (query, body)


def test_unexpected_errors_are_masked(make_settings, auth) -> None:
    """A backend that cannot be reached is our problem: the client sees no internals."""
    settings = make_settings(submissions_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as client:
        body = client.post(
            "/graphql", json={"query": "{ course { assignments { totalCount } } }"}, headers=auth("s1")
        ).json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "127.0.0.1" not in str(body)


@pytest.mark.parametrize("environment,introspection", [("production", False), ("test", True)])
def test_introspection_and_suggestions_only_outside_production(make_settings, auth, environment, introspection) -> None:
    settings = make_settings(
        environment=environment,
        jwt_secret="a-real-secret-for-production-0123456789",
        lms_inbound_secret=PRODUCTION_LMS_SECRET,
        webhook_allow_private=False,
    )
    with TestClient(create_app(settings)) as client:
        headers = {"authorization": "Bearer " + mint_dev_token(sub="s1", roles=["student"], secret=settings.jwt_secret)}
        schema = client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers=headers).json()
        typo = client.post("/graphql", json={"query": "{ cours { id } }"}, headers=headers).json()
        graphiql = client.get("/graphql", headers={"accept": "text/html"})
    assert ("errors" not in schema) is introspection
    assert ("Did you mean" in typo["errors"][0]["message"]) is introspection
    assert graphiql.status_code != 200 or "graphiql" not in graphiql.text.lower()


def test_graphiql_in_dev(make_settings) -> None:
    with TestClient(create_app(make_settings(environment="dev"))) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_committed_sdl_is_current() -> None:
    assert DEFAULT_PATH.read_text() == render(), "run: python -m peerlab.gateway.sdl"


def test_backend_calls_per_request_are_limited(make_settings, auth) -> None:
    """Fields that call a service once each cannot fan a small document out into many calls: past the
    budget the call is not made and the field carries a visible ``too_many_backend_calls``."""
    settings = make_settings(submissions_url="http://127.0.0.1:9", graphql_max_backend_calls=3)
    query = "{ " + " ".join(f"c{i}: course {{ assignments {{ totalCount }} }}" for i in range(5)) + " }"
    with TestClient(create_app(settings)) as client:
        body = client.post("/graphql", json={"query": query}, headers=auth("s1")).json()
        calls = client.app.state.backend_calls.total()
    assert "too_many_backend_calls" in {e.get("extensions", {}).get("code") for e in body["errors"]}, body
    assert calls == 3  # three were tried (the address is unreachable), the other two never made
