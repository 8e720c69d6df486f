"""Cross-service fixtures: the services as real processes over tansu, moto S3 and PostgreSQL."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.launchers import MotoS3Server, TansuBroker
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess
from peerlab.local.services import SERVICES, ServiceSpec

# Tests run with --import-mode=importlib; let test modules share helpers by module name.
sys.path.insert(0, str(Path(__file__).parent))


@dataclass
class Stack:
    urls: dict[str, str]
    broker: TansuBroker
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def token(self, sub: str, *roles: str) -> str:
        return mint_dev_token(sub=sub, roles=roles or ("student",), secret=DEV_JWT_SECRET)

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, *roles)}"}

    def client(self, service: str, sub: str, *roles: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[service], headers=self.headers(sub, *roles), timeout=30)


def _database_url(templates, spec: ServiceSpec, workdir: Path) -> str:
    """A migrated database for the service: a copy of the session's template."""
    return templates.copy(spec.package, name=f"e2e_{spec.name}_{uuid.uuid4().hex[:8]}", directory=workdir)


def _env(
    spec: ServiceSpec, *, port: int, db_url: str, bootstrap: str, s3_endpoint: str, workdir: Path, peers: dict[str, str]
) -> dict[str, str]:
    p = spec.env_prefix
    env = {
        f"{p}DATABASE_URL": db_url,
        f"{p}KAFKA_BOOTSTRAP": bootstrap,
        f"{p}ENVIRONMENT": "test",
        f"{p}RELAY_IN_PROCESS": "false",
        f"{p}STORAGE_BACKEND": "s3",
        f"{p}STORAGE_S3_ENDPOINT": s3_endpoint,
        f"{p}STORAGE_BUCKET": f"e2e-{spec.name}",
        f"{p}PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        f"{p}DATA_DIR": str(workdir / spec.name),
        f"{p}LOG_JSON": "false",
        f"{p}WEBHOOK_ALLOW_PRIVATE": "true",
    }
    for name, url in peers.items():
        env[f"{p}{name.upper()}_URL"] = url
    return env


@pytest.fixture(scope="module")
def stack(request, s3_server, database_templates, tmp_path_factory) -> Iterator[Stack]:
    """The services a test module names in ``STACK`` (default: all), each API and worker its own
    process, wired as in production, on a broker of its own. ``STACK_ENV`` adds settings. With
    ``DURABLE_BROKER = True`` the broker's log survives a restart (stored on its own S3 server), so
    the module may stop and start it."""
    wanted = getattr(request.module, "STACK", [spec.name for spec in SERVICES])
    specs = [spec for spec in SERVICES if spec.name in wanted]
    workdir = tmp_path_factory.mktemp("stack")
    ports = {spec.name: free_port() for spec in specs}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    own: list = []
    if not getattr(request.module, "DURABLE_BROKER", False):
        # A broker of its own: the workers must not replay every earlier test's events.
        broker = TansuBroker(workdir=workdir / "tansu").start()
        own.append(broker)
    else:
        broker_store = MotoS3Server(workdir=workdir / "broker-s3").start()
        own.append(broker_store)
        broker = TansuBroker(
            storage_url="s3://tansu/", s3_endpoint=broker_store.endpoint, workdir=workdir / "tansu"
        ).start()
        own.append(broker)
    result = Stack(urls=urls, broker=broker)
    try:
        for spec in specs:
            peers = {n: u for n, u in urls.items() if n != spec.name} if spec.name == "gateway" else {}
            env = _env(
                spec,
                port=ports[spec.name],
                db_url=_database_url(database_templates, spec, workdir),
                bootstrap=broker.bootstrap,
                s3_endpoint=s3_server.endpoint,
                workdir=workdir,
                peers=peers,
            )
            env.update(getattr(request.module, "STACK_ENV", {}))
            api = ServiceProcess.uvicorn(
                spec.app,
                port=ports[spec.name],
                log_path=workdir / f"{spec.name}-api.log",
                ready_path="/healthz",
                env=env,
                name=f"{spec.name}-api",
                ready_timeout=60,
            )
            worker = ServiceProcess(
                [sys.executable, "-m", spec.worker_module],
                log_path=workdir / f"{spec.name}-worker.log",
                env=env,
                name=f"{spec.name}-worker",
            )
            result.processes[f"{spec.name}-api"] = api.start()
            result.processes[f"{spec.name}-worker"] = worker.start()
        yield result
    finally:
        for proc in reversed(list(result.processes.values())):
            proc.stop()
        for component in reversed(own):
            component.stop()
