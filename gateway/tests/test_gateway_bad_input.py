"""Bad bytes for every body the gateway reads: a 4xx problem with a code, never a 500.

Bodies: GraphQL POST (JSON) and GET (query parameters), the LMS push, the roster CSV upload, the
roster PUT, webhook endpoint registration, update, secret rotation and recovery. For each: bytes that
are not UTF-8, other encodings and charsets, wrong content types, oversized bodies and fields, NUL
and control characters, JSON of the wrong shape.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from peerlab.gateway.main import create_app

PRODUCTION_JWT_SECRET = "a-real-secret-for-production-0123456789"
PRODUCTION_LMS_SECRET = "whsec_" + "cHJvZHVjdGlvbi1sbXMtc2VjcmV0LWZvci10ZXN0cw=="
JSON = {"content-type": "application/json"}
NOT_UTF8 = b'{"query": "{ course { id } }", "x": "\xff\xfe\xc3"}'


def problem(response, status: int | tuple[int, ...], code: str | None = None) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["code"] and body["code"] != "internal_error", body
    if code is not None:
        assert body["code"] == code, body
    return body


# --- GraphQL -----------------------------------------------------------------------------------


GRAPHQL_POST_BODIES_CASES = [
    (NOT_UTF8, JSON, 400, "invalid_encoding"),
    (json.dumps({"query": "{ course { id } }"}).encode("utf-16"), JSON, 400, "invalid_encoding"),
    (json.dumps({"query": "{ course { id } }"}).encode("utf-16-le"), JSON, 400, "invalid_json"),
    (
        b'{"query": "{ course { id } }"}',
        {"content-type": "application/json; charset=latin-1"},
        415,
        "unsupported_charset",
    ),
    (b'{"query": "{ course { id } }"}', {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    (
        b"query=%7B+course+%7B+id+%7D+%7D",
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
    ),
    (b"{ course { id } }", {"content-type": "application/graphql"}, 415, "unsupported_media_type"),
    (b'{"query": "{ course { id } }"', JSON, 400, "invalid_json"),
    (b"[" * 30000 + b"]" * 30000, JSON, 400, "invalid_json"),
    (b'{"query": "{ course { id } }", "variables": {"n": ' + b"9" * 5000 + b"}}", JSON, 400, "invalid_json"),
    (b'"{ course { id } }"', JSON, 400, "invalid_request"),
    (b"[1, 2]", JSON, 400, "invalid_request"),
    (b"[]", JSON, 400, "too_many_operations"),
    (b'{"query": 42}', JSON, 400, "invalid_request"),
    (b'{"query": "{ course { id } }", "variables": [1]}', JSON, 400, "invalid_request"),
    (b'{"query": "{ course { id } }", "operationName": {"a": 1}}', JSON, 400, "invalid_request"),
    (json.dumps({"query": "{ course { id } }", "variables": {"x": "a" * 70000}}).encode(), JSON, 413, "too_large"),
]


def test_graphql_post_bodies(client, auth) -> None:
    for content, headers, status, code in GRAPHQL_POST_BODIES_CASES:
        problem(client.post("/graphql", content=content, headers={**auth("s1"), **headers}), status, code)


def test_graphql_strings_with_nul_and_no_query_are_graphql_errors_not_500s(client, auth) -> None:
    response = client.post("/graphql", json={"query": '{ assignment(id: "a\\u0000b") { id } }'}, headers=auth("s1"))
    assert response.status_code == 200, response.text  # a GraphQL error (the backend is not running here)
    missing = client.post("/graphql", json={"variables": {}}, headers=auth("s1"))
    problem(missing, 400, "bad_request")


GRAPHQL_GET_QUERY_PARAMS_CASES = [
    "query=%FF%FE",
    "query=%7B+course+%7B+id+%7D+%7D",
    "query=%7Bcourse%7Bid%7D%7D&variables=%FF",
    "query=mutation+%7B+withdrawHandIn(submissionId%3A%22x%22)+%7B+errors+%7B+code+%7D+%7D+%7D",
]


def test_graphql_get_query_params(client, auth) -> None:
    for query_string in GRAPHQL_GET_QUERY_PARAMS_CASES:
        problem(client.get(f"/graphql?{query_string}", headers=auth("s1")), 405, "method_not_allowed")
        problem(client.get(f"/graphql?{query_string}"), 401, "unauthenticated")


def test_nul_in_a_query_string_or_path(client, auth) -> None:
    problem(client.get("/graphql?query=%00", headers=auth("s1")), 400, "invalid_characters")
    problem(client.get("/v1/webhooks/deliveries/%00", headers=auth("t", "admin")), 400, "invalid_characters")
    problem(client.get("/v1/roster?after=a%00b", headers=auth("t", "admin")), 400, "invalid_characters")


# --- the LMS push -------------------------------------------------------------------------------


def signed(secret: str, body: bytes | str, *, content_type: str = "application/json") -> tuple[bytes, dict]:
    text = body if isinstance(body, str) else body.decode("utf-8")
    msg_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=text),
        "content-type": content_type,
    }
    return text.encode(), headers


def enrolled(**data) -> str:
    person = {"person_id": "s219999", "name": "Grace Hopper", "roles": ["student"], "programme": "msc", **data}
    return json.dumps({"type": "person.enrolled", "data": person})


@pytest.fixture(params=["test", "production"])
def lms_client(request, make_settings):
    extra = {}
    if request.param == "production":
        extra = dict(
            jwt_secret=PRODUCTION_JWT_SECRET, lms_inbound_secret=PRODUCTION_LMS_SECRET, webhook_allow_private=False
        )
    settings = make_settings(environment=request.param, **extra)
    with TestClient(create_app(settings)) as client:
        client.lms_secret = settings.lms_inbound_secret
        yield client


def test_lms_push_unsigned_bad_bytes(lms_client) -> None:
    post = lms_client.post
    problem(
        post("/v1/roster/lms", content=b'{"type": "person.enrolled", "data": {"name": "\xff"}}', headers=JSON),
        400,
        "invalid_encoding",
    )
    problem(post("/v1/roster/lms", content=enrolled().encode("utf-16"), headers=JSON), 400, "invalid_encoding")
    problem(
        post("/v1/roster/lms", content=enrolled().encode(), headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    problem(
        post(
            "/v1/roster/lms",
            content=enrolled().encode(),
            headers={"content-type": "application/json; charset=iso-8859-1"},
        ),
        415,
        "unsupported_charset",
    )
    problem(post("/v1/roster/lms", content=enrolled().encode(), headers=JSON), 401, "invalid_signature")
    problem(post("/v1/roster/lms", content=b"x" * 70000, headers=JSON), 413, "too_large")
    for signature in ("garbage", "v1,!!!not-base64", "v1,a,b", "v1", ""):
        headers = {
            **JSON,
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
            "webhook-signature": signature,
        }
        problem(post("/v1/roster/lms", content=enrolled().encode(), headers=headers), 401, "invalid_signature")
    for timestamp in ("abc", "1e9", "-1", "9" * 30):
        headers = {**JSON, "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": "v1,AAAA"}
        problem(post("/v1/roster/lms", content=enrolled().encode(), headers=headers), 401, "invalid_signature")


LMS_PUSH_SIGNED_BAD_PAYLOADS_CASES = [
    ("not json", 400, "invalid_json"),
    ("[" * 5000 + "]" * 5000, 400, "invalid_json"),
    ('{"type": "person.enrolled", "data": {"n": ' + "9" * 5000 + "}}", 400, "invalid_json"),
    ('["person.enrolled"]', 422, "invalid_payload"),
    ('{"type": "person.enrolled", "data": [1]}', 422, "invalid_payload"),
    (enrolled(name="x" * 20000), 422, "invalid_name"),
    (enrolled(person_id="s\u0000"), 422, "invalid_person_id"),
    (enrolled(person_id=12), 422, "invalid_payload"),
    (enrolled(name="Grace\u0000Hopper"), 422, "invalid_name"),
    (enrolled(email={"a": 1}), 422, "invalid_payload"),
    (enrolled(email="x" * 400 + "@dtu.dk"), 422, "invalid_email"),
    (enrolled(roles=[1, 2]), 422, "invalid_payload"),
    (enrolled(roles="student"), 422, "invalid_payload"),
    (enrolled(programme=["msc"]), 422, "invalid_payload"),
    (enrolled(programme="bsc"), 422, "invalid_programme"),
    ('{"type": "' + "x" * 10000 + '", "data": {}}', 422, "unknown_message_type"),
    ('{"type": "person.unenrolled", "data": {"person_id": null}}', 422, "invalid_payload"),
]


def test_lms_push_signed_bad_payloads(lms_client) -> None:
    for body, status, code in LMS_PUSH_SIGNED_BAD_PAYLOADS_CASES:
        content, headers = signed(lms_client.lms_secret, body)
        problem(lms_client.post("/v1/roster/lms", content=content, headers=headers), status, code)


# --- the roster CSV upload and PUT ----------------------------------------------------------------

CSV = {"content-type": "text/csv"}


ROSTER_CSV_BAD_FILES_CASES = [
    ("id,name\ns1," + "x" * 131073 + "\n", CSV, 422, "invalid_csv"),
    ('id,name\ns1,"unterminated\n' + "x" * 140000, CSV, 422, "invalid_csv"),
    (b"id,name\ns1,Ad\xe9 Lovelace\n", CSV, 422, "not_utf8"),
    ("id,name\ns1,Ada\n".encode("utf-16"), CSV, 422, "not_utf8"),
    ("id,name\ns1,Ada\n", {"content-type": "text/csv; charset=latin-1"}, 415, "unsupported_charset"),
    ("id,name\ns1,Ada\n", JSON, 415, "unsupported_media_type"),
    ("id,name\ns1,Ada\n", {"content-type": "multipart/form-data; boundary=x"}, 415, "unsupported_media_type"),
    ("id,name\n" + "s1,Ada\n" * 400000, CSV, 413, "too_large"),
    ("name\nAda\n", CSV, 422, "csv_header"),
]


def test_roster_csv_bad_files(client, auth) -> None:
    for content, headers, status, code in ROSTER_CSV_BAD_FILES_CASES:
        problem(
            client.post("/v1/roster/import", content=content, headers={**auth("t", "admin"), **headers}), status, code
        )


def test_roster_csv_bad_rows_are_reported_not_500s(client, auth) -> None:
    text = (
        "id,name,email,roles,programme\n"
        f"s1,{'x' * 301},,student,msc\n"  # name longer than its column
        f"s2,Bo,{'y' * 321},student,msc\n"  # email longer than its column
        "s3,Cy,,student,msc,extra,columns\n"  # more fields than the header
        "s4,Di\n"  # fewer
        "s5,\x07Bell,,student,msc\n"  # a control character
        "s6,Ada\x00Lovelace,,student,msc\n"
    )  # NUL (PostgreSQL refuses it in text)
    response = client.post("/v1/roster/import", content=text, headers={**auth("t", "admin"), **CSV})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["enrolled"] == 2  # s3 (extra fields ignored) and s4
    assert [(e["line"], e["code"]) for e in body["errors"]] == [
        (2, "invalid_name"),
        (3, "invalid_email"),
        (6, "invalid_name"),
        (7, "invalid_name"),
    ]


ROSTER_PUT_BODIES_CASES = [
    (b'{"name": "\xff"}', 400, None),
    (b'{"name": "Ada\\u0000"}', 422, "validation_error"),
    (json.dumps({"name": "x" * 301}).encode(), 422, "validation_error"),
    (json.dumps({"name": "Ada", "roles": ["x" * 1000]}).encode(), 422, "validation_error"),
    (json.dumps({"name": "Ada", "roles": ["student"] * 11}).encode(), 422, "validation_error"),
    (b"[" * 30000 + b"]" * 30000, (400, 422), None),
    (json.dumps({"name": "Ada", "roles": ["wizard"]}).encode(), 422, "invalid_role"),
]


def test_roster_put_bodies(client, auth) -> None:
    for content, status, code in ROSTER_PUT_BODIES_CASES:
        problem(client.put("/v1/roster/s1", content=content, headers={**auth("t", "admin"), **JSON}), status, code)


def test_roster_put_path_ids(client, auth) -> None:
    admin = {**auth("t", "admin"), **JSON}
    problem(client.put("/v1/roster/" + "x" * 101, json={"name": "Ada"}, headers=admin), 422, "invalid_person_id")
    problem(client.put("/v1/roster/a%00b", json={"name": "Ada"}, headers=admin), 400, "invalid_characters")
    problem(client.put("/v1/roster/a%07b", json={"name": "Ada"}, headers=admin), 422, "invalid_person_id")


# --- webhook administration ---------------------------------------------------------------------


WEBHOOK_ENDPOINT_REGISTRATION_CASES = [
    (b'{"url": "http://example.org/\xff"}', JSON, 400, None),
    (json.dumps({"url": "http://example.org/hooks"}).encode("utf-16"), JSON, (400, 422), None),
    (b"url=http://example.org", {"content-type": "application/x-www-form-urlencoded"}, 422, "validation_error"),
    (json.dumps({"url": "http://example.org/" + "a" * 2100}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://example.org/a\u0000b"}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://[::1"}).encode(), JSON, 422, "invalid_url"),
    (json.dumps({"url": "http://example.org:99999/"}).encode(), JSON, 422, "invalid_url"),
    (json.dumps({"url": "http://a..b/hooks"}).encode(), JSON, 422, "unsafe_url"),
    (json.dumps({"url": "http://example.org/ hooks"}).encode(), JSON, 422, "invalid_url"),
    (json.dumps({"url": "http://127.0.0.1/", "description": "d" * 501}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://127.0.0.1/", "description": "a\u0000"}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://127.0.0.1/", "secret": "whsec_" + "A" * 300}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://127.0.0.1/", "secret": "whsec_%%%"}).encode(), JSON, 422, "invalid_secret"),
    (json.dumps({"url": "http://127.0.0.1/", "event_types": ["x" * 300]}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://127.0.0.1/", "event_types": ["a"] * 101}).encode(), JSON, 422, "validation_error"),
    (json.dumps({"url": "http://127.0.0.1/", "event_types": ["nope.v1"]}).encode(), JSON, 422, "unknown_event_type"),
    (json.dumps({"url": "http://127.0.0.1/", "description": "d" * 70000}).encode(), JSON, 413, "too_large"),
]


def test_webhook_endpoint_registration(client, auth) -> None:
    for content, headers, status, code in WEBHOOK_ENDPOINT_REGISTRATION_CASES:
        problem(
            client.post("/v1/webhooks/endpoints", content=content, headers={**auth("t", "admin"), **headers}),
            status,
            code,
        )


def test_webhook_update_rotate_and_recover_bodies(client, auth) -> None:
    admin = auth("t", "admin")
    created = client.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hooks"}, headers=admin)
    assert created.status_code == 201, created.text
    endpoint = created.json()["id"]
    patch = f"/v1/webhooks/endpoints/{endpoint}"
    problem(client.patch(patch, content=b'{"description": "\xff"}', headers={**admin, **JSON}), 400)
    problem(client.patch(patch, json={"description": "a\u0000"}, headers=admin), 422, "validation_error")
    problem(client.patch(patch, json={"url": "http://[::1"}, headers=admin), 422, "invalid_url")
    problem(client.patch(patch, json={"enabled": "maybe"}, headers=admin), 422, "validation_error")
    rotate = f"/v1/webhooks/endpoints/{endpoint}/rotate-secret"
    problem(client.post(rotate, json={"secret": "whsec_" + "A" * 300}, headers=admin), 422, "validation_error")
    problem(client.post(rotate, json={"secret": "nope"}, headers=admin), 422, "invalid_secret")
    problem(client.post(rotate, content=b"\xff", headers={**admin, **JSON}), 400)
    recover = f"/v1/webhooks/endpoints/{endpoint}/recover"
    problem(client.post(recover, json={"since": "yesterday"}, headers=admin), 422, "validation_error")
    problem(client.post(recover, content=b'{"since": "\xff"}', headers={**admin, **JSON}), 400)
