"""Gateway test fixtures: a migrated database, the app over a real broker, and tokens."""

from __future__ import annotations

import json
import re
import sys

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import upgrade
from peerlab.gateway.main import create_app
from peerlab.gateway.settings import GatewaySettings

sys.path.insert(0, str(Path(__file__).parent))  # test helpers beside the tests (lti_platform)


PACKAGE = "peerlab.gateway"


def migrate(settings: GatewaySettings) -> None:
    upgrade(package=PACKAGE, database_url=settings.database_url)


@pytest.fixture
def make_settings(fresh_database_url, kafka_broker) -> Callable[..., GatewaySettings]:
    def make(**overrides) -> GatewaySettings:
        values = dict(
            kafka_bootstrap=kafka_broker.bootstrap,
            relay_in_process=False,
            environment="test",
            log_json=False,
            webhook_allow_private=True,
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
def settings(make_settings) -> GatewaySettings:
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
            def do_POST(self) -> None:
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

            def log_message(self, *args) -> None:
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

SERVICES = ("submissions", "review", "projects", "scheduling")


class ServicesStack:
    """submissions, review, projects and scheduling (API and worker each) as uvicorn/worker
    subprocesses over the real broker, moto S3 and PostgreSQL (SQLite files without a PostgreSQL
    server). Projects takes group members without the roster's events (``REQUIRE_ROSTER=false``,
    no eligibility gate): the gateway's tests set groups up through its REST API directly."""

    def __init__(self, *, workdir, kafka_broker, s3_server, templates) -> None:
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
        for service in SERVICES:
            prefix = f"PEERLAB_{service.upper()}_"
            database_url = templates.copy(
                f"peerlab.{service}", name=f"t_gw_{service}_{uuid.uuid4().hex[:8]}", directory=workdir
            )
            port = free_port()
            env = {
                prefix + "DATABASE_URL": database_url,
                prefix + "KAFKA_BOOTSTRAP": self.bootstrap,
                prefix + "ENVIRONMENT": "test",
                prefix + "RELAY_IN_PROCESS": "true",
                prefix + "LOG_JSON": "false",
                prefix + "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            }
            if service == "submissions":
                env.update(
                    {
                        prefix + "STORAGE_BACKEND": "s3",
                        prefix + "STORAGE_S3_ENDPOINT": s3_host,
                        prefix + "STORAGE_BUCKET": f"gw-{uuid.uuid4().hex[:8]}",
                        prefix + "DATA_DIR": str(workdir),
                        prefix + "CLOSE_GRACE_S": "0",
                        prefix + "CLOSER_INTERVAL_S": "0.5",
                    }
                )
            elif service == "review":
                env[prefix + "WINDOW_JOB_INTERVAL_S"] = "1"
            elif service == "projects":
                env.update({prefix + "REQUIRE_ROSTER": "false", prefix + "ELIGIBILITY_GATE": "false"})
            api = ServiceProcess.uvicorn(
                f"peerlab.{service}.main:app",
                port=port,
                log_path=workdir / f"{service}-api.log",
                env=env,
                ready_timeout=60,
                stop_timeout=5,
            )
            worker = ServiceProcess(
                [sys.executable, "-m", f"peerlab.{service}.worker"],
                log_path=workdir / f"{service}-worker.log",
                env=env,
                name=f"{service}-worker",
                stop_timeout=5,
            )
            to_start += [api, worker]
            self.urls[service] = api.url
        # Start the processes at once (each start waits for its own readiness).
        self.processes = to_start
        with ThreadPoolExecutor(max_workers=len(to_start)) as pool:
            list(pool.map(lambda process: process.start(), to_start))

    def gateway_settings(self, workdir, **overrides) -> GatewaySettings:
        """Settings of a gateway (with its own migrated database) in front of these services."""
        import uuid

        database_url = self.templates.copy(PACKAGE, name=f"t_gw_gateway_{uuid.uuid4().hex[:8]}", directory=workdir)
        values = dict(
            database_url=database_url,
            kafka_bootstrap=self.bootstrap,
            relay_in_process=False,
            environment="test",
            log_json=False,
            webhook_allow_private=True,
            **self.url_settings(),
        )
        values.update(overrides)
        return GatewaySettings(**values)

    def url_settings(self) -> dict[str, str]:
        return {f"{service}_url": url for service, url in self.urls.items()}

    def close(self) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(self.processes))) as pool:
            list(pool.map(lambda process: process.stop(), self.processes))


