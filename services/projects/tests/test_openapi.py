"""The committed openapi.json is what the code serves (regenerate: python -m peerlab.projects.openapi)."""

from peerlab.projects.openapi import DEFAULT_PATH, render


def test_committed_openapi_is_current():
    assert DEFAULT_PATH.read_text() == render()
