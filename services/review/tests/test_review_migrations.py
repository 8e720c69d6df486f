"""Migrations build the schema the models describe; the committed OpenAPI document is current."""

import os
import subprocess
import sys
from pathlib import Path

from peerlab.review.openapi import render


def _migrate(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PEERLAB_REVIEW_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "peerlab.review.migrate", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_upgrade_then_check_finds_no_difference(fresh_database_url):
    url = fresh_database_url("review_migrations")
    up = _migrate(url, "upgrade")
    assert up.returncode == 0, up.stderr
    check = _migrate(url, "check")
    assert check.returncode == 0, check.stderr + check.stdout


def test_the_committed_openapi_document_is_current():
    committed = (Path(__file__).parents[1] / "openapi.json").read_text()
    assert committed == render(), "run: python -m peerlab.review.openapi"
