"""Alembic, the same way for every service: ``python -m peerlab.<svc>.migrate [upgrade|check]``."""

from __future__ import annotations

import sys

from alembic import command, context
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


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``; batch mode keeps SQLite ALTERs working."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    is_sqlite = url.startswith("sqlite")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=is_sqlite, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=is_sqlite, compare_type=True)
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
