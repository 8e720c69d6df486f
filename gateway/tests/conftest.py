"""Gateway test fixtures: a migrated database, the app over a real broker, and tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import upgrade
from peerlab.gateway.main import create_app
from peerlab.gateway.settings import GatewaySettings


PACKAGE = "peerlab.gateway"


def migrate(settings: GatewaySettings) -> None:
    upgrade(package=PACKAGE, database_url=settings.database_url)


@pytest.fixture
def make_settings(fresh_database_url, kafka_broker) -> Callable[..., GatewaySettings]:  # noqa: ANN001
    def make(**overrides) -> GatewaySettings:
        values = dict(
            kafka_bootstrap=kafka_broker.bootstrap,
            relay_in_process=False, environment="test", log_json=False, webhook_allow_private=True,
            subscriptions_enabled=False,
        )
        values.update(overrides)
        if "database_url" not in overrides:  # a copy of the session's migrated template
            values["database_url"] = fresh_database_url("gateway", package=PACKAGE)
        settings = GatewaySettings(**values)
        if "database_url" in overrides:  # a database of the test's own: migrate it
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


# --- the services behind the gateway, as real processes -----------------------------------------


class ServicesStack:
    """submissions + review (API and worker each) as uvicorn/worker subprocesses over the real
    broker, moto S3 and PostgreSQL (SQLite files without a PostgreSQL server)."""

    def __init__(self, *, workdir, kafka_broker, s3_server, templates) -> None:  # noqa: ANN001
        import sys
        import uuid

        from peerlab.local.ports import free_port
        from peerlab.local.process import ServiceProcess

        self.processes: list[ServiceProcess] = []
        self.templates = templates
        self.bootstrap = kafka_broker.bootstrap
        s3_host = s3_server.endpoint.split("://")[-1]
        self.urls: dict[str, str] = {}
        to_start = []
        for service in ("submissions", "review"):
            prefix = f"PEERLAB_{service.upper()}_"
            database_url = templates.copy(f"peerlab.{service}", name=f"t_gw_{service}_{uuid.uuid4().hex[:8]}",
                                          directory=workdir)
            port = free_port()
            env = {
                prefix + "DATABASE_URL": database_url, prefix + "KAFKA_BOOTSTRAP": self.bootstrap,
                prefix + "ENVIRONMENT": "test", prefix + "RELAY_IN_PROCESS": "true", prefix + "LOG_JSON": "false",
                prefix + "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            }
            if service == "submissions":
                env.update({
                    prefix + "STORAGE_BACKEND": "s3", prefix + "STORAGE_S3_ENDPOINT": s3_host,
                    prefix + "STORAGE_BUCKET": f"gw-{uuid.uuid4().hex[:8]}", prefix + "DATA_DIR": str(workdir),
                    prefix + "CLOSE_GRACE_S": "0", prefix + "CLOSER_INTERVAL_S": "0.5",
                })
            else:
                env[prefix + "WINDOW_JOB_INTERVAL_S"] = "1"
            api = ServiceProcess.uvicorn(f"peerlab.{service}.main:app", port=port,
                                         log_path=workdir / f"{service}-api.log", env=env, ready_timeout=60,
                                         stop_timeout=5)
            worker = ServiceProcess([sys.executable, "-m", f"peerlab.{service}.worker"],
                                    log_path=workdir / f"{service}-worker.log", env=env, name=f"{service}-worker",
                                    stop_timeout=5)
            to_start += [api, worker]
            self.urls[service] = api.url
        # Start the four processes at once (each start waits for its own readiness).
        self.processes = to_start
        with ThreadPoolExecutor(max_workers=len(to_start)) as pool:
            list(pool.map(lambda process: process.start(), to_start))

    def gateway_settings(self, workdir, **overrides) -> GatewaySettings:  # noqa: ANN001
        """Settings of a gateway (with its own migrated database) in front of these services."""
        import uuid

        database_url = self.templates.copy(PACKAGE, name=f"t_gw_gateway_{uuid.uuid4().hex[:8]}", directory=workdir)
        values = dict(database_url=database_url, kafka_bootstrap=self.bootstrap, relay_in_process=False,
                      environment="test", log_json=False, webhook_allow_private=True,
                      submissions_url=self.urls["submissions"], review_url=self.urls["review"])
        values.update(overrides)
        return GatewaySettings(**values)

    def close(self) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(self.processes))) as pool:
            list(pool.map(lambda process: process.stop(), self.processes))


@pytest.fixture(scope="module")
def services_stack(tmp_path_factory, s3_server, database_templates) -> Iterator[ServicesStack]:  # noqa: ANN001
    """On a broker of its own: the services' workers must not replay every other test's events."""
    from peerlab.local.launchers import TansuBroker

    workdir = tmp_path_factory.mktemp("gw-services")
    broker = TansuBroker(workdir=workdir / "tansu").start()
    stack = ServicesStack(workdir=workdir, kafka_broker=broker,
                          s3_server=s3_server, templates=database_templates)
    try:
        yield stack
    finally:
        stack.close()
        broker.stop()


@pytest.fixture
def gateway_over_services(make_settings, services_stack) -> Iterator[TestClient]:  # noqa: ANN001
    settings = make_settings(submissions_url=services_stack.urls["submissions"],
                             review_url=services_stack.urls["review"], subscriptions_enabled=True,
                             kafka_bootstrap=services_stack.bootstrap)
    with TestClient(create_app(settings)) as test_client:
        yield test_client
