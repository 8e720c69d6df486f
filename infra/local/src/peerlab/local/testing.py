"""pytest plugin (entry point ``peerlab_local``): real local components as fixtures.

Session-wide, shared by all tests: ``kafka_broker`` (tansu, in-memory storage), ``s3_server``
(moto), ``pg_server`` (PostgreSQL, or ``None`` when none is available). A test that stops a
shared component must start it again; one that wants to break a component should make its own
with ``make_kafka_broker`` / ``make_s3_server`` / ``make_pg_server``, which are torn down after
the test. ``movable_clock`` moves the services' clock instead of waiting for a deadline.
``fresh_database_url(name_hint)`` gives a brand-new database: PostgreSQL when
``$PEERLAB_TEST_DB`` is ``postgres`` (the default when a server is available), else a SQLite
file (``PEERLAB_TEST_DB=sqlite``). ``fresh_database_url(name_hint, package="peerlab.review")``
gives one that already holds that package's migrated schema: the migrations run once per session
into a template (``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a copied file on SQLite).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
import warnings
from contextlib import contextmanager
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlmodel import Session

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.consumer import ConsumerRunner
from peerlab.chassis.db import make_engine
from peerlab.chassis.migrations import upgrade
from peerlab.chassis.outbox import OutboxEvent
from peerlab.contracts import Envelope
from peerlab.local.launchers import (
    MotoS3Server,
    PostgresServer,
    PostgresUnavailable,
    TansuBroker,
)
from peerlab.chassis.clock import use_test_clock_file
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit] or "db"


@pytest.fixture(scope="session")
def peerlab_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's components write their logs."""
    return tmp_path_factory.mktemp("peerlab-stack")


@pytest.fixture(scope="session")
def s3_server(peerlab_workdir: Path) -> Iterator[MotoS3Server]:
    with MotoS3Server(workdir=peerlab_workdir / "moto") as server:
        yield server


@pytest.fixture(scope="session")
def kafka_broker(peerlab_workdir: Path) -> Iterator[TansuBroker]:
    with TansuBroker(workdir=peerlab_workdir / "tansu") as broker:
        yield broker


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    try:
        server = PostgresServer.discover().start()
    except PostgresUnavailable as exc:
        warnings.warn(f"PostgreSQL unavailable, PostgreSQL tests will be skipped: {exc}", stacklevel=2)
        yield None
        return
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def unique_topic_prefix(request: pytest.FixtureRequest) -> str:
    """A topic-name prefix no other test uses, e.g. ``t-test_relay-1a2b3c4d.``."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)[:40]
    return f"t-{name}-{uuid.uuid4().hex[:8]}."


def _test_db_backend(request: pytest.FixtureRequest) -> str:
    wanted = os.environ.get("PEERLAB_TEST_DB", "").strip().lower()
    if wanted not in ("", "postgres", "sqlite"):
        raise pytest.UsageError(f"PEERLAB_TEST_DB must be 'postgres' or 'sqlite', not {wanted!r}")
    if wanted == "sqlite":
        return "sqlite"
    if request.getfixturevalue("pg_server") is not None:
        return "postgres"
    if wanted == "postgres":
        pytest.fail("PEERLAB_TEST_DB=postgres but no PostgreSQL server is available")
    return "sqlite"


class DatabaseTemplates:
    """Each migrated schema made once per session (on first use) and copied for every test."""

    def __init__(self, server: PostgresServer | None, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self._templates: dict[str, str] = {}  # package -> database name (PostgreSQL) or file path
        self._copies: list[str] = []  # made by copy(), dropped with the templates

    def _template(self, package: str) -> str:
        if package not in self._templates:
            if self.server is None:
                path = self.workdir / f"{_slug(package)}.db"
                path.unlink(missing_ok=True)
                upgrade(package=package, database_url=f"sqlite:///{path}")
                self._templates[package] = str(path)
            else:
                name = f"tpl_{_slug(package, 20)}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
                self._templates[package] = name  # dropped at the end even if the migration fails
                upgrade(package=package, database_url=self.server.create_database(name))
        return self._templates[package]

    def copy(self, package: str, *, name: str, directory: Path) -> str:
        """A migrated database: ``name`` on the PostgreSQL server (dropped at the end of the session),
        else the file ``directory/name.db``."""
        if self.server is None:
            return self.sqlite_copy(package, directory / f"{name}.db")
        self._copies.append(name)
        return self.postgres_copy(package, name)

    def sqlite_copy(self, package: str, path: Path) -> str:
        shutil.copyfile(self._template(package), path)
        return f"sqlite:///{path}"

    def postgres_copy(self, package: str, name: str) -> str:
        return self.server.create_database(name, template=self._template(package))

    def drop(self) -> None:
        if self.server is None:
            return
        for name in [*self._copies, *self._templates.values()]:
            try:
                self.server.drop_database(name)
            except Exception as exc:  # noqa: BLE001 - a test may have left the server down
                warnings.warn(f"could not drop template database {name}: {exc}", stacklevel=2)


@pytest.fixture(scope="session")
def database_templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseTemplates]:
    """The session's migrated template databases (see ``fresh_database_url(..., package=...)``)."""
    server = request.getfixturevalue("pg_server") if _test_db_backend(request) == "postgres" else None
    templates = DatabaseTemplates(server, tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.drop()


@pytest.fixture
def fresh_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_templates: DatabaseTemplates
) -> Iterator[Callable[..., str]]:
    """Factory ``(name_hint="db", *, package=None) -> SQLAlchemy URL`` of a new database, dropped
    afterwards: empty, or with ``package``'s migrations applied (copied from a session template)."""
    backend = _test_db_backend(request)
    server: PostgresServer | None = request.getfixturevalue("pg_server") if backend == "postgres" else None
    created: list[str] = []

    def make(name_hint: str = "db", *, package: str | None = None) -> str:
        templates = database_templates if package else None
        if server is None:
            path = tmp_path / f"{_slug(name_hint)}-{uuid.uuid4().hex[:6]}.db"
            return templates.sqlite_copy(package, path) if templates else f"sqlite:///{path}"
        name = f"t_{_slug(name_hint)}_{uuid.uuid4().hex[:10]}"
        url = templates.postgres_copy(package, name) if templates else server.create_database(name)
        created.append(name)
        return url

    yield make
    for name in created:
        try:
            server.drop_database(name)
        except Exception as exc:  # noqa: BLE001 - a test may leave the server down; don't mask its result
            warnings.warn(f"could not drop test database {name}: {exc}", stacklevel=2)


