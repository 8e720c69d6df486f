"""Alembic, the same way for every service: ``python -m peerlab.<svc>.migrate [upgrade|check]``."""

from __future__ import annotations

import sys

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from peerlab.chassis.db import _normalise_url
from peerlab.chassis.settings import ServiceSettings


def alembic_config(*, package: str, settings: ServiceSettings) -> Config:
    """Config for the migrations shipped inside ``package`` (``peerlab.<svc>:migrations``)."""
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("sqlalchemy.url", _normalise_url(settings.database_url).replace("%", "%%"))
    return cfg


def upgrade(*, package: str, database_url: str, revision: str = "head") -> None:
    """Migrate the database at ``database_url`` with ``package``'s migrations (to head by default)."""
    command.upgrade(alembic_config(package=package, settings=ServiceSettings(database_url=database_url)), revision)


def create_outbox_and_inbox() -> None:
    """In a service's first migration: the ``outbox_event`` and ``inbox_entry`` tables of
    :mod:`peerlab.chassis.outbox` and :mod:`peerlab.chassis.inbox`."""
    op.create_table(
        "inbox_entry",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox_event",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_event_unsent", ["sent_at", "seq"], unique=False)


def drop_outbox_and_inbox() -> None:
    """The downgrade of :func:`create_outbox_and_inbox`."""
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_unsent")
    op.drop_table("outbox_event")
    op.drop_table("inbox_entry")


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``; batch mode keeps SQLite ALTERs working."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    is_sqlite = url.startswith("sqlite")
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=is_sqlite, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()


def main(*, package: str, settings: ServiceSettings, argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv) or ["upgrade"]
    cfg = alembic_config(package=package, settings=settings)
    if args[0] == "upgrade":
        command.upgrade(cfg, args[1] if len(args) > 1 else "head")
    elif args[0] == "check":
        command.check(cfg)
    elif args[0] == "revision":
        command.revision(cfg, message=args[1] if len(args) > 1 else "change", autogenerate=True)
    else:
        print(f"unknown command {args[0]!r}; use upgrade, check or revision MESSAGE", file=sys.stderr)
        return 2
    return 0
