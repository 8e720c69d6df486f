"""Fuzz pass over every service's REST API (schemathesis from each app's own OpenAPI, a student
and a teacher token, positive and negative cases) on a small budget: no request may get a 5xx.

The apps are the real ones (``create_app``) over a fresh migrated database and, for submissions,
the session's moto S3 server; requests go in-process through schemathesis's ASGI transport. The
larger pass is ``scripts/fuzz --max-examples N`` (see bench/README.md). Response conformance to
the schema is reported on the terminal, not asserted.
"""

from __future__ import annotations

import os

import pytest
from api_fuzz import SERVICES, Infra, build_app, run_fuzz

# Examples per operation, identity and generation mode; the whole module stays around a minute.
CI_MAX_EXAMPLES = int(os.environ.get("PEERLAB_FUZZ_MAX_EXAMPLES", "2"))


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_gets_a_server_error(service: str, fresh_database_url, s3_server, tmp_path,  # noqa: ANN001
                                        capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(database_url=fresh_database_url, s3_endpoint=s3_server.endpoint,
                  s3_access_key=s3_server.access_key, s3_secret_key=s3_server.secret_key, workdir=tmp_path)
    report = run_fuzz({service: build_app(service, infra)}, max_examples=CI_MAX_EXAMPLES, time_budget_s=240)
    with capsys.disabled():
        print(f"\n{report.render(per_operation=False)}")

    assert report.stats, "the schema listed no operation"
    unfuzzed = [s.operation for s in report.stats.values() if s.requests == 0]
    assert not unfuzzed, f"operations that got no request: {unfuzzed}"
    assert report.server_errors == 0, report.render()
