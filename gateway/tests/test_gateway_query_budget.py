"""Fragment bombs and other expensive documents are refused before any work, with the expanded size.

The probe's document: N fragments, each spreading the previous one twice, expands 2^N times. The
production gateway is run as a uvicorn process and attacked over HTTP while /healthz is polled.
"""

from __future__ import annotations

import gc
import threading
import time

import httpx
import pytest
from graphql import get_introspection_query, parse
from graphql.validation.validate import ValidationAbortedError

from peerlab.chassis.auth import mint_dev_token
from peerlab.gateway.graphql.budget import deadline_rule, measure
from peerlab.gateway.settings import GatewaySettings

PRODUCTION_JWT_SECRET = "a-real-secret-for-production-0123456789"
PRODUCTION_LMS_SECRET = "whsec_" + "cHJvZHVjdGlvbi1sbXMtc2VjcmV0LWZvci10ZXN0cw=="


def fragment_bomb(n: int) -> str:
    """``{ ...F<n> }`` where F0 selects ``course { id }`` and F<i> spreads F<i-1> twice: 2^(n+1) fields."""
    fragments = ["fragment F0 on Query { course { id } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, n + 1)]
    return f"query Bomb {{ ...F{n} }}\n" + "\n".join(fragments)


def test_the_measure_is_the_expanded_size_and_walks_each_fragment_once() -> None:
    document = parse(fragment_bomb(24))
    m, walked = measure(document)
    assert m.cost == 2**25  # 2^24 copies of course { id }
    assert walked == 2 * 24 + 3  # two spreads per fragment, F0's two fields, the operation's spread
    assert len(fragment_bomb(24)) < 1024


def test_introspection_is_measured_too() -> None:
    standard, _ = measure(parse(get_introspection_query(descriptions=True)))
    assert (standard.depth, standard.introspection_depth) == (0, 14)
    deep = "{ __schema { types { " + "fields { type { " * 8 + "name" + " } }" * 8 + " } } }"
    m, _ = measure(parse(deep))
    assert m.introspection_depth == 18


@pytest.fixture
def production_gateway(make_settings, spawn_service):
    """The gateway in production mode as a uvicorn process (its database migrated by make_settings)."""
    settings: GatewaySettings = make_settings(
        environment="production",
        jwt_secret=PRODUCTION_JWT_SECRET,
        lms_inbound_secret=PRODUCTION_LMS_SECRET,
        webhook_allow_private=False,
    )
    env = {
        "PEERLAB_GATEWAY_ENVIRONMENT": "production",
        "PEERLAB_GATEWAY_DATABASE_URL": settings.database_url,
        "PEERLAB_GATEWAY_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "PEERLAB_GATEWAY_RELAY_IN_PROCESS": "false",
        "PEERLAB_GATEWAY_SUBSCRIPTIONS_ENABLED": "false",
        "PEERLAB_GATEWAY_LOG_JSON": "false",
        "PEERLAB_GATEWAY_JWT_SECRET": PRODUCTION_JWT_SECRET,
        "PEERLAB_GATEWAY_LMS_INBOUND_SECRET": PRODUCTION_LMS_SECRET,
    }
    return spawn_service("peerlab.gateway.main:app", env=env, name="gateway-production", ready_timeout=60)


@pytest.mark.timeout(120)  # secondary bound only: before the fix one 2^24 request held the process for minutes
def test_a_2_to_the_24_fragment_bomb_is_refused_and_healthz_stays_up(production_gateway) -> None:
    bomb = fragment_bomb(24)
    token = mint_dev_token(sub="s1", roles=["student"], secret=PRODUCTION_JWT_SECRET)
    url = production_gateway.url
    health: list[int] = []
    stop = threading.Event()

    def poll_health() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                health.append(http.get(url + "/healthz").status_code)
                stop.wait(0.05)

    poller = threading.Thread(target=poll_health)
    poller.start()
    try:
        with httpx.Client(timeout=60) as http:
            anonymous = [http.post(url + "/graphql", json={"query": bomb}) for _ in range(3)]
            signed_in = [
                http.post(url + "/graphql", json={"query": bomb}, headers={"authorization": f"Bearer {token}"})
                for _ in range(3)
            ]
            healthy_meanwhile = http.get(url + "/healthz")
    finally:
        stop.set()
        poller.join()
    for response in anonymous:  # no token: refused before the body is read
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated", response.text
    for response in signed_in:
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "query_too_complex"
        assert (body["cost"], body["maxCost"]) == (2**25, 1000)
    assert healthy_meanwhile.status_code == 200
    assert health and set(health) == {200}
    metrics = httpx.get(url + "/metrics").text
    assert 'peerlab_gateway_graphql_refused_total{code="query_too_complex"} 3.0' in metrics


def test_deep_introspection_is_refused_and_the_standard_query_is_not(client, auth) -> None:
    standard = client.post("/graphql", json={"query": get_introspection_query(descriptions=True)}, headers=auth("s1"))
    assert standard.status_code == 200 and standard.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    deep = "{ __schema { types { " + "fields { type { " * 8 + "name" + " } }" * 8 + " } } }"
    refused = client.post("/graphql", json={"query": deep}, headers=auth("s1"))
    assert refused.status_code == 400 and refused.json()["code"] == "introspection_too_deep"
    assert (refused.json()["depth"], refused.json()["maxDepth"]) == (18, 15)


def test_subscriptions_over_websocket_are_measured_too(client, token) -> None:
    """The WebSocket transport does not pass the HTTP checks: the schema extension refuses the bomb."""
    fragments = ["fragment S0 on Subscription { myLabStatusChanged { labNumber } }"]
    fragments += [f"fragment S{i} on Subscription {{ ...S{i - 1} ...S{i - 1} }}" for i in range(1, 25)]
    document = "subscription { ...S24 }\n" + "\n".join(fragments)
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token('s1')}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": document}})
        message = ws.receive_json()
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "query_too_complex"
    assert message["payload"][0]["extensions"]["cost"] == 2**25