@pytest.fixture(scope="module")
def services_stack(tmp_path_factory, s3_server, database_templates) -> Iterator[ServicesStack]:
    """On a broker of its own: the services' workers must not replay every other test's events."""
    from peerlab.local.launchers import TansuBroker

    workdir = tmp_path_factory.mktemp("gw-services")
    broker = TansuBroker(workdir=workdir / "tansu").start()
    stack = ServicesStack(workdir=workdir, kafka_broker=broker, s3_server=s3_server, templates=database_templates)
    try:
        yield stack
    finally:
        stack.close()
        broker.stop()


@pytest.fixture
def gateway_over_services(make_settings, services_stack) -> Iterator[TestClient]:
    settings = make_settings(
        **services_stack.url_settings(), subscriptions_enabled=True, kafka_bootstrap=services_stack.bootstrap
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


# --- enumerating the schema (the leak tests) ------------------------------------------------------


def _literal(type_, *, target: str, depth: int = 0) -> str | None:
    """A GraphQL literal for an argument of ``type_``; ids and strings point at ``target``."""
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType

    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type, target=target, depth=depth)
    if isinstance(type_, GraphQLList):
        inner = _literal(type_.of_type, target=target, depth=depth)
        return f"[{inner}]" if inner is not None else "[]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 2:
            return None
        parts = [
            f"{name}: {value}"
            for name, field in type_.fields.items()
            if (value := _literal(field.type, target=target, depth=depth + 1)) is not None
        ]
        return "{" + ", ".join(parts) + "}"
    if isinstance(type_, GraphQLScalarType):
        if type_.name in ("ID", "String"):
            return json.dumps(target)
        if type_.name == "Int":
            return "1"
        if type_.name == "Boolean":
            return "false"
        if type_.name == "DateTime":
            return json.dumps("2021-09-01T00:00:00+00:00")
    return None


def _selection(type_, depth: int) -> str:
    """Every field reachable from ``type_`` (up to ``depth``), with optional arguments left out."""
    from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLUnionType, get_named_type

    named = get_named_type(type_)
    if isinstance(named, GraphQLUnionType):  # every member, each with its own fields
        return (
            "{ __typename "
            + " ".join(f"... on {member.name} {_selection(member, depth)}" for member in named.types)
            + " }"
        )
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, (GraphQLObjectType, GraphQLUnionType)):
            if depth <= 0:
                continue
            sub = _selection(inner, depth - 1)
            if sub:
                parts.append(f"{name} {sub}")
        else:
            parts.append(name)
    return "{ " + " ".join(parts) + " }" if parts else ""


# Names the caller chooses for what they create (``foundGroup(name:)``): the answer repeats them,
# which tells the caller nothing, so they are not the target.
FREE_TEXT = {"name": json.dumps("free text")}


def operations_of(schema, kind: str, targets: list[str], depths: tuple[int, ...] = (0, 1, 2, 4)) -> list[str]:
    """Each root field with each target id, at several selection depths: a guarded field that
    fails nulls its parent, so a shallow selection is needed to see what the parent alone gives."""
    from graphql import GraphQLObjectType, get_named_type

    root = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}[
        kind
    ]
    out = []
    for name, field in root.fields.items():
        for target in targets:
            args = [
                f"{arg_name}: {value}"
                for arg_name, arg in field.args.items()
                if (value := FREE_TEXT.get(arg_name) or _literal(arg.type, target=target)) is not None
            ]
            call = f"{name}({', '.join(args)})" if args else name
            selections = {_selection(field.type, depth) for depth in depths}
            if not isinstance(get_named_type(field.type), GraphQLObjectType):
                selections = {""}
            out += [
                f"{kind} {{ {call} {selection} }}"
                for selection in sorted(selections)
                if selection or not isinstance(get_named_type(field.type), GraphQLObjectType)
            ]
    return out


@pytest.fixture
def schema_operations():
    """``schema_operations(schema, "query", [target ids])``: every root field of that kind with the
    targets as its id/string arguments, at several selection depths."""
    return operations_of


def _scrub_echoes(data: str, targets: list[str]) -> str:
    """An error message that repeats the caller's own input (``No group 'x' is known``) tells them
    nothing: the targets are taken out of messages before looking for secrets."""

    def scrub(match: re.Match) -> str:
        text = match.group(0)
        for target in targets:
            text = text.replace(target, "")
        return text

    return re.sub(r'"message": "(?:[^"\\]|\\.)*"', scrub, data)


@pytest.fixture
def without_echoes():
    """``without_echoes(data_json, targets)``: the answer with the caller's own input taken out of
    error messages."""
    return _scrub_echoes


@pytest.fixture
def schema_selection():
    """``schema_selection(type, depth)``: every field reachable from the type up to ``depth``."""
    return _selection
