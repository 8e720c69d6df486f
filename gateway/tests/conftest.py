"""Gateway test fixtures: a migrated database, the app over a real broker, and tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic import command
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import alembic_config
from peerlab.gateway.main import create_app
from peerlab.gateway.settings import GatewaySettings


def migrate(settings: GatewaySettings) -> None:
    command.upgrade(alembic_config(package="peerlab.gateway", settings=settings), "head")


@pytest.fixture
def make_settings(fresh_database_url, kafka_broker) -> Callable[..., GatewaySettings]:  # noqa: ANN001
    def make(**overrides) -> GatewaySettings:
        values = dict(
            database_url=fresh_database_url("gateway"), kafka_bootstrap=kafka_broker.bootstrap,
            relay_in_process=False, environment="test", log_json=False, webhook_allow_private=True,
            subscriptions_enabled=False,
        )
        values.update(overrides)
        settings = GatewaySettings(**values)
        migrate(settings)
        return settings

    return make


@pytest.fixture
def settings(make_settings) -> GatewaySettings:  # noqa: ANN001
    return make_settings()


@pytest.fixture
def client(settings: GatewaySettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def token(settings: GatewaySettings) -> Callable[..., str]:
    def make(sub: str, *roles: str) -> str:
        return mint_dev_token(sub=sub, roles=roles or ("student",), secret=settings.jwt_secret)

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """``auth("s210001", "student")`` -> the Authorization header of a dev token."""

    def make(sub: str, *roles: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token(sub, *roles)}"}

    return make