def test_validation_runs_under_a_time_budget(make_settings, auth) -> None:
    """With no time at all, validation is cut short with its own code (and the result is not cached)."""
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    with TestClient(create_app(make_settings(graphql_validation_budget_ms=0))) as client:
        for _ in range(2):
            body = client.post("/graphql", json={"query": "{ course { id } }"}, headers=auth("s1")).json()
            assert body["errors"][0]["extensions"]["code"] == "validation_budget_exceeded", body


def test_a_fragment_chain_deeper_than_the_stack_is_refused_not_crashed() -> None:
    """With a token limit large enough for 2,000 chained fragments, measuring would overflow the stack."""
    from peerlab.gateway.graphql.budget import Limits, QueryRefused, check_query

    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(1999))
    document = "{ ...F0 } " + chain + " fragment F1999 on Query { __typename }"
    with pytest.raises(QueryRefused) as refused:
        check_query(
            document,
            Limits(
                max_tokens=100_000,
                max_cost=1000,
                max_depth=10,
                max_introspection_depth=15,
                max_aliases=15,
                validation_budget_s=0.5,
            ),
        )
    assert refused.value.code == "query_too_deep"


def test_the_validation_budget_counts_the_documents_work_not_a_garbage_collection() -> None:
    """A full collection of a large heap during validation is the process's cost: not refused for it."""
    heap = [[{} for _ in range(8)] for _ in range(200_000)]
    rule = deadline_rule(0.02)(None)
    started = time.thread_time()
    gc.collect()
    assert time.thread_time() - started > 0.02  # the collection alone is over the budget
    rule.enter()  # not refused
    del heap
    busy_until = time.thread_time() + 0.03
    while time.thread_time() < busy_until:  # the document's own work is counted
        pass
    with pytest.raises(ValidationAbortedError):
        rule.enter()
