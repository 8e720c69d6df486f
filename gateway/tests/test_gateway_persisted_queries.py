"""Persisted queries: Apollo's APQ protocol by SHA-256 hash, and the production setting that runs
only the registered operations (the manifest generated from the course page, checked current)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerlab.gateway import persisted_queries
from peerlab.gateway.main import create_app

ME = "query Me { me { person { id } } }"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apq(digest: str, query: str | None = None, **extra) -> dict:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}, **extra}
    if query is not None:
        body["query"] = query
    return body


def test_apq_unknown_hash_then_register_then_by_hash_alone(client, auth) -> None:
    assert (
        client.put(
            "/v1/roster/s210001", json={"name": "Ada", "roles": ["student"]}, headers=auth("t-admin", "admin")
        ).status_code
        == 200
    )
    headers = auth("s210001")
    digest = _sha(ME)
    first = client.post("/graphql", json=_apq(digest), headers=headers)
    assert first.status_code == 200
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    stored = client.post("/graphql", json=_apq(digest, ME), headers=headers)
    assert stored.status_code == 200 and stored.json() == {"data": {"me": {"person": {"id": "s210001"}}}}
    again = client.post("/graphql", json=_apq(digest), headers=headers)
    assert again.status_code == 200 and again.json() == stored.json()


def test_apq_refusals_have_codes(client, auth) -> None:
    headers = auth("s210001")
    cases = [
        (_apq(_sha(ME), "query Other { me { person { id } } }"), "persisted_query_hash_mismatch"),
        (
            {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": _sha(ME)}}},
            "persisted_query_unsupported_version",
        ),
        (_apq("ABC"), "invalid_persisted_query_hash"),
    ]
    for body, code in cases:
        response = client.post("/graphql", json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (400, code), body
    # A query over the measures is refused and not remembered under its hash.
    deep = "query Deep { " + "me { person { " * 6 + "id" + " } }" * 6 + " }"
    assert client.post("/graphql", json=_apq(_sha(deep), deep), headers=headers).json()["code"] == "query_too_deep"
    assert (
        client.post("/graphql", json=_apq(_sha(deep)), headers=headers).json()["errors"][0]["message"]
        == "PersistedQueryNotFound"
    )


def test_registered_operations_only(make_settings, auth, tmp_path: Path) -> None:
    manifest = tmp_path / "operations.json"
    manifest.write_text(persisted_queries.manifest_json([persisted_queries.Operation("Me", "query", ME)]))
    settings = make_settings(graphql_registered_operations_only=True, graphql_operation_manifest=str(manifest))
    headers = auth("s210001")
    with TestClient(create_app(settings)) as client:
        client.put("/v1/roster/s210001", json={"name": "Ada", "roles": ["student"]}, headers=auth("t-admin", "admin"))
        by_text = client.post("/graphql", json={"query": ME}, headers=headers)
        by_hash = client.post("/graphql", json=_apq(_sha(ME)), headers=headers)
        assert by_text.status_code == by_hash.status_code == 200
        assert by_text.json() == by_hash.json() == {"data": {"me": {"person": {"id": "s210001"}}}}
        for body in (
            {"query": "query Other { me { person { id } } }"},
            _apq(_sha("{ me { person { id } } }"), "{ me { person { id } } }"),  # APQ may not register
            _apq(_sha("{ x }")),
        ):
            refused = client.post("/graphql", json=body, headers=headers)
            assert (refused.status_code, refused.json()["code"]) == (400, "operation_not_registered"), body
        # Over WebSocket too: a subscription that is not registered gets the same code.
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": headers})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { myLabStatusChanged { labNumber } }"},
                }
            )
            message = ws.receive_json()
            errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "operation_not_registered", message


def test_a_manifest_whose_ids_do_not_match_is_refused(tmp_path: Path) -> None:
    bad = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "0" * 64, "name": "Me", "type": "query", "body": ME}],
    }
    (tmp_path / "m.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="does not match"):
        persisted_queries.load_manifest(tmp_path / "m.json")


def test_the_shipped_manifest_is_generated_from_the_course_page_and_valid() -> None:
    from graphql import parse, validate

    from peerlab.gateway.graphql.schema import build_schema
    from peerlab.gateway.settings import GatewaySettings

    operations = persisted_queries.extract_operations([persisted_queries.FRONT_END])
    assert persisted_queries.DEFAULT_MANIFEST.read_text() == persisted_queries.manifest_json(operations), (
        "run python -m peerlab.gateway.persisted_queries"
    )
    schema = build_schema(GatewaySettings(environment="test"))._schema
    assert {op.name for op in operations} == {
        "CourseLabs",
        "LabOverview",
        "CourseEligibility",
        "CourseGroups",
        "CourseExamDays",
    }
    for op in operations:
        assert validate(schema, parse(op.body)) == [], op.name
