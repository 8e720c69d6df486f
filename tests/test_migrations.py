"""Every service's committed migrations build its schema from nothing, and match its models.

Each service runs in its own process (its own metadata), as it does in production.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

SERVICES = ["submissions", "review", "projects", "scheduling", "gateway"]


def package(service: str) -> str:
    return f"peerlab.{service}"


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_upgrade_then_check_clean(service, fresh_database_url):
    if importlib.util.find_spec(f"{package(service)}.migrate") is None:
        pytest.fail(f"{service} has no migrate module")
    env = {**os.environ, f"PEERLAB_{service.upper()}_DATABASE_URL": fresh_database_url(service),
           f"PEERLAB_{service.upper()}_ENVIRONMENT": "test"}
    for step in (["upgrade"], ["check"]):
        done = subprocess.run([sys.executable, "-m", f"{package(service)}.migrate", *step], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{service} {step}: {done.stdout[-1500:]}{done.stderr[-3000:]}"
