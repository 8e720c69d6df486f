"""The migrations create exactly what the models describe, on SQLite and on PostgreSQL, and go
down and up again. Each run is its own process: other services' models share SQLModel's metadata
when their tests run in the same process, as they never do in production."""

import subprocess
import sys
import uuid

import pytest

PACKAGE = "peerlab.projects"
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


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_check_downgrade_upgrade(backend, tmp_path, pg_server):
    name = f"t_mig_{uuid.uuid4().hex[:10]}"
    if backend == "postgres":
        if pg_server is None:
            pytest.skip("needs PostgreSQL")
        url = pg_server.create_database(name)
    else:
        url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    try:
        done = subprocess.run([sys.executable, "-c", SCRIPT, PACKAGE, url], capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
    finally:
        if backend == "postgres":
            pg_server.drop_database(name)
