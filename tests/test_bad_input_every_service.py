"""Bad bytes to every service answer 4xx problem+json with a code, never a 500.

Each service's real app (migrated SQLite, in process) gets: header values that are not UTF-8
(the chassis middleware decoded them as UTF-8 and answered 500), an unusable correlation id
(echoed back verbatim before), JSON bodies that are not UTF-8, malformed, UTF-16, of the wrong
content type, deeply nested, or larger than the JSON body limit (413). Every route with a JSON
body is tried, with a staff token so that authorisation is not what answers.
"""

from __future__ import annotations

import json

import pytest

from bad_input_kit import SERVICE_SETTINGS, service_client, staff_headers

BODIES = {
    "invalid_utf8": (b'{"title": "\xff\xfe\xfa"}', "application/json"),
    "malformed": (b'{"title": ', "application/json"),
    "utf16": ('{"title": "x"}'.encode("utf-16"), "application/json"),
    "text_plain": (b'{"title": "x"}', "text/plain"),
    "form": (b"title=x", "application/x-www-form-urlencoded"),
    "array": (b"[1,2,3]", "application/json"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nan": (b'{"title": NaN}', "application/json"),
    "too_large": (json.dumps({"title": "x" * (2 * 1024 * 1024)}).encode(), "application/json"),
}
ALLOWED = {400, 401, 403, 404, 405, 409, 413, 415, 422}


def _json_routes(client):
    for path, ops in client.get("/openapi.json").json()["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                url = "/".join("x1" if part.startswith("{") else part for part in path.split("/"))
                yield method.upper(), url


@pytest.fixture(params=sorted(SERVICE_SETTINGS))
def client(request, tmp_path):
    with service_client(request.param, tmp_path) as built:
        yield built


def _assert_problem(response, *, allowed=ALLOWED):
    if response.status_code < 300:  # a body of optional fields may ignore unknown ones
        return
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"]


def test_bad_json_bodies_are_4xx_problems(client):
    headers = staff_headers(client)
    routes = list(_json_routes(client))
    assert routes, "every service has routes with a JSON body"
    for method, url in routes:
        for name, (body, content_type) in BODIES.items():
            response = client.request(method, url, content=body, headers={**headers, "Content-Type": content_type})
            _assert_problem(response)
            if name == "too_large":
                assert response.status_code == 413 and response.json()["code"] == "too_large"
            if name in ("invalid_utf8", "malformed", "deep"):
                assert response.status_code in (400, 422), (method, url, name, response.status_code)


def test_an_oversized_chunked_json_body_is_413(client):
    method, url = next(iter(_json_routes(client)))

    def chunks():
        for _ in range(40):
            yield b" " * 65536

    response = client.request(
        method, url, content=chunks(), headers={**staff_headers(client), "Content-Type": "application/json"}
    )
    _assert_problem(response, allowed={413})


@pytest.mark.parametrize("header", [b"x-correlation-id", b"x-anything", b"authorization", b"idempotency-key"])
def test_header_values_that_are_not_utf8_are_not_500(client, header):
    scope_headers = [(header, b"\xff\xfe\xc3\x28")]
    status, response_headers, body = _asgi_get(
        client.app, "/healthz" if header != b"authorization" else "/v1/does-not-matter", scope_headers
    )
    assert status < 500, body[:300]
    cid = dict(response_headers)[b"x-correlation-id"]
    assert cid.isascii() and b"\xff" not in cid


def test_a_correlation_id_that_is_not_a_short_token_is_replaced(client):
    for bad in (b"a" * 1000, b"has space", b"<script>"):
        _status, response_headers, _ = _asgi_get(client.app, "/healthz", [(b"x-correlation-id", bad)])
        assert dict(response_headers)[b"x-correlation-id"] != bad
    _status, response_headers, _ = _asgi_get(client.app, "/healthz", [(b"x-correlation-id", b"req-42.a")])
    assert dict(response_headers)[b"x-correlation-id"] == b"req-42.a"


def _asgi_get(app, path, headers):
    """One raw ASGI request: the test client would refuse to send (or read back) such bytes."""
    import anyio

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], [(k.lower(), v) for k, v in start["headers"]], body