@pytest.fixture
def make_kafka_broker(tmp_path: Path) -> Iterator[Callable[..., TansuBroker]]:
    """Factory ``(durable=False) -> started TansuBroker`` private to the test.

    ``durable=True`` stores topics and offsets in a private moto S3 server, so they survive
    ``stop()``/``start()`` of the broker.
    """
    started: list[TansuBroker | MotoS3Server] = []

    def make(durable: bool = False) -> TansuBroker:
        workdir = tmp_path / f"tansu-{len(started)}"
        if durable:
            s3 = MotoS3Server(workdir=workdir).start()
            started.append(s3)
            broker = TansuBroker(storage_url="s3://tansu/", s3_endpoint=s3.endpoint, workdir=workdir)
        else:
            broker = TansuBroker(workdir=workdir)
        started.append(broker.start())
        return broker

    yield make
    for component in reversed(started):
        component.stop()


@pytest.fixture
def make_s3_server(tmp_path: Path) -> Iterator[Callable[[], MotoS3Server]]:
    """Factory of a moto S3 server private to the test (free to stop and restart)."""
    started: list[MotoS3Server] = []

    def make() -> MotoS3Server:
        server = MotoS3Server(workdir=tmp_path / f"moto-{len(started)}").start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def make_pg_server() -> Iterator[Callable[[], PostgresServer]]:
    """Factory of a throwaway PostgreSQL cluster private to the test (``can_restart`` is True).

    Skips the test when no initdb is available.
    """
    started: list[PostgresServer] = []

    def make() -> PostgresServer:
        try:
            server = PostgresServer().start()
        except PostgresUnavailable as exc:
            pytest.skip(f"cannot start a throwaway PostgreSQL: {exc}")
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()


