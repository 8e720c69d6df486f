"""The migrations build the schema the models describe (``check`` finds nothing to generate)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from peerlab.chassis.db import _normalise_url
from peerlab.chassis.migrations import alembic_config


def test_migrations_match_the_models(make_settings):
    settings = make_settings()  # runs `upgrade head`
    command.check(alembic_config(package="peerlab.submissions", settings=settings))
    engine = create_engine(_normalise_url(settings.database_url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"submissions_assignment", "submissions_submission", "submissions_version", "submissions_upload",
            "submissions_idempotency", "submissions_closed_assignment", "outbox_event", "inbox_entry"} <= tables
