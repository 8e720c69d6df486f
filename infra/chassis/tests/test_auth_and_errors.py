"""A request with no token, an expired token or a wrong role gets 401/403 problem+json."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from peerlab.chassis.app import create_service_app
from peerlab.chassis.auth import CurrentPrincipal, TeacherPrincipal, mint_dev_token
from peerlab.chassis.errors import ProblemError
from peerlab.chassis.settings import DEV_JWT_SECRET, ServiceSettings

router = APIRouter()


@router.get("/v1/me")
def me(principal: CurrentPrincipal) -> dict:
    return {"sub": principal.sub, "roles": sorted(principal.roles)}


@router.post("/v1/verdicts")
def set_verdict(principal: TeacherPrincipal) -> dict:
    return {"set_by": principal.sub}


@router.get("/v1/conflict")
def conflicting() -> dict:
    raise ProblemError(409, "deadline_passed", "The deadline has passed.")


@pytest.fixture
def client(fresh_database_url, kafka_broker):
    settings = ServiceSettings(
        service_name="authtest",
        environment="test",
        relay_in_process=False,
        database_url=fresh_database_url("auth"),
        kafka_bootstrap=kafka_broker.bootstrap,
    )
    with TestClient(create_service_app(settings=settings, title="t", description="t", routers=[router])) as c:
        yield c


def token(roles, ttl_s=600, secret=DEV_JWT_SECRET):
    return {"Authorization": "Bearer " + mint_dev_token(sub="s210001", roles=roles, secret=secret, ttl_s=ttl_s)}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["type"].endswith(code)


def test_no_token_is_401(client):
    response = client.get("/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_expired_token_is_401(client):
    assert_problem(client.get("/v1/me", headers=token(["student"], ttl_s=-60)), 401, "token_expired")


def test_token_signed_with_another_secret_is_401(client):
    assert_problem(client.get("/v1/me", headers=token(["student"], secret="x" * 40)), 401, "invalid_token")


def test_wrong_role_is_403(client):
    assert_problem(client.post("/v1/verdicts", headers=token(["student"])), 403, "forbidden")
    assert client.post("/v1/verdicts", headers=token(["teacher"])).json() == {"set_by": "s210001"}


def test_valid_token_and_correlation_id_echoed(client):
    response = client.get("/v1/me", headers={**token(["student", "unknown-role"]), "X-Correlation-ID": "abc-123"})
    assert response.json() == {"sub": "s210001", "roles": ["student"]}
    assert response.headers["x-correlation-id"] == "abc-123"


def test_domain_errors_and_validation_errors_are_problems(client):
    assert_problem(client.get("/v1/conflict"), 409, "deadline_passed")
    assert_problem(client.get("/v1/nowhere"), 404, "not_found")


def test_health_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    assert "peerlab_http_requests_total" in client.get("/metrics").text


def test_production_refuses_development_secret():
    with pytest.raises(ValueError, match="development default"):
        ServiceSettings(environment="production")
    ServiceSettings(environment="production", jwt_secret="a-real-secret-from-the-vault-" + "x" * 20)
