"""The committed OpenAPI document is current (the migrations are checked with every service's in
tests/test_migrations.py)."""

from pathlib import Path

from peerlab.review.openapi import render


def test_the_committed_openapi_document_is_current():
    committed = (Path(__file__).parents[1] / "openapi.json").read_text()
    assert committed == render(), "run: python -m peerlab.review.openapi"
