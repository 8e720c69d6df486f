"""Every service's committed migrations build its schema from nothing through its own
``python -m peerlab.<service>.migrate`` entry point, match its models, hold only its own tables
(``<service>_*``, the outbox and the inbox), and go down and up again — on the configured database
(PostgreSQL on CI) and on SQLite.

Alembic runs in its own process per service, as in production: in one test process other
services' models would share SQLModel's metadata and ``check`` would report their tables.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SERVICES = ["submissions", "review", "projects", "scheduling", "gateway"]
SCRIPT = """
import importlib, sys
from alembic import command
from sqlalchemy import create_engine, inspect
from peerlab.chassis.db import _normalise_url
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.settings import ServiceSettings
service, url = sys.argv[1], sys.argv[2]
entry = importlib.import_module(f"peerlab.{service}.migrate")
for step in ("upgrade", "check"):  # as ``python -m peerlab.<service>.migrate <step>`` runs it
    sys.argv = ["migrate", step]
    assert entry.main() == 0, step
engine = create_engine(_normalise_url(url))
tables = set(inspect(engine).get_table_names())
engine.dispose()
shared = {"outbox_event", "inbox_entry", "alembic_version"}
assert shared <= tables, shared - tables
assert not [t for t in tables - shared if not t.startswith(f"{service}_")], tables
cfg = alembic_config(package=f"peerlab.{service}", settings=ServiceSettings(database_url=url))
command.downgrade(cfg, "base")
command.upgrade(cfg, "head")
command.check(cfg)
"""


@pytest.mark.parametrize("backend", ["configured", "sqlite"])
@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_check_downgrade_upgrade(service, backend, fresh_database_url, tmp_path):
    url = f"sqlite:///{tmp_path / f'{service}.db'}" if backend == "sqlite" else fresh_database_url(service)
    env = {
        **os.environ,
        f"PEERLAB_{service.upper()}_DATABASE_URL": url,
        f"PEERLAB_{service.upper()}_ENVIRONMENT": "test",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, service, url], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"{service}: {done.stderr[-3000:]}"
