"""Build each service's app on a fresh SQLite database (migrated) for in-process probing."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import alembic_config

SERVICE_SETTINGS = {
    "submissions": ("peerlab.submissions.settings", "SubmissionsSettings"),
    "review": ("peerlab.review.settings", "ReviewSettings"),
    "projects": ("peerlab.projects.settings", "ProjectsSettings"),
    "scheduling": ("peerlab.scheduling.settings", "SchedulingSettings"),
}


def service_client(name: str, tmp: Path, database_url: str | None = None) -> TestClient:
    module, cls_name = SERVICE_SETTINGS[name]
    settings_cls = getattr(importlib.import_module(module), cls_name)
    settings = settings_cls(
        database_url=database_url or f"sqlite:///{tmp / f'{name}.db'}",
        environment="test",
        relay_in_process=False,
        kafka_bootstrap="127.0.0.1:9",
        log_json=False,
        log_level="WARNING",
        storage_backend="fs",
        storage_fs_root=str(tmp / "objects"),
        data_dir=str(tmp / "data"),
    )
    command.upgrade(alembic_config(package=f"peerlab.{name}", settings=settings), "head")
    app = importlib.import_module(f"peerlab.{name}.main").create_app(settings)
    return TestClient(app, raise_server_exceptions=False)


def staff_headers(secret_from: TestClient) -> dict[str, str]:
    settings = secret_from.app.state.settings
    token = mint_dev_token(sub="t-admin", roles=["admin", "teacher"], secret=settings.jwt_secret)
    return {"Authorization": f"Bearer {token}"}
