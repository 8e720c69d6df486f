"""The migrations build exactly the models' schema (``alembic check`` finds nothing to add)."""

from __future__ import annotations

from alembic import command

from peerlab.chassis.migrations import alembic_config


def test_migrations_match_the_models(settings) -> None:  # noqa: ANN001 - the fixture has upgraded to head
    command.check(alembic_config(package="peerlab.gateway", settings=settings))
