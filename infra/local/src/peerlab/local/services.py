"""The table of components ``peerlab dev`` runs, and the environment each one gets."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    """A service's modules follow one shape: ``<package>.migrate``, ``.main:app``, ``.worker``."""

    name: str
    package: str

    @property
    def env_prefix(self) -> str:
        return f"PEERLAB_{self.name.upper()}_"

    @property
    def migrate_module(self) -> str:
        return f"{self.package}.migrate"

    @property
    def main_module(self) -> str:
        return f"{self.package}.main"

    @property
    def app(self) -> str:
        return f"{self.main_module}:app"

    @property
    def worker_module(self) -> str:
        return f"{self.package}.worker"


# The gateway comes last: it is told every other service's URL.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("submissions", "peerlab.submissions"),
    ServiceSpec("review", "peerlab.review"),
    ServiceSpec("projects", "peerlab.projects"),
    ServiceSpec("scheduling", "peerlab.scheduling"),
    ServiceSpec("gateway", "peerlab.gateway"),
)


def module_exists(name: str) -> bool:
    """True when ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ModuleNotFoundError, ValueError):
        return False


def service_env(
    spec: ServiceSpec, *, port: int, data_dir: Path, bootstrap: str, peer_urls: dict[str, str] | None = None
) -> dict[str, str]:
    """``PEERLAB_<SVC>_*`` settings of the embedded default: SQLite, filesystem store, tansu."""
    data_dir = data_dir.resolve()
    prefix = spec.env_prefix
    env = {
        f"{prefix}DATABASE_URL": f"sqlite:///{data_dir / f'{spec.name}.db'}",
        f"{prefix}KAFKA_BOOTSTRAP": bootstrap,
        f"{prefix}STORAGE_BACKEND": "fs",
        f"{prefix}STORAGE_FS_ROOT": str(data_dir / "objects" / spec.name),
        f"{prefix}PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        f"{prefix}ENVIRONMENT": "dev",
        f"{prefix}DATA_DIR": str(data_dir / spec.name),
    }
    if spec.name == "review":  # ended review windows close within seconds, not a minute, in a demo
        env[f"{prefix}WINDOW_JOB_INTERVAL_S"] = "5"
    for name, url in (peer_urls or {}).items():
        env[f"{prefix}{name.upper()}_URL"] = url
    return env
