"""Every service answers its representative problems (no token -> 401, the wrong role -> 403, an
unknown id -> 404, a conflict -> 409) with a status its OpenAPI documents for that operation, and
the documented response names the answer's ``code`` and is application/problem+json.

The fuzz pass (``tests/test_api_fuzz.py``) checks the same for whatever it happens to send; these
requests reach the conflicts it rarely does. Apps, seeded objects and tokens are the fuzz pass's.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_fuzz import Infra, build_app, identities, seed
from schemathesis.python import asgi

from peerlab.chassis.auth import mint_dev_token

SEEDED_ASSIGNMENT_AGAIN = "the seeded assignment, created again"

# (service) -> [(who, method, path template, json body, status, code)]; ``who`` None sends no token.
CASES: dict[str, list[tuple[str | None, str, str, Any, int, str]]] = {
    "submissions": [
        (None, "GET", "/v1/assignments/{assignment_id}", None, 401, "unauthorized"),
        ("student", "PATCH", "/v1/assignments/{assignment_id}", {"title": "x"}, 403, "forbidden"),
        ("student", "GET", "/v1/submissions/no-such-submission", None, 404, "not_found"),
        ("teacher", "POST", "/v1/assignments", SEEDED_ASSIGNMENT_AGAIN, 409, "assignment_exists"),
    ],
    "review": [
        (None, "GET", "/v1/rounds", None, 401, "unauthorized"),
        ("student", "GET", "/v1/rounds", None, 403, "forbidden"),
        ("teacher", "GET", "/v1/rounds/no-such-round", None, 404, "not_found"),
        ("student", "POST", "/v1/tasks/{token}/flag", {"reason": "empty"}, 200, ""),
        ("student", "POST", "/v1/tasks/{token}/flag", {"reason": "empty"}, 409, "task_inactive"),
    ],
    "projects": [
        (None, "GET", "/v1/groups/{group_id}", None, 401, "unauthorized"),
        ("student", "DELETE", "/v1/catalogues/{year}/projects/{number}", None, 403, "forbidden"),
        ("teacher", "GET", "/v1/groups/no-such-group", None, 404, "not_found"),
        ("student", "POST", "/v1/groups", {"name": "Second"}, 409, "already_in_group"),
    ],
    "scheduling": [
        (None, "GET", "/v1/courses/{course_id}/rooms", None, 401, "unauthorized"),
        ("student", "PUT", "/v1/courses/{course_id}/rooms/{room_id}", {"name": "R", "capacity": 4}, 403, "forbidden"),
        ("teacher", "GET", "/v1/courses/{course_id}/exam-days/no-such-day", None, 404, "not_found"),
        ("teacher", "POST", "/v1/courses/{course_id}/exam-days/{exam_day_id}/plan/publish", None, 409, "no_draft_plan"),
    ],
    "gateway": [
        (None, "GET", "/v1/webhooks/endpoints", None, 401, "unauthorized"),
        ("teacher", "GET", "/v1/webhooks/endpoints", None, 403, "forbidden"),
        ("admin", "GET", "/v1/webhooks/endpoints/no-such-endpoint", None, 404, "not_found"),
    ],
}


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return spec["paths"][path][method.lower()]


@pytest.mark.parametrize("service", sorted(CASES))
def test_representative_problems_are_documented(service: str, fresh_database_url, s3_server, tmp_path) -> None:
    infra = Infra(
        database_url=fresh_database_url,
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        workdir=tmp_path,
    )
    app, settings = build_app(service, infra)
    who = identities(settings)
    who["admin"] = {
        "Authorization": "Bearer " + mint_dev_token(sub="admin-1", roles=["admin"], secret=settings.jwt_secret)
    }
    spec = app.openapi()
    answered = []
    try:
        with asgi.get_client(app) as client:
            known = seed(service, app, settings, client, who)
            for identity, method, template, body, status, code in CASES[service]:
                if body == SEEDED_ASSIGNMENT_AGAIN:
                    seeded = client.get(f"/v1/assignments/{known['assignment_id']}", headers=who["teacher"]).json()
                    body = {k: seeded[k] for k in ("id", "kind", "lab_number", "title", "opens_at", "deadline")}
                path = template.format(**known)
                headers = who[identity] if identity else {}
                response = client.request(method, path, json=body, headers=headers)
                answered.append((method, template, response.status_code, status))
                assert response.status_code == status, (method, path, identity, response.text[:500])
                documented = _operation(spec, method, _template_in_spec(spec, method, template, path))["responses"]
                assert str(status) in documented, (
                    f"{method} {template} answers {status}, documents {sorted(documented)}"
                )
                if code:
                    assert response.json()["code"] == code
                    assert response.headers["content-type"].startswith("application/problem+json")
                    doc = documented[str(status)]
                    assert f"`{code}`" in doc["description"], (method, template, doc["description"])
                    assert doc["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    finally:
        asgi.shutdown_lifespans()
    assert len(answered) == len(CASES[service])


def _template_in_spec(spec: dict[str, Any], method: str, template: str, path: str) -> str:
    """The spec's path template for a case's template (``{token}`` etc. keep the spec's names; a
    literal unknown id stands where the spec has a parameter)."""
    if template in spec["paths"]:
        return template
    parts = path.split("/")
    for candidate, operations in spec["paths"].items():
        pieces = candidate.split("/")
        if method.lower() in operations and len(pieces) == len(parts):
            if all(a == b or (a.startswith("{") and a.endswith("}")) for a, b in zip(pieces, parts, strict=True)):
                return candidate
    raise AssertionError(f"no operation {method} {path} in the OpenAPI")
