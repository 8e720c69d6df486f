"""PostgreSQL for tests: the machine's own server, or a throwaway cluster made with initdb.

``PostgresServer.discover()`` takes ``$PEERLAB_TEST_PG_URL`` if set, else a server on
127.0.0.1:5432 that lets user ``postgres`` in, else a new cluster on a free port. Only a
throwaway cluster may be stopped and restarted (``can_restart``); the shared one never is.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from peerlab.local.ports import LOOPBACK, free_port, port_open
from sqlalchemy.engine import make_url

DEFAULT_SHARED_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be reached and none can be started here."""


def _sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def _libpq_url(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def find_pg_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, else initdb on PATH."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda p: [int(x) for x in re.findall(r"\d+", Path(p).parts[-3])])
        return Path(newest).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _can_connect(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_libpq_url(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


class PostgresServer:
    """A PostgreSQL server with helpers to create and drop one database per test."""

    def __init__(self, *, url: str | None = None, port: int | None = None) -> None:
        """``url`` given: use that running server. Otherwise: a throwaway cluster on ``port``."""
        self.shared = url is not None
        if url is not None:
            self.admin_url = _sqlalchemy_url(url)
            self.port = make_url(self.admin_url).port or 5432
        else:
            self.port = port or free_port()
            self.admin_url = f"postgresql+psycopg://postgres@{LOOPBACK}:{self.port}/postgres"
        self.datadir: Path | None = None
        self._bindir: Path | None = None

    @classmethod
    def discover(cls) -> "PostgresServer":
        env_url = os.environ.get("PEERLAB_TEST_PG_URL")
        if env_url:
            return cls(url=env_url)
        if port_open(LOOPBACK, 5432) and _can_connect(DEFAULT_SHARED_URL):
            return cls(url=DEFAULT_SHARED_URL)
        if find_pg_bindir() is None:
            raise PostgresUnavailable("no PostgreSQL server on 127.0.0.1:5432 and no initdb found")
        return cls()

    @property
    def can_restart(self) -> bool:
        return not self.shared

    @property
    def running(self) -> bool:
        return _can_connect(self.admin_url)

    @property
    def url(self) -> str:
        return self.admin_url

    def _as_postgres(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root but no 'postgres' user exists") from exc
        return ["runuser", "-u", "postgres", "--", *argv]

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        argv = self._as_postgres([str(self._bindir / tool), *args])
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")

    def _initdb(self) -> None:
        self._bindir = find_pg_bindir()
        if self._bindir is None:
            raise PostgresUnavailable("initdb not found")
        self.datadir = Path(tempfile.mkdtemp(prefix="peerlab-pg-"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.datadir, pw.pw_uid, pw.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.datadir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> "PostgresServer":
        if self.shared:
            if not self.running:
                raise PostgresUnavailable(f"cannot connect to {self.admin_url}")
            return self
        if self.datadir is None:
            self._initdb()
        options = (
            f"-p {self.port} -c listen_addresses={LOOPBACK} -k {self.datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir / "data"),
            "-l",
            str(self.datadir / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )
        return self

    def stop(self) -> None:
        """Stop a throwaway cluster (its data stays for ``start()``); refused for a shared server."""
        if self.shared:
            raise RuntimeError("refusing to stop a shared PostgreSQL server (see can_restart)")
        if self.datadir is not None and (self.datadir / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.datadir / "data"), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)

    def close(self) -> None:
        """Stop and delete a throwaway cluster; nothing for a shared server."""
        if self.shared or self.datadir is None:
            return
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir = None

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self):
        import psycopg

        return psycopg.connect(_libpq_url(self.admin_url), autocommit=True, connect_timeout=10)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (lower-case identifier), a copy of ``template`` when given
        (which nobody may be connected to), and return its SQLAlchemy URL."""
        for plain in (name, template or "x"):
            if not _DB_NAME.match(plain):
                raise ValueError(f"not a plain database name: {plain!r}")
        copy = f' TEMPLATE "{template}"' if template else ""
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, terminating its connections first."""
        if not _DB_NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        with self._admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            force = " WITH (FORCE)" if conn.info.server_version >= 130000 else ""
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
