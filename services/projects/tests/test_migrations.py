"""The migrations create exactly what the models describe, on SQLite and on PostgreSQL."""

import uuid

import pytest
from alembic import command
from alembic.util.exc import CommandError

from peerlab.chassis.migrations import alembic_config
from peerlab.projects.settings import ProjectsSettings


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_then_check_is_clean(backend, tmp_path, pg_server):
    if backend == "postgres":
        if pg_server is None:
            pytest.skip("needs PostgreSQL")
        name = f"t_proj_mig_{uuid.uuid4().hex[:10]}"
        url = pg_server.create_database(name)
    else:
        url = f"sqlite:///{tmp_path / 'projects.db'}"
    try:
        cfg = alembic_config(package="peerlab.projects", settings=ProjectsSettings(database_url=url))
        command.upgrade(cfg, "head")
        try:
            command.check(cfg)
        except CommandError as exc:  # pragma: no cover - the failure message is the diff
            pytest.fail(f"models and migrations differ: {exc}")
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")
    finally:
        if backend == "postgres":
            pg_server.drop_database(name)
