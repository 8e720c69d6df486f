"""Fuzz pass over every service's REST API (schemathesis from each app's own OpenAPI, a student
and a teacher token, positive and negative cases) on a small budget: no request may get a 5xx,
nor a status its operation's OpenAPI does not document.

The apps are the real ones (``create_app``) over a fresh migrated database and, for submissions,
the session's moto S3 server; requests go in-process through schemathesis's ASGI transport. The
larger pass is ``scripts/fuzz --max-examples N`` (see bench/README.md). Content-type and body
conformance to the schema is reported on the terminal, not asserted.
"""

from __future__ import annotations

import os

import pytest
from api_fuzz import SERVICES, Infra, build_app, identities, run_fuzz, seed
from schemathesis.python import asgi

# Examples per operation, identity and generation mode; the whole module stays around a minute.
CI_MAX_EXAMPLES = int(os.environ.get("PEERLAB_FUZZ_MAX_EXAMPLES", "3"))

# U+0000 is generated too: the chassis refuses it in paths and query strings (400
# invalid_characters) and answers a JSON string holding it that the database cannot store with 422
# invalid_value (PostgreSQL text cannot hold NUL); the test below pins both.
CI_ALLOW_X00 = True


def _infra(fresh_database_url, s3_server, tmp_path) -> Infra:
    return Infra(
        database_url=fresh_database_url,
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        workdir=tmp_path,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_gets_a_server_error(
    service: str, fresh_database_url, s3_server, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    infra = _infra(fresh_database_url, s3_server, tmp_path)
    report = run_fuzz(
        {service: build_app(service, infra)}, max_examples=CI_MAX_EXAMPLES, time_budget_s=240, allow_x00=CI_ALLOW_X00
    )
    with capsys.disabled():
        print(f"\n{report.render(per_operation=False)}")

    assert report.stats, "the schema listed no operation"
    unfuzzed = [s.operation for s in report.stats.values() if s.requests == 0]
    assert not unfuzzed, f"operations that got no request: {unfuzzed}"
    assert report.server_errors == 0, report.render()
    assert not report.undocumented, report.render(per_operation=False)


def test_a_nul_character_in_a_request_is_a_4xx(fresh_database_url, s3_server, tmp_path, pg_server) -> None:
    if pg_server is None:  # SQLite stores U+0000; the refusal is PostgreSQL's
        pytest.skip("needs PostgreSQL")
    app, settings = build_app("projects", _infra(fresh_database_url, s3_server, tmp_path))
    who = identities(settings)
    try:
        with asgi.get_client(app) as client:
            seed("projects", app, settings, client, who)
            body = {
                "title": "Pose estimation",
                "description": "x",
                "own_project": False,
                "subprojects": [{"letter": "b", "title": "\u00dc\u0000j"}],
                "supervisors": [],
            }
            statuses = []
            for method, path, json_body in (
                ("GET", "/v1/groups/%00", None),
                ("PUT", "/v1/catalogues/2021/projects/1", body),
            ):
                try:
                    statuses.append(client.request(method, path, json=json_body, headers=who["teacher"]).status_code)
                except Exception:  # noqa: BLE001 - the in-process transport re-raises the app's error
                    statuses.append(500)
    finally:
        asgi.shutdown_lifespans()
    assert all(400 <= status < 500 for status in statuses), statuses
