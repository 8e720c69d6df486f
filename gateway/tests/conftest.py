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


class Receiver:
    """A real HTTP receiver on loopback that records requests and answers from a script."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.requests: list[dict] = []
        self.script: list[tuple[int, dict[str, str], float]] = []  # (status, headers, delay) per request
        self.default = (204, {}, 0.0)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                status, headers, delay = receiver.script.pop(0) if receiver.script else receiver.default
                if delay:
                    import time

                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()
