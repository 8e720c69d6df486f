"""Every service's committed migrations build its schema from nothing, match its models, and go
down and up again — on the configured database (PostgreSQL on CI) and on SQLite.

Alembic runs in its own process per service, as in production: in one test process other
services' models would share SQLModel's metadata and ``check`` would report their tables.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SERVICES = ["submissions", "review", "projects", "scheduling", "gateway"]
SCRIPT = """
import sys
from alembic import command
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.settings import ServiceSettings
cfg = alembic_config(package=sys.argv[1], settings=ServiceSettings(database_url=sys.argv[2]))
command.upgrade(cfg, "head")
command.check(cfg)
command.downgrade(cfg, "base")
command.upgrade(cfg, "head")
command.check(cfg)
"""


@pytest.mark.parametrize("backend", ["configured", "sqlite"])
@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_check_downgrade_upgrade(service, backend, fresh_database_url, tmp_path):
    url = f"sqlite:///{tmp_path / f'{service}.db'}" if backend == "sqlite" else fresh_database_url(service)
    done = subprocess.run([sys.executable, "-c", SCRIPT, f"peerlab.{service}", url],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{service}: {done.stderr[-3000:]}"
