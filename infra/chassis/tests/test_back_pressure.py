"""A saturated database is back-pressure (503 ``database_busy`` with Retry-After), never a 500; and
request sessions are bounded by the pool, waited for in the event loop, so a burst of requests
queues instead of timing out waiting for a connection."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from peerlab.chassis.app import create_service_app
from peerlab.chassis.db import SessionDep, unit_of_work
from peerlab.chassis.settings import ServiceSettings

router = APIRouter()


@router.get("/hold")
def hold(session: SessionDep, seconds: float = 0.6) -> dict:
    """Holds a pooled connection for a while, as a slow transaction would."""
    session.execute(text("SELECT 1"))
    time.sleep(seconds)
    return {"ok": True}


@router.get("/hold-own")
def hold_own(request: Request, seconds: float = 0.6) -> dict:
    """A unit of work the route opens itself (not the request session), holding its connection."""
    with unit_of_work(request.app.state.engine) as session:
        session.execute(text("SELECT 1"))
        time.sleep(seconds)
    return {"ok": True}


@router.get("/pool-timeout")
def pool_timeout() -> dict:
    raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 10.00")


@router.get("/too-many")
def too_many() -> dict:
    raise OperationalError("connect", {}, Exception("FATAL: sorry, too many clients already"))


@router.get("/locked")
def locked() -> dict:
    raise OperationalError("UPDATE x", {}, Exception("database is locked"))


@router.get("/down")
def down() -> dict:
    raise OperationalError("connect", {}, Exception("connection refused"))


def _app(url: str, **overrides):
    values = dict(
        service_name="bp",
        environment="test",
        relay_in_process=False,
        database_url=url,
        kafka_bootstrap="127.0.0.1:9",
        log_json=False,
    )
    values.update(overrides)
    return create_service_app(settings=ServiceSettings(**values), title="t", description="t", routers=[router])


@pytest.fixture
def client(fresh_database_url):
    with TestClient(_app(fresh_database_url("bp")), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", ["/pool-timeout", "/too-many", "/locked"])
def test_a_saturated_database_is_503_database_busy(client, path):
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "database_busy"
    assert response.headers["retry-after"] == "1"


def test_an_unreachable_database_is_still_database_unavailable(client):
    response = client.get("/down")
    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"


def _concurrent_gets(client: TestClient, path: str, count: int) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = [0] * count

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        statuses[i] = client.get(path).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_a_burst_of_requests_queues_instead_of_timing_out_on_the_pool(fresh_database_url):
    """Two connections, a pool wait of 0.2 s, eight requests holding their session 0.6 s each: they
    take turns and all succeed. Before, FastAPI validated each response in the thread pool while
    the session still held its connection, the freed threads went to requests that then waited
    for a connection, and the pool timed out: 500s."""
    _postgres_only(fresh_database_url)
    app = _app(
        fresh_database_url("bpq"),
        database_pool_size=1,
        database_max_overflow=1,
        database_pool_timeout_s=0.2,
        request_threads=2,
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        statuses = _concurrent_gets(c, "/hold", 8)
    assert statuses == [200] * 8


def test_a_pool_that_runs_dry_is_back_pressure_not_500(fresh_database_url):
    """Units of work a route opens itself are not queued; when the pool runs dry they get 503."""
    _postgres_only(fresh_database_url)
    app = _app(fresh_database_url("bpo"), database_pool_size=1, database_max_overflow=0, database_pool_timeout_s=0.2)
    with TestClient(app, raise_server_exceptions=False) as c:
        statuses = _concurrent_gets(c, "/hold-own", 4)
    assert 500 not in statuses
    assert statuses.count(200) >= 1 and statuses.count(503) >= 1, statuses


def _postgres_only(fresh_database_url) -> None:
    if fresh_database_url("probe").startswith("sqlite"):
        pytest.skip("SQLite serialises transactions (BEGIN IMMEDIATE); the pool wait covers the lock wait")


def test_sessions_default_to_the_pool_size():
    assert ServiceSettings(database_pool_size=7, database_max_overflow=3).request_sessions == 7
    assert ServiceSettings(database_sessions=4).request_sessions == 4