@pytest.fixture
def spawn_service(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Factory that starts a process and stops it after the test.

    ``spawn_service("pkg.main:app", env={...})`` runs uvicorn on a free port, ready when
    ``ready_path`` (default ``/healthz``) answers 2xx; ``spawn_service([argv...], ready_url=...)``
    runs any command. Returns the started :class:`ServiceProcess` (``.url``, ``.stop()``, ``.kill()``).
    """
    started: list[ServiceProcess] = []

    def spawn(
        target: str | Sequence[str],
        *,
        env: dict[str, str] | None = None,
        name: str | None = None,
        ready_path: str = "/healthz",
        **kwargs,
    ) -> ServiceProcess:
        name = name or (target if isinstance(target, str) else Path(target[0]).name)
        log_path = tmp_path / f"{_slug(name)}-{len(started)}.log"
        if isinstance(target, str):
            proc = ServiceProcess.uvicorn(
                target,
                port=kwargs.pop("port", None) or free_port(),
                log_path=log_path,
                ready_path=ready_path,
                env=env,
                name=name,
                **kwargs,
            )
        else:
            proc = ServiceProcess(list(target), log_path=log_path, env=env, name=name, **kwargs)
        started.append(proc)
        return proc.start()

    yield spawn
    for proc in reversed(started):
        proc.stop()


class MovableClock:
    """The services' clock as a test moves it: seconds added to the wall clock, in the file a
    service reads on every ``now()`` (setting ``test_clock_file``, refused in production).

    A service process gets it through its settings (``env(service)``: ``PEERLAB_<SERVICE>_TEST_CLOCK_FILE``);
    the test's own process (an app in a TestClient, worker threads) through ``install()``, undone
    after the test.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._write(0.0)

    def env(self, service: str) -> dict[str, str]:
        return {f"PEERLAB_{service.upper()}_TEST_CLOCK_FILE": str(self.path)}

    def install(self) -> "MovableClock":
        use_test_clock_file(str(self.path))
        return self

    def move_to(self, at: datetime) -> None:
        """From now on the clock reads ``at`` (and runs on from there)."""
        self._write((at - datetime.now(UTC)).total_seconds())

    def _write(self, offset_s: float) -> None:
        staged = self.path.with_suffix(".tmp")
        staged.write_text(repr(offset_s))
        os.replace(staged, self.path)  # a reader never sees a half-written offset


@pytest.fixture
def movable_clock(tmp_path: Path) -> Iterator[MovableClock]:
    yield MovableClock(tmp_path / "test-clock")
    use_test_clock_file(None)


NO_BROKER = "127.0.0.1:9"  # nothing listens: a dead-letter attempt fails the test instead of hiding


def in_process_values(url: str, *, course_id: str) -> dict[str, Any]:
    """The settings every in-process service test starts from: its database, no broker (events stay in
    the outbox, read by the test), no relay, quiet logs."""
    return dict(
        database_url=url,
        kafka_bootstrap=NO_BROKER,
        relay_in_process=False,
        environment="test",
        log_json=False,
        log_level="WARNING",
        course_id=course_id,
    )


class ServiceStack:
    """One service in-process over its own (migrated) database, for a service's tests.

    ``settings`` and ``create_app`` are the service's; ``consumer_spec`` (optional) is its consumer,
    fed through the real :class:`ConsumerRunner` with :meth:`feed`. :meth:`client` opens a
    TestClient of the app (with settings overrides); :meth:`close` (or leaving the ``with``) closes
    the clients and disposes the engine. Service testkits subclass it for their own builders.
    """

    source = "test"  # the producer named in fed envelopes; subclasses name the usual one
    raise_server_exceptions = True  # a 500 in a TestClient raises the server's exception

    def __init__(
        self, settings: Any, *, create_app: Callable[..., Any], consumer_spec: Any = None, bootstrap: str | None = None
    ) -> None:
        self.settings = settings
        self.create_app = create_app
        self.engine = make_engine(settings)
        self.runner = (
            ConsumerRunner(consumer_spec, engine=self.engine, bootstrap=bootstrap or settings.kafka_bootstrap)
            if consumer_spec is not None
            else None
        )
        self._clients: list[TestClient] = []

    @property
    def url(self) -> str:
        return self.settings.database_url

    # --- events ---------------------------------------------------------------------------------
    def envelope(self, data: Any, *, subject: str, source: str | None = None, event_id: str | None = None) -> Envelope:
        return Envelope.wrap(
            data, source=source or self.source, subject=subject, course_id=self.settings.course_id, event_id=event_id
        )

    def feed(self, data: Any, *, subject: str = "x", source: str | None = None, event_id: str | None = None) -> str:
        """Deliver one event to the service's consumer as the broker would; the runner's verdict."""
        return self.feed_raw(self.envelope(data, subject=subject, source=source, event_id=event_id).to_bytes())

    def feed_raw(self, raw: bytes) -> str:
        return self.runner.handle_message(raw, stop=threading.Event())

    # --- HTTP -----------------------------------------------------------------------------------
    def client(self, app_kwargs: dict[str, Any] | None = None, **overrides: Any) -> TestClient:
        """A started TestClient of the app, with ``overrides`` applied to the settings."""
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        client = TestClient(
            self.create_app(settings, **(app_kwargs or {})), raise_server_exceptions=self.raise_server_exceptions
        )
        client.__enter__()
        self._clients.append(client)
        return client

    def auth(self, sub: str, *roles: str) -> dict[str, str]:
        token = mint_dev_token(sub=sub, roles=roles or ("student",), secret=self.settings.jwt_secret)
        return {"Authorization": f"Bearer {token}"}

    # --- database -------------------------------------------------------------------------------
    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def outbox(self, event_type: str | None = None) -> list[Envelope]:
        """The envelopes in the service's outbox, oldest first (of ``event_type`` when given)."""
        query = select(OutboxEvent).order_by(OutboxEvent.seq)
        if event_type:
            query = query.where(OutboxEvent.event_type == event_type)
        with self.session() as session:
            return [Envelope.from_bytes(row.payload) for row in session.execute(query).scalars()]

    def count(self, model: Any, *where: Any) -> int:
        with self.session() as session:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def close(self) -> None:
        for client in reversed(self._clients):
            client.__exit__(None, None, None)
        self._clients.clear()
        self.engine.dispose()

    def __enter__(self) -> "ServiceStack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def count_statements(engine: Any) -> Iterator[list[str]]:
    """The SQL statements ``engine`` executes inside the block, in order (an SQLAlchemy event hook):
    ``with count_statements(app.state.engine) as sql: ...; assert len(sql) == ...``."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
