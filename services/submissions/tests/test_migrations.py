"""The migrations build exactly what the models describe, and step down and up again.

Alembic runs in its own process: in a test session that also imports other services, the shared
SQLModel metadata would hold their tables too and ``check`` would report them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys
from alembic import command
from sqlalchemy import create_engine, inspect
from peerlab.chassis.db import _normalise_url
from peerlab.chassis.migrations import alembic_config
from peerlab.submissions.settings import SubmissionsSettings

cfg = alembic_config(package="peerlab.submissions", settings=SubmissionsSettings(database_url=sys.argv[1]))
command.upgrade(cfg, "head")
command.check(cfg)
engine = create_engine(_normalise_url(sys.argv[1]))
tables = set(inspect(engine).get_table_names())
engine.dispose()
wanted = {"submissions_assignment", "submissions_submission", "submissions_version", "submissions_upload",
          "submissions_idempotency", "submissions_closed_assignment", "outbox_event", "inbox_entry"}
assert wanted <= tables, wanted - tables
assert not [t for t in tables if t not in wanted | {"alembic_version"} and not t.startswith("submissions_")], tables
command.downgrade(cfg, "base")
command.upgrade(cfg, "head")
command.check(cfg)
"""


@pytest.mark.parametrize("backend", ["configured", "sqlite"])
def test_upgrade_check_downgrade_upgrade(backend, fresh_database_url, tmp_path: Path):
    url = fresh_database_url("migrations") if backend == "configured" else f"sqlite:///{tmp_path / 'm.db'}"
    done = subprocess.run([sys.executable, "-c", SCRIPT, url], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
